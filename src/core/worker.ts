// Worker-thread entry: one engine per thread (tree-sitter's wasm instance is per thread), fed
// batches of files by the pool. Bundled to dist/worker.js.
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckOptions } from './check';
import { ConfigResolver, loadConfigFile } from './config';
import { loadRuleDir } from './custom-rules';
import { Engine } from './engine';
import type { SourceFile } from './files';
import { checkBatch } from './pool';

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
  const explicit = init.configFile ? loadConfigFile(init.configFile) : undefined;
  const resolver = new ConfigResolver(explicit, init.options.select);
  parentPort!.on('message', (batch: SourceFile[] | null) => {
    if (batch === null) {
      engine.dispose();
      process.exit(0);
    }
    const results = checkBatch(engine, batch, (path) => resolver.forFile(path), init.options);
    parentPort!.postMessage(results);
  });
  parentPort!.postMessage('ready');
}

if (parentPort) void main();
