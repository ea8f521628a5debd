// `npm run schema`: writes schema/leaklens.schema.json and the `## Options` section of each
// docs/rules/<id>.md from the rules' declarations (src/core/config-schema.ts). `--check` writes
// nothing and exits 1 when either is stale. The TypeScript is bundled in memory with esbuild, so this
// needs no compiled out/ tree.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

const bundled = await build({
  stdin: {
    contents: "export * from './src/core/config-schema'; export { BUILTIN_RULES } from './src/core/rules';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
});
const tmp = join(tmpdir(), `leaklens-gen-schema-${process.pid}.cjs`);
writeFileSync(tmp, bundled.outputFiles[0].text);
let generator;
try {
  generator = createRequire(import.meta.url)(tmp);
} finally {
  rmSync(tmp, { force: true });
}
const { BUILTIN_RULES, SCHEMA_FILE, configSchemaText, withOptionsSection } = generator;

const outputs = [[join(root, SCHEMA_FILE), configSchemaText()]];
for (const rule of BUILTIN_RULES) {
  const doc = join(root, 'docs', 'rules', `${rule.id}.md`);
  if (existsSync(doc)) outputs.push([doc, withOptionsSection(readFileSync(doc, 'utf8'), rule)]);
}
const stale = outputs.filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text);
for (const [file, text] of stale) {
  const rel = file.slice(root.length + 1);
  if (check) console.error(`${rel} is not what the rules declare: run npm run schema`);
  else {
    writeFileSync(file, text);
    console.log(`wrote ${rel}`);
  }
}
process.exit(check && stale.length ? 1 : 0);
