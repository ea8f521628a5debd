// Smoke test: the suite runs in a real VS Code extension host, and LeakLens is present and activates.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { suite, test } from '../harness';

const EXTENSION_ID = 'leaklens.leaklens';

suite('smoke', () => {
  test('runs inside a real VS Code', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    assert.ok(vscode.workspace.workspaceFolders?.length, 'a workspace folder is open');
    assert.equal(vscode.workspace.workspaceFolders![0].name, 'workspace');
  });

  test('the extension is present and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed (extensionDevelopmentPath)`);
    await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.name, 'leaklens');
  });

  test('leaklens.showVersion is registered and returns the version', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('leaklens.showVersion'));
    const version = await vscode.commands.executeCommand<string>('leaklens.showVersion');
    assert.equal(version, vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.version);
  });
});
