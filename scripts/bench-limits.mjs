#!/usr/bin/env node
// Limits (`npm run bench` runs it; or alone after `npm run build`): a tree of 10,000 generated
// source files (copies of the fixtures with their names and numbers varied), then
//   1. the editor's analysis worker (dist/analysis-worker.js, as the extension starts it) scans it:
//      the thread's heap and the process's RSS, sampled during the scan, must stay bounded;
//   2. a second scan is cancelled after its first progress report: the time until the worker
//      confirms it stopped;
//   3. `leaklens check --jobs 1` over the same tree: peak RSS from /usr/bin/time.
// Prints a markdown table and writes .bench/limits.json. A bench, not a test: nothing is asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILES = Number(process.env.LEAKLENS_LIMIT_FILES) || 10_000;
const tree = join(tmpdir(), `leaklens-limits-${FILES}`);

function fixtures(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'profile' || name === 'debug-adapters-ext' ? [] : fixtures(p);
    return ['.cpp', '.py', '.c', '.h'].includes(extname(p)) ? [p] : [];
  });
}

function generate() {
  if (existsSync(join(tree, 'done'))) return;
  rmSync(tree, { recursive: true, force: true });
  const sources = fixtures(join(root, 'test', 'fixtures')).map((p) => [extname(p), readFileSync(p, 'utf8')]);
  for (let i = 0; i < FILES; i++) {
    const [ext, text] = sources[i % sources.length];
    const dir = join(tree, `pkg${Math.floor(i / 100)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `m${i}${ext}`),
      text.replace(/\b(\d+)\b/g, (n) => String(Number(n) + (i % 7))),
    );
  }
  writeFileSync(join(tree, 'done'), '');
}

function startWorker() {
  return new Worker(join(root, 'dist', 'analysis-worker.js'), {
    workerData: {
      grammarDir: join(root, 'dist', 'grammars'),
      settings: { rules: {}, maxFileSize: null, resources: [], debounceMs: 0, unsafeFixes: false },
    },
    resourceLimits: undefined,
  });
}

function scan(worker, id, { cancelAfterFirst = false } = {}) {
  return new Promise((resolve) => {
    let peakRss = 0;
    let cancelledAt;
    const poll = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    const onMessage = (m) => {
      if (m.id !== id) return;
      if (m.type === 'scanProgress' && cancelAfterFirst && cancelledAt === undefined) {
        cancelledAt = performance.now();
        worker.postMessage({ type: 'cancel', id });
      }
      if (m.type === 'scanDone') {
        clearInterval(poll);
        worker.off('message', onMessage);
        resolve({
          ms: performance.now() - t0,
          files: m.files,
          cancelled: m.cancelled,
          stopMs: cancelledAt === undefined ? undefined : performance.now() - cancelledAt,
          peakRss,
        });
      }
    };
    worker.on('message', onMessage);
    worker.postMessage({ type: 'scan', id, folders: [tree], allowed: null });
  });
}

const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;

async function main() {
  if (!existsSync(join(root, 'dist', 'analysis-worker.js'))) throw new Error('run `npm run build` first');
  const t0 = performance.now();
  generate();
  console.error(
    `bench-limits: ${FILES} files in ${tree} (${((performance.now() - t0) / 1000).toFixed(1)} s to generate)`,
  );
  const worker = startWorker();
  const before = process.memoryUsage().rss;
  const full = await scan(worker, 1);
  const cancel = await scan(worker, 2, { cancelAfterFirst: true });
  await worker.terminate();
  const time = existsSync('/usr/bin/time')
    ? spawnSync(
        '/usr/bin/time',
        [
          '-v',
          process.execPath,
          join(root, 'bin', 'leaklens.js'),
          'check',
          tree,
          '--jobs',
          '1',
          '--no-cache',
          '--format',
          'json',
        ],
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      )
    : undefined;
  const cliRss = time
    ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(time.stderr)?.[1] ?? 0) * 1024
    : undefined;
  const result = { files: FILES, worker: { before, ...full }, cancel, cliPeakRss: cliRss };
  mkdirSync(join(root, '.bench'), { recursive: true });
  writeFileSync(join(root, '.bench', 'limits.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`\n### Limits (${FILES} generated files)\n`);
  console.log('| measure | value |');
  console.log('| --- | ---: |');
  console.log(`| editor worker: full scan (${full.files} files) | ${(full.ms / 1000).toFixed(1)} s |`);
  console.log(`| editor worker: process RSS before → peak during the scan | ${mb(before)} → ${mb(full.peakRss)} |`);
  console.log(
    `| editor worker: cancel → scan stopped (after ${cancel.files} files) | ${cancel.stopMs?.toFixed(0)} ms |`,
  );
  if (cliRss) console.log(`| \`leaklens check --jobs 1\`: peak RSS | ${mb(cliRss)} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
