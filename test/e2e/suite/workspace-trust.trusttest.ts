// Workspace Trust, limited support: run only by the second host launch (LEAKLENS_E2E_TRUST=1, see
// test/e2e/runTests.ts), where Workspace Trust is on and the folder opens untrusted. In Restricted
// Mode the static analysis works (diagnostics, quick fixes, custom rules) and nothing runs a program;
// granting trust in the real Workspace Trust editor turns profiling on without a reload.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ProfileResult } from '../../../src/extension/profile/profile';
import { suite, test, before, after } from '../harness';
import { until } from '../until';
import { activate, closeAll, codeOf, diagnosticsWhere, open, quickFixes } from '../util';

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const state = () =>
  vscode.commands.executeCommand<{ debug: { enabled: boolean }; profile: { running?: unknown } }>(
    'leaklens.memoryState',
  );

suite('workspace trust', () => {
  before(async () => {
    await activate();
  });
  after(async () => {
    await closeAll();
  });

  test('Restricted Mode: diagnostics, quick fixes and custom rules work; nothing that runs a program does', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the folder opened untrusted');
    const { document: doc } = await open('cpp/resources.cpp');
    const ds = await diagnosticsWhere(doc.uri, (d) => d.length === 6, 'static diagnostics in Restricted Mode');
    const fixes = await quickFixes(doc.uri, ds[0].range);
    assert.ok(fixes.length >= 2, fixes.map((a) => a.title).join(', '));
    const { document: widgets } = await open('custom/widgets.cpp');
    await diagnosticsWhere(
      widgets.uri,
      (d) => d.some((x) => codeOf(x) === 'e2e-widget'),
      'custom rules run (queries are data)',
    );
    const refused = await vscode.commands.executeCommand<ProfileResult | undefined>('leaklens.profileMemory', {
      target: 'command',
      commandLine: ['python3', join(ws(), 'profile', 'sleeper.py')],
      mode: 'rss',
      showTimeline: false,
    });
    assert.equal(refused, undefined, 'profiling refused');
    assert.equal((await state()).profile.running, undefined, 'nothing started');
    assert.equal((await state()).debug.enabled, false, 'the debug memory hook is off');
    assert.equal(await vscode.commands.executeCommand('leaklens.trackAllocations'), false);
  });

  test('granting trust in the Workspace Trust editor turns profiling and the debug hook on, no reload', async () => {
    const granted = new Promise<void>((resolve) => {
      const d = vscode.workspace.onDidGrantWorkspaceTrust(() => {
        d.dispose();
        resolve();
      });
    });
    await vscode.commands.executeCommand('workbench.trust.manage');
    await new Promise((r) => setTimeout(r, 1000)); // let the editor render its buttons
    console.log('LEAKLENS_E2E_GRANT_TRUST'); // the driver presses "Trust" (test/vscode-host/drive.js)
    await Promise.race([
      granted,
      new Promise((_, reject) => setTimeout(() => reject(new Error('trust was not granted within 30 s')), 30_000)),
    ]);
    assert.equal(vscode.workspace.isTrusted, true);
    await until('the debug hook follows trust', async () => ((await state()).debug.enabled ? true : undefined));
    const result = await vscode.commands.executeCommand<ProfileResult | undefined>('leaklens.profileMemory', {
      target: 'command',
      commandLine: ['python3', '-c', 'import time; time.sleep(1.5)'],
      mode: 'rss',
      durationS: 3,
      showTimeline: false,
    });
    assert.ok(result && result.reportPath, 'profiling ran once trusted');
  });
});
