// Runs the e2e suite (out/test/e2e/suite/index.js) in a real VS Code extension host via
// @vscode/test-electron's runTests, pointed at test/vscode-host/code-shim.sh instead of a downloaded
// VS Code: code-server (VS Code 1.139.1) + headless Debian chromium, installed into .vscode-host/ by
// test/vscode-host/setup.sh. Exit code = the tests' code (1 failing tests, 2 timeout, 3 driver error,
// 4 host not installed). Env: TEST_TIMEOUT_MS (whole run, default 180000), LEAKLENS_E2E_TIMEOUT_MS
// (per test), LEAKLENS_E2E_GREP, VERBOSE=1, KEEP_STATE=1, VSCODE_HOST_DIR.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
  const root = path.resolve(__dirname, '../../..'); // out/test/e2e -> repo root
  const shim = path.join(root, 'test/vscode-host/code-shim.sh');
  const extensionTestsPath = path.join(root, 'out/test/e2e/suite/index.js');
  const workspace = path.join(root, 'test/fixtures/workspace');
  for (const [what, p] of [
    ['compiled suite (run: npx tsc -p tsconfig.json)', extensionTestsPath],
    ['bundled extension (run: npm run build)', path.join(root, 'dist/extension.js')],
  ]) {
    if (!fs.existsSync(p)) {
      console.error(`missing ${what}: ${p}`);
      return 4;
    }
  }
  // The debug-hook tests use real adapters from Debian packages (python3-debugpy, lldb-14): install
  // them when missing (no-op otherwise); if that fails those tests say why.
  const dbg = spawnSync('bash', [path.join(root, 'test/debug/setup-debuggers.sh')], { stdio: 'inherit' });
  if (dbg.status !== 0)
    console.error('warning: test/debug/setup-debuggers.sh failed; the debugpy/lldb debug tests will fail');
  // The debug-hook suite (three real adapters + the overhead measurement) needs about 2.5 min more.
  process.env.TEST_TIMEOUT_MS ??= '480000';
  const launch = async (label: string, env: Record<string, string | undefined>): Promise<number> => {
    const t0 = Date.now();
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      await runTests({
        vscodeExecutablePath: shim,
        extensionDevelopmentPath: developmentFolder(root),
        extensionTestsPath,
        launchArgs: [workspace],
        // the shim makes fresh user-data/extensions dirs per run; don't let test-electron point at .vscode-test/
        reuseMachineInstall: true,
      });
      console.log(`e2e ${label} passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    } catch (e) {
      const code = (e as { code?: number }).code;
      console.error(
        `e2e ${label} FAILED (${e instanceof Error ? e.message : String(e)}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      return typeof code === 'number' && code !== 0 ? code : 1;
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };
  const grep = process.env.LEAKLENS_E2E_GREP ?? '';
  // The main launch: Workspace Trust disabled (a trusted folder). Then a second, short launch with
  // Workspace Trust on and the folder untrusted, for Restricted Mode and the grant of trust.
  // LEAKLENS_E2E_GREP=trust (or LEAKLENS_E2E_TRUST=1) runs only the second.
  const trustOnly = !!process.env.LEAKLENS_E2E_TRUST || /trust/i.test(grep);
  const main = trustOnly ? 0 : await launch('(trusted)', {});
  const trust = !grep || trustOnly ? await launch('(Workspace Trust on)', { LEAKLENS_E2E_TRUST: '1' }) : 0;
  return main || trust;
}

/**
 * LeakLens plus the fixture extension that contributes the real debug adapters of the debug-hook
 * tests (debugpy, lldb-vscode-14) as DebugAdapterExecutables. The web workbench keeps only one
 * extensionDevelopmentPath, but VS Code loads every extension inside a development folder that has
 * no package.json itself: a temp folder with a symlink to each.
 */
function developmentFolder(root: string): string {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'leaklens-devext-'));
  fs.symlinkSync(root, path.join(dir, 'leaklens'));
  fs.symlinkSync(path.join(root, 'test/fixtures/debug-adapters-ext'), path.join(dir, 'debug-adapters-ext'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
