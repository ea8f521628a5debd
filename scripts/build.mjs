// Bundles the extension, the CLI and the analysis worker with esbuild, and copies the
// grammars' .wasm files (and web-tree-sitter's runtime) next to them: one universal build.
import { build } from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(join(dist, 'grammars'), { recursive: true });
for (const [pkg, file] of [
  ['web-tree-sitter', 'tree-sitter.wasm'],
  ['tree-sitter-cpp', 'tree-sitter-cpp.wasm'],
  ['tree-sitter-python', 'tree-sitter-python.wasm'],
]) {
  cpSync(join(root, 'node_modules', pkg, file), join(dist, 'grammars', file));
}
// Python helpers the profiler launches (runner, snapshot differ) ship as plain files.
const pyDir = join(root, 'src', 'profile', 'python');
if (existsSync(pyDir)) cpSync(pyDir, join(dist, 'python'), { recursive: true });

// The Memory timeline webview's chart library (uPlot), loaded by media/timeline.js from dist/media.
mkdirSync(join(dist, 'media'), { recursive: true });
for (const f of ['uPlot.iife.min.js', 'uPlot.min.css'])
  cpSync(join(root, 'node_modules', 'uplot', 'dist', f), join(dist, 'media', f));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode'],
  // esbuild picks the package's ESM entry for `import` statements, whose import.meta.url has no
  // meaning in a CommonJS bundle: take the CommonJS build of web-tree-sitter instead.
  alias: { 'web-tree-sitter': join(root, 'node_modules', 'web-tree-sitter', 'tree-sitter.cjs') },
};
const entries = [
  ['src/cli/main.ts', 'cli.js'],
  ['src/core/worker.ts', 'worker.js'],
  ['src/extension/analysis-worker.ts', 'analysis-worker.js'],
];
if (existsSync(join(root, 'src/extension/extension.ts'))) entries.push(['src/extension/extension.ts', 'extension.js']);
await Promise.all(
  entries
    .filter(([src]) => existsSync(join(root, src)))
    .map(([src, out]) => build({ ...common, entryPoints: [join(root, src)], outfile: join(dist, out) })),
);
