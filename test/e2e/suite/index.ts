// Entry point loaded by VS Code inside the extension host (extensionTestsPath =
// out/test/e2e/suite/index.js). Loads every compiled *.test.js next to it (sorted by name), runs the
// registered tests sequentially, prints "N passed, N failed" on its own line and rejects when any
// test failed (VS Code then exits with code 1).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runRegistered } from '../harness';

export async function run(): Promise<void> {
  console.log(
    `LeakLens e2e: VS Code ${vscode.version} (${vscode.env.appName}, uiKind ${vscode.UIKind[vscode.env.uiKind]}, ` +
      `remoteName ${vscode.env.remoteName ?? 'none'}, Node ${process.versions.node})`,
  );
  // The Workspace Trust launch (LEAKLENS_E2E_TRUST=1, trust on) runs only *.trusttest.js; the main
  // launch (trust disabled, as most users' trusted folders behave) runs the rest.
  const suffix = process.env.LEAKLENS_E2E_TRUST ? '.trusttest.js' : '.test.js';
  let files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(suffix))
    .sort();
  // Skip stale output: a compiled test whose test/e2e/suite/<name>.test.ts was deleted or renamed.
  const srcDir = path.resolve(__dirname, '../../../../test/e2e/suite');
  if (fs.existsSync(srcDir)) {
    const stale = files.filter((f) => !fs.existsSync(path.join(srcDir, f.replace(/\.js$/, '.ts'))));
    for (const f of stale) console.warn(`skipping stale ${f}: no ${path.join(srcDir, f.replace(/\.js$/, '.ts'))}`);
    files = files.filter((f) => !stale.includes(f));
  }
  if (files.length === 0) throw new Error(`no *.test.js files in ${__dirname}`);
  for (const f of files) {
    try {
      require(path.join(__dirname, f));
    } catch (e) {
      throw new Error(`loading ${f} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  const r = await runRegistered();
  if (r.passed + r.failed + r.skipped === 0)
    throw new Error('no tests were registered (or LEAKLENS_E2E_GREP matched none)');
  if (r.skipped) console.log(`${r.skipped} skipped`);
  console.log(`${r.passed} passed, ${r.failed} failed`);
  if (r.failed > 0) throw new Error(`${r.failed} e2e test(s) failed`);
}
