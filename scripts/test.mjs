// `npm test`: builds dist/ and compiles out/, then runs the engine's and profiler's unit tests
// on plain Node (real grammars, real compilers, real processes), then the extension's tests inside
// a real VS Code extension host (test/vscode-host: code-server + headless chromium).
// LEAKLENS_SKIP_E2E=1 runs the unit tests only.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const step = (title, cmd, args) => {
  console.log(`\n=== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
};

// Build here rather than in a `pretest` script: the project's .npmrc sets ignore-scripts (the grammar
// packages' native install scripts are not wanted), and npm then skips pre/post scripts too.
if (
  step('build (esbuild) and compile the tests (tsc)', process.execPath, ['scripts/build.mjs']) ||
  step('tsc', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'])
) {
  process.exit(1);
}
let failed = 0;
// Formatting is part of the build's contract: Prettier at 120 columns (.prettierrc.json).
failed += step('format check (prettier --check)', process.execPath, [
  join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'),
  '--check',
  '.',
])
  ? 1
  : 0;
// The profiler tests that judge real programs by their timing (heap trend, tracing windows) run one
// at a time after the rest: beside another test on a 2-core machine, the program they time waits
// for a CPU, and what they measure is the machine, not the profiler.
const unitDir = join(root, 'out', 'test', 'unit');
// Also the per-rule tests in rules/ (one file per rule and per shape family).
const unitFiles = readdirSync(unitDir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'));
const timed = (f) => /^profile-(heap|hitrate|children|types|load|recorder)\.test\.js$/.test(f);
// Each node:test group also writes TAP to out/, so the end of the run can repeat what failed (CI shows
// the tail of the log, which is otherwise the VS Code suite's).
const tapFiles = [];
const reporters = (name) => {
  const file = join(root, 'out', `${name}.tap`);
  tapFiles.push(file);
  return [
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${file}`,
  ];
};
failed += step('unit tests (node:test)', process.execPath, [
  '--test',
  ...reporters('unit'),
  '--test-concurrency=2',
  ...unitFiles.filter((f) => !timed(f)).map((f) => join(unitDir, f)),
])
  ? 1
  : 0;
// Real processes timed on a shared machine: each of these tests has up to 3 attempts (itTimed in
// test/unit/profile-helpers.ts, as pytest-rerunfailures does per test); a group that still fails is run
// once more, and the suite fails only if it fails again. Every failed attempt prints.
const timedArgs = (name) => [
  '--test',
  ...reporters(name),
  '--test-concurrency=1',
  ...unitFiles.filter(timed).map((f) => join(unitDir, f)),
];
failed +=
  step('profiler timing tests (node:test, one at a time)', process.execPath, timedArgs('timed')) &&
  step(
    'profiler timing tests, once more (a failure above may be the machine)',
    process.execPath,
    timedArgs('timed-again'),
  )
    ? 1
    : 0;
if (process.env.LEAKLENS_SKIP_E2E) {
  console.log('\n=== extension tests skipped (LEAKLENS_SKIP_E2E)');
} else {
  const setup = step('installing the VS Code test host (cached in .vscode-host/)', 'bash', [
    'test/vscode-host/setup.sh',
  ]);
  const e2e = (title) => step(title, process.execPath, ['out/test/e2e/runTests.js']);
  failed += setup
    ? 1
    : e2e('extension tests in a real VS Code extension host') &&
        e2e('extension tests, once more (a failure above may be the machine)')
      ? 1
      : 0;
}
const retried = tapFiles
  .filter((f) => existsSync(f))
  .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
  .filter((l) => /attempt \d+ of \d+ failed/.test(l));
if (retried.length) console.log(`\n=== timed tests that needed another attempt\n${retried.join('\n')}`);
if (failed) {
  console.log('\n=== what failed (from the TAP files in out/)');
  for (const file of tapFiles) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    const shown = [];
    lines.forEach((line, i) => {
      if (!/^\s*not ok /.test(line)) return;
      // The failure's YAML block: error, expected, actual, location (the stack is left out).
      const block = lines.slice(i + 1, i + 30);
      const end = block.findIndex((l) => /^\s*(\.\.\.|stack:.*)$/.test(l));
      shown.push(line, ...block.slice(0, end < 0 ? 14 : Math.min(end, 14)));
    });
    if (shown.length) console.log(`--- ${file}\n${shown.join('\n')}`);
  }
}
process.exit(failed ? 1 : 0);
