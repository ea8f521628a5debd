// Spreads files over worker threads (--jobs). Files go out in small batches on demand, so one
// huge file does not hold back a whole pre-assigned share.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CheckOptions, CheckResult } from './check';
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

export async function checkInWorkers(files: SourceFile[], pool: PoolOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const batchSize = pool.batchSize ?? 8;
  let next = 0;
  const jobs = Math.max(1, Math.min(pool.jobs, Math.ceil(files.length / batchSize) || 1));
  const script = pool.workerScript ?? defaultWorkerScript();
  await Promise.all(
    Array.from(
      { length: jobs },
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
          const feed = () => {
            if (next >= files.length) {
              worker.postMessage(null);
              return;
            }
            worker.postMessage(files.slice(next, next + batchSize));
            next += batchSize;
          };
          worker.on('message', (msg: 'ready' | CheckResult[]) => {
            if (msg !== 'ready') results.push(...msg);
            feed();
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
        }),
    ),
  );
  const order = new Map(files.map((f, i) => [f.display, i]));
  return results.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
}
