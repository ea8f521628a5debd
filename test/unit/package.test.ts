// The .vsix's contents (`vsce ls`, what `npm run package` ships): everything the extension loads at
// run time must be in it, and every file the manifest points at must exist and be shipped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers';

describe('the .vsix', () => {
  const listed = execFileSync(process.execPath, [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const shipped = new Set(listed);

  it('ships the bundles, the grammars, the Python helpers and the webview assets', () => {
    for (const f of [
      'dist/extension.js',
      'dist/analysis-worker.js',
      'dist/grammars/tree-sitter.wasm',
      'dist/grammars/tree-sitter-cpp.wasm',
      'dist/grammars/tree-sitter-python.wasm',
      'dist/python/leaklens_runner.py',
      'dist/python/leaklens_diff.py',
      'media/timeline.js',
    ]) {
      assert.ok(shipped.has(f), `${f} is not in the .vsix`);
    }
    assert.ok(
      listed.some((f) => f.startsWith('dist/media/')),
      'the chart library (dist/media) is not in the .vsix',
    );
  });

  it('ships every file the manifest refers to', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const refs: string[] = [pkg.main];
    for (const l of pkg.contributes.languages ?? []) if (l.configuration) refs.push(l.configuration);
    for (const g of pkg.contributes.grammars ?? []) refs.push(g.path);
    for (const v of pkg.contributes.jsonValidation ?? []) refs.push(v.url);
    for (const ref of refs) {
      const rel = ref.replace(/^\.\//, '');
      assert.ok(existsSync(join(ROOT, rel)), `${ref} does not exist`);
      assert.ok(shipped.has(rel), `${ref} is not in the .vsix`);
    }
  });

  it('leaves sources, tests, source maps and node_modules out', () => {
    assert.deepEqual(
      listed.filter((f) => /^(src|test|node_modules|out)\/|\.map$|\.ts$/.test(f)),
      [],
    );
  });
});
