// Worker-thread entry: one engine per thread (tree-sitter's wasm instance is per thread), fed
// batches of files by the pool. Bundled to dist/worker.js.
import { parentPort, workerData } from 'node:worker_threads';
import { checkFile, type CheckOptions } from './check';
import { ConfigResolver, loadConfigFile } from './config';
import { loadRuleDir } from './custom-rules';
import { Engine } from './engine';
import type { SourceFile } from './files';

interface WorkerInit {
  grammarDir?: string;
  configFile?: string;
  rulesDir?: string;
  options: CheckOptions;
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const engine = await Engine.create({ grammarDir: init.grammarDir });
  if (init.rulesDir) engine.setCustomRules(loadRuleDir(engine.grammars, init.rulesDir).rules);
  const resolver = new ConfigResolver(init.configFile ? loadConfigFile(init.configFile) : undefined);
  parentPort!.on('message', (batch: SourceFile[] | null) => {
    if (batch === null) {
      engine.dispose();
      process.exit(0);
    }
    const results = batch.map((f) => {
      try {
        return checkFile(engine, f.path, f.display, resolver.forFile(f.path), init.options);
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
    parentPort!.postMessage(results);
  });
  parentPort!.postMessage('ready');
}

if (parentPort) void main();
