#!/usr/bin/env node
// Profiler benchmark (run after `npm run build`): slowdown of each profiling mode on an
// allocation-heavy Python and native program next to the plain run, tracemalloc (1 and 25
// frames), heaptrack and valgrind massif; the sampler's own CPU per sample; and the time from a
// leak starting to the verdict `leak`; and the hit rate of the default Python mode: the share of
// repeated runs of leaking programs (test/fixtures/profile/hitrate: slow, fast, large, small, zero
// pages, a slow leak in a busy program) whose first reported line is the leaking one. Prints a table
// and writes .bench/profile.json.
//   node scripts/bench-profile.mjs [--quick] [--hitrate-runs N] [--hitrate-only]
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, '.bench');
const fixtures = join(root, 'test', 'fixtures', 'profile');
const quick = process.argv.includes('--quick');
const argValue = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const hitrateOnly = process.argv.includes('--hitrate-only');
const hitrateRuns = Number(argValue('--hitrate-runs') ?? (quick ? 1 : 4));
const work = mkdtempSync(join(tmpdir(), 'leaklens-bench-'));
mkdirSync(benchDir, { recursive: true });

// The profiler library itself (the CLI bundle exports only main()).
const lib = join(benchDir, 'profile-lib.cjs');
await build({
  entryPoints: [join(root, 'src/profile/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  outfile: lib,
  logLevel: 'warning',
});
const { ProfileSession, verdict } = createRequire(import.meta.url)(lib);

const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const elapsedOf = (text) => {
  const m = /elapsed ([\d.]+)/.exec(text);
  return m ? Number(m[1]) : NaN;
};

/** Runs a command; returns the program's own loop time ("elapsed S" on its output). */
function runPlain(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', () => resolve(elapsedOf(out)));
  });
}

/** Runs a command under a LeakLens session; also returns the session's sample count and report. */
async function runSession(command, opts = {}) {
  const session = new ProfileSession({ command, outDir: mkdtempSync(join(work, 'out-')), cwd: work, ...opts });
  let out = '';
  let samples = 0;
  session.on('output', (d) => (out += d));
  session.on('sample', () => samples++);
  await session.start();
  const report = await session.done;
  return { seconds: elapsedOf(out), samples, report, session };
}

/** Median loop time over `repeats` runs (one run for tools ≥ 3× slower than plain). */
async function measure(label, fn, plainS) {
  const first = await fn();
  const times = [first];
  const repeats = quick ? 1 : plainS && first > 3 * plainS ? 1 : 3;
  for (let i = 1; i < repeats; i++) times.push(await fn());
  const s = median(times);
  process.stderr.write(`  ${label}: ${s.toFixed(3)} s\n`);
  return s;
}

async function slowdowns(kind, plainArgv, leaklensModes) {
  const rows = [];
  const plain = await measure(`${kind} plain`, () => runPlain(plainArgv));
  rows.push({ benchmark: kind, mode: 'plain', seconds: plain, slowdown: 1 });
  const add = async (mode, fn) => {
    const s = await measure(`${kind} ${mode}`, fn, plain);
    rows.push({ benchmark: kind, mode, seconds: s, slowdown: s / plain });
  };
  for (const [mode, opts] of leaklensModes) await add(mode, async () => (await runSession(plainArgv, opts)).seconds);
  if (kind === 'python') {
    await add('tracemalloc 1 frame', () => runPlain([plainArgv[0], '-X', 'tracemalloc=1', ...plainArgv.slice(1)]));
    await add('tracemalloc 25 frames', () => runPlain([plainArgv[0], '-X', 'tracemalloc=25', ...plainArgv.slice(1)]));
  }
  if (has('heaptrack'))
    await add('heaptrack', () => runPlain(['heaptrack', '-o', join(work, `ht-${kind}`), ...plainArgv]));
  if (has('valgrind'))
    await add('valgrind massif', () =>
      runPlain(['valgrind', '--tool=massif', `--massif-out-file=${join(work, `massif-${kind}.out`)}`, ...plainArgv]),
    );
  return rows;
}

/** CPU the sampler itself spends per sample (this process), for a 1-process and a 9-process tree. */
async function samplerCost() {
  const rows = [];
  for (const [label, command] of [
    ['1 process', ['sleep', '30']],
    ['9 processes', ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait']],
  ]) {
    const before = process.cpuUsage();
    const { samples } = await runSession(command, { mode: 'rss', intervalMs: 100, durationS: quick ? 2 : 5 });
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    rows.push({ tree: label, samples, cpuMsPerSample: ms / samples });
    process.stderr.write(`  sampler, ${label}: ${(ms / samples).toFixed(2)} ms CPU per sample (${samples} samples)\n`);
  }
  return rows;
}

/** Seconds from the leak starting to the first sample at which the verdict on the data so far is `leak`. */
async function timeToVerdict(rateMBs) {
  const session = new ProfileSession({
    command: [py, join(fixtures, 'bench_late_leak.py'), '3', String(rateMBs), '40'],
    outDir: mkdtempSync(join(work, 'late-')),
    cwd: work,
    intervalMs: 200,
  });
  const totals = [];
  let leakStart;
  let detected;
  session.on('output', (d) => {
    const m = /leak-start ([\d.]+)/.exec(String(d));
    if (m) leakStart = Number(m[1]) * 1000;
  });
  session.on('sample', (s) => {
    totals.push({ elapsedS: s.elapsedS, rssBytes: s.totalRssBytes });
    if (detected === undefined && leakStart !== undefined && s.t >= leakStart && verdict(totals).verdict === 'leak') {
      detected = (s.t - leakStart) / 1000;
      void session.stop();
    }
  });
  await session.start();
  await session.done;
  process.stderr.write(`  time to verdict at ${rateMBs} MB/s: ${detected?.toFixed(1) ?? 'not within 37 s'}\n`);
  return { rateMBperS: rateMBs, secondsToLeakVerdict: detected ?? null };
}

/**
 * Each leaking program of test/fixtures/profile/hitrate, `runs` times through the default Python
 * mode for `seconds`: a hit is a run whose first reported line is the `# LEAK` line.
 */
async function hitRate(runs, seconds) {
  const dir = join(fixtures, 'hitrate');
  const rows = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.py') && f !== 'steady.py')
    .sort()) {
    const file = join(dir, name);
    const want =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => /# LEAK\b/.test(l)) + 1;
    const got = [];
    let hits = 0;
    let traced = 0;
    let runS = 0;
    for (let i = 0; i < runs; i++) {
      const { report } = await runSession([py, file, String(seconds)], { mode: 'python' });
      const top = report.lines[0];
      if (top && top.file === file && top.line === want) hits++;
      got.push(top ? `${basename(top.file)}:${top.line}` : '-');
      const m = /covering ([\d.]+) %/.exec(report.notes.join(' '));
      traced += m ? Number(m[1]) : 0;
      runS += report.durationSeconds;
    }
    rows.push({ program: name, line: want, runs, hits, tracedPct: traced / runs, firstLines: got });
    process.stderr.write(
      `  ${name}: ${hits}/${runs} (first lines: ${got.join(', ')}; traced ${(traced / runs).toFixed(0)} %)\n`,
    );
  }
  return rows;
}

// The real interpreter, not a pyenv-style shell shim (heaptrack and valgrind would trace the shell).
const py = execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();

// Work sizes chosen for ~2 s plain runs on this machine (quick: ~0.5 s).
const pyN = quick ? 40000 : 200000;
const cppN = quick ? 150000 : 600000;
const cppBin = join(work, 'bench_alloc');
execFileSync('g++', ['-O2', '-g', '-o', cppBin, join(fixtures, 'bench_alloc.cpp')]);

if (hitrateOnly) {
  process.stderr.write('hit rate of the default Python mode\n');
  printHitRate(await hitRate(hitrateRuns, 6));
  process.exit(0);
}

function printHitRate(rows) {
  const total = rows.reduce((a, r) => a + r.hits, 0);
  const runs = rows.reduce((a, r) => a + r.runs, 0);
  const out = [
    '',
    `hit rate (default Python mode, first reported line = the leaking line, ${hitrateRuns} run(s) each)`,
  ];
  for (const r of rows)
    out.push(
      `  ${r.program.padEnd(16)} ${`${r.hits}/${r.runs}`.padEnd(6)} ${((100 * r.hits) / r.runs).toFixed(0).padStart(3)} %   traced ${r.tracedPct.toFixed(0)} % of the run`,
    );
  out.push(
    `  ${'overall'.padEnd(16)} ${`${total}/${runs}`.padEnd(6)} ${runs ? ((100 * total) / runs).toFixed(0).padStart(3) : '-'} %`,
  );
  process.stdout.write(out.join('\n') + '\n');
  return { total, runs };
}

process.stderr.write('python benchmark\n');
const python = await slowdowns(
  'python',
  [py, join(fixtures, 'bench_alloc.py'), String(pyN)],
  [
    ['leaklens rss', { mode: 'rss' }],
    ['leaklens python (sampling, default)', { mode: 'python' }],
    ['leaklens python --exact', { mode: 'python', exact: true }],
  ],
);
process.stderr.write('native benchmark\n');
const native = await slowdowns(
  'native',
  [cppBin, String(cppN)],
  [
    ['leaklens rss', { mode: 'rss' }],
    ['leaklens native (heaptrack, live)', { mode: 'native', root: work }],
  ],
);
process.stderr.write('sampler cost\n');
const sampler = await samplerCost();
process.stderr.write('time from leak start to verdict\n');
const detection = [await timeToVerdict(1), await timeToVerdict(10)];

process.stderr.write('hit rate of the default Python mode\n');
const hitrate = await hitRate(hitrateRuns, 6);

const result = { date: new Date().toISOString(), quick, slowdown: [...python, ...native], sampler, detection, hitrate };
writeFileSync(join(benchDir, 'profile.json'), JSON.stringify(result, null, 2) + '\n');
rmSync(work, { recursive: true, force: true });

const pad = (s, n) => String(s).padEnd(n);
const lines = ['', `${pad('benchmark', 10)}${pad('mode', 38)}${pad('loop s', 10)}slowdown`];
for (const r of result.slowdown)
  lines.push(`${pad(r.benchmark, 10)}${pad(r.mode, 38)}${pad(r.seconds.toFixed(3), 10)}${r.slowdown.toFixed(2)}×`);
lines.push('');
for (const s of sampler)
  lines.push(`sampler CPU per sample, ${pad(s.tree, 12)} ${s.cpuMsPerSample.toFixed(2)} ms (${s.samples} samples)`);
for (const d of detection)
  lines.push(
    `leak ${d.rateMBperS} MB/s → verdict leak after ${d.secondsToLeakVerdict === null ? 'n/a' : d.secondsToLeakVerdict.toFixed(1) + ' s'}`,
  );
process.stdout.write(lines.join('\n') + '\n');
// Beside the slowdown of the same mode on the allocation-heavy bench.
const dflt = python.find((r) => r.mode.startsWith('leaklens python (sampling'));
printHitRate(hitrate);
process.stdout.write(
  `  at ${dflt ? dflt.slowdown.toFixed(2) + '×' : 'n/a'} on the allocation-heavy Python bench (target: ≥ 95 % at ≤ 1.3×)\n\nwritten: ${join(benchDir, 'profile.json')}\n`,
);
