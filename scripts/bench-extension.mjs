// Extension benchmark (numbers, not a test): builds, then runs test/e2e/suite/zz-bench.test.ts in
// the real VS Code extension host (test/vscode-host) with LEAKLENS_BENCH=1 and prints what it
// measured: activation, keystroke-to-diagnostics p50/p95 on 10k-line Python and C++ files, the
// longest event-loop block of the extension host meanwhile, host memory after opening 200 files.
// Writes .bench/extension.json. Usage: node scripts/bench-extension.mjs [--no-build]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, extra = {}) =>
  spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, ...extra });
if (!process.argv.includes('--no-build')) {
  for (const [cmd, args] of [
    ['node', ['scripts/build.mjs']],
    ['npx', ['tsc', '-p', 'tsconfig.json']],
    ['bash', ['test/vscode-host/setup.sh']],
  ]) {
    const r = run(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
const r = run(process.execPath, ['out/test/e2e/runTests.js'], {
  env: {
    ...process.env,
    LEAKLENS_BENCH: '1',
    LEAKLENS_E2E_GREP: process.env.LEAKLENS_E2E_GREP ?? 'bench',
    TEST_TIMEOUT_MS: '900000',
    LEAKLENS_E2E_TIMEOUT_MS: '300000',
  },
});
const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('LEAKLENS_BENCH '));
if (!line) {
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  console.error('bench-extension: no LEAKLENS_BENCH line in the output');
  process.exit(1);
}
// The tests' own lines (ok / FAIL and failure details) go to stderr.
process.stderr.write(
  `${r.stdout
    .split('\n')
    .filter((l) => /^\s*(ok|FAIL|-) |^\d+\) |^\w*Error|passed|failed/.test(l))
    .join('\n')}\n`,
);
const data = JSON.parse(line.slice('LEAKLENS_BENCH '.length));
const version = (r.stdout.match(/LeakLens e2e: (VS Code [^\n]*)/) ?? [])[1];
const result = {
  when: new Date().toISOString(),
  host: version,
  cpus: (await import('node:os')).cpus().length,
  ...data,
};
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', 'extension.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exit(r.status ?? 1);
