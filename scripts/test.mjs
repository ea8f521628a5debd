// `npm test` (after `pretest` built dist/ and compiled out/): the engine's and profiler's unit tests
// on plain Node (real grammars, real compilers, real processes), then the extension's tests inside
// a real VS Code extension host (test/vscode-host: code-server + headless chromium).
// LEAKLENS_SKIP_E2E=1 runs the unit tests only.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const step = (title, cmd, args) => {
  console.log(`\n=== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
};

let failed = 0;
failed += step('unit tests (node:test)', process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', 'out/test/unit/']) ? 1 : 0;
if (process.env.LEAKLENS_SKIP_E2E) {
  console.log('\n=== extension tests skipped (LEAKLENS_SKIP_E2E)');
} else {
  const setup = step('installing the VS Code test host (cached in .vscode-host/)', 'bash', ['test/vscode-host/setup.sh']);
  failed += setup ? 1 : step('extension tests in a real VS Code extension host', process.execPath, ['out/test/e2e/runTests.js']) ? 1 : 0;
}
process.exit(failed ? 1 : 0);
