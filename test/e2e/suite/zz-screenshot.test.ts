// The README screenshot, taken from the real VS Code of the tests: registered only with
// LEAKLENS_SCREENSHOT=1 (test/vscode-host/drive.js captures the page when asked through the log).
//   npm run build && npx tsc -p tsconfig.json && LEAKLENS_SCREENSHOT=1 LEAKLENS_E2E_GREP=screenshot npm run test:e2e
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { suite, test } from '../harness';
import { activate, diagnosticsWhere, open, poll } from '../util';

if (process.env.LEAKLENS_SCREENSHOT) {
  suite('screenshot', () => {
    test(
      'diagnostics and the quick-fix menu on resources.cpp -> media/screenshot.png',
      async () => {
        await activate();
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const editor = await open('cpp/resources.cpp');
        const ds = await diagnosticsWhere(editor.document.uri, (d) => d.length === 6);
        const target = ds.find((d) => d.range.start.line === 12)!;
        await vscode.commands.executeCommand('workbench.actions.view.problems');
        await vscode.window.showTextDocument(editor.document, { preserveFocus: false });
        editor.selection = new vscode.Selection(target.range.start, target.range.start);
        editor.revealRange(
          new vscode.Range(target.range.start.line - 8, 0, target.range.start.line + 8, 0),
          vscode.TextEditorRevealType.AtTop,
        );
        await new Promise((r) => setTimeout(r, 800));
        await vscode.commands.executeCommand('editor.action.quickFix');
        await new Promise((r) => setTimeout(r, 1500));
        const file = path.resolve(__dirname, '../../../../media/screenshot.png');
        fs.rmSync(file, { force: true });
        console.log(`LEAKLENS_SCREENSHOT ${file}`);
        await poll(
          'the screenshot',
          () => fs.existsSync(file),
          (x) => x,
          15_000,
        );
        assert.ok(fs.statSync(file).size > 10_000);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      },
      { timeout: 60_000 },
    );
  });
}
