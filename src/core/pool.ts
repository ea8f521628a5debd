// Spreads files over worker threads (--jobs). Files go out in small batches on demand, so one
// huge file does not hold back a whole pre-assigned share.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkFile, type CheckOptions, type CheckResult } from './check';
import type { LeakLensConfig } from './config';
import type { Engine } from './engine';
import type { SourceFile } from './files';

export interface PoolOptions {
  jobs: number;
  workerScript?: string;
  grammarDir?: string;
  configFile?: string;
  /** A `.leaklens/rules` folder whose custom rules run beside the built-in ones. */
  rulesDir?: string;
  options: CheckOptions;
  batchSize?: number;
}

export function defaultWorkerScript(): string {
  const candidates = [
    join(__dirname, 'worker.js'),
    join(__dirname, '..', '..', 'dist', 'worker.js'),
    join(__dirname, '..', 'dist', 'worker.js'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('LeakLens: dist/worker.js not found; run `npm run build`');
  return found;
}

/** Checks `batch` with `engine`; a file that throws becomes an error result, not a lost run. */
export function checkBatch(
  engine: Engine,
  batch: SourceFile[],
  configFor: (path: string) => LeakLensConfig,
  options: CheckOptions,
): CheckResult[] {
  return batch.map((f) => {
    try {
      return checkFile(engine, f.path, f.display, configFor(f.path), options);
    } catch (e) {
      return {
        file: f.display,
        language: 'cpp' as const,
        findings: [],
        errors: [{ file: f.display, message: (e as Error).message }],
        parseMs: 0,
        rulesMs: 0,
        fixesApplied: 0,
      };
    }
  });
}

/** Batches a worker holds: with 2, workers sat idle 170-370 ms of a 2.7 s run; with 3, 30-70 ms. */
const PREFETCH = 3;

/**
 * Checks `files` on `jobs` lanes: `jobs - 1` worker threads, and this thread as the last lane
 * when `local` is given (its engine is loaded already; a worker's start-up is ~0.2 s of wasm and
 * query compilation that one lane fewer does not pay). Each worker holds PREFETCH batches, so it
 * does not wait while this thread finishes a large file.
 */
export async function checkInWorkers(
  files: SourceFile[],
  pool: PoolOptions,
  local?: (batch: SourceFile[]) => CheckResult[],
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const batchSize = pool.batchSize ?? 8;
  let next = 0;
  const take = (size = batchSize): SourceFile[] | undefined => {
    if (next >= files.length) return undefined;
    const batch = files.slice(next, next + size);
    next += size;
    return batch;
  };
  const lanes = Math.max(1, Math.min(pool.jobs, Math.ceil(files.length / batchSize) || 1));
  const workers = local ? lanes - 1 : lanes;
  const script = workers > 0 ? (pool.workerScript ?? defaultWorkerScript()) : '';
  const threads = Array.from(
    { length: workers },
    () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(script, {
          workerData: {
            grammarDir: pool.grammarDir,
            configFile: pool.configFile,
            rulesDir: pool.rulesDir,
            options: pool.options,
          },
        });
        let inFlight = 0;
        let closed = false;
        const feed = () => {
          const batch = take();
          if (batch) {
            inFlight++;
            worker.postMessage(batch);
          } else if (inFlight === 0 && !closed) {
            // Only once its batches are back: results posted just before an exit could be lost.
            closed = true;
            worker.postMessage(null);
          }
        };
        worker.on('message', (msg: 'ready' | CheckResult[]) => {
          if (msg === 'ready') {
            for (let i = 0; i < PREFETCH; i++) feed();
            return;
          }
          inFlight--;
          results.push(...msg);
          feed();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
      }),
  );
  if (local) {
    // A file at a time, yielding between files so the workers' results are handled and their
    // next batches sent at once.
    for (let batch = take(1); batch; batch = take(1)) {
      results.push(...local(batch));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await Promise.all(threads);
  const order = new Map(files.map((f, i) => [f.display, i]));
  return results.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
}
