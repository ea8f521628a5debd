// Custom rules (.leaklens/rules/*.scm) in the real extension host: their findings are diagnostics
// like the built-in ones; a broken rule file gets error diagnostics at the right place while the
// other rules keep running; editing a rule file (unsaved) re-runs it at once; "New rule from
// selection" builds a rule that compiles and matches the selection; "Show syntax tree".
// Fixtures: .leaklens/rules/e2e-widget.scm matches only custom/widgets.cpp (unique function names),
// so the other suites' diagnostics do not change; the broken rule file is created and deleted here.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LeakLensApi } from '../../../src/extension/extension';
import { suite, test, before, after } from '../harness';
import {
  activate,
  closeAll,
  codeOf,
  diagnosticsWhere,
  leakDiagnostics,
  open,
  poll,
  quickFixes,
  revert,
  wsUri,
} from '../util';

const enc = (s: string) => new TextEncoder().encode(s);
const WIDGETS = 'custom/widgets.cpp';
const RULE = '.leaklens/rules/e2e-widget.scm';
const BROKEN = '.leaklens/rules/e2e-broken.scm';

function ruleFileDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'LeakLens');
}

function lineOf(doc: vscode.TextDocument, needle: string): number {
  const at = doc.getText().indexOf(needle);
  assert.ok(at >= 0, `${needle} in ${doc.uri.path}`);
  return doc.positionAt(at).line;
}

const custom = (ds: vscode.Diagnostic[]) => ds.filter((d) => codeOf(d) === 'e2e-widget');

suite('custom rules', () => {
  let api: LeakLensApi;
  before(async () => {
    api = await activate();
  });
  after(async () => {
    try {
      await vscode.workspace.fs.delete(wsUri(BROKEN), { useTrash: false });
    } catch {
      // not created or already gone
    }
    for (const doc of vscode.workspace.textDocuments) if (doc.isDirty && doc.uri.scheme === 'file') await revert(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await closeAll();
  });

  test("a custom rule's findings are diagnostics like the built-in ones (code links to the rule file)", async () => {
    const { document: doc } = await open(WIDGETS);
    const ds = await diagnosticsWhere(doc.uri, (d) => custom(d).length === 1, 'e2e-widget finding');
    assert.equal(ds.length, 1, 'nothing else in the file');
    const [d] = ds;
    assert.equal(d.source, 'LeakLens');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error, 'severity from the header');
    assert.equal(
      d.message,
      '`leaklens_test_acquire_widget(1)` acquires a test widget that this function never releases',
    );
    const line = lineOf(doc, 'leaklens_test_acquire_widget(1)');
    assert.deepEqual(
      [d.range.start.line, d.range.start.character, d.range.end.character],
      [line, doc.lineAt(line).text.indexOf('leaklens_test_acquire_widget'), doc.lineAt(line).text.indexOf(';')],
    );
    assert.ok(d.code && typeof d.code === 'object');
    assert.equal(d.code.target.toString(), wsUri(RULE).toString(), 'no doc header: the link opens the rule file');
    assert.deepEqual(
      api.customRules.rules().map((r) => r.id),
      ['e2e-widget'],
    );
    // The ignore quick fix works for custom rules too.
    const fixes = await quickFixes(doc.uri, d.range);
    assert.ok(
      fixes.some((a) => /Ignore LeakLens rule e2e-widget/.test(a.title)),
      fixes.map((a) => a.title).join(', '),
    );
  });

  test('a rule file opens in the leaklens-rule language', async () => {
    const { document: doc } = await open(RULE);
    assert.equal(doc.languageId, 'leaklens-rule');
  });

  test('a broken rule file gets error diagnostics at their position; the other rules keep running', async () => {
    const { document: widgets } = await open(WIDGETS);
    await diagnosticsWhere(widgets.uri, (d) => custom(d).length === 1);
    const uri = wsUri(BROKEN);
    // 1. a bad header key
    await vscode.workspace.fs.writeFile(
      uri,
      enc(';; id: e2e-broken\n;; language: cpp\n;; severty: error\n;; message: x\n(identifier) @x\n'),
    );
    const [h] = await poll(
      'header error',
      () => ruleFileDiagnostics(uri),
      (ds) => ds.length === 1,
    );
    assert.equal(h.severity, vscode.DiagnosticSeverity.Error);
    assert.match(h.message, /unknown header key "severty"/);
    assert.deepEqual([h.range.start.line, h.range.start.character, h.range.end.character], [2, 3, 10]);
    // 2. an unknown node type in the query, on line 6 (after a comment line)
    const text =
      ';; id: e2e-broken\n;; language: cpp\n;; message: {{call}}\n; comment\n(call_expression\n  function: (identifer) @fn) @call\n';
    await vscode.workspace.fs.writeFile(uri, enc(text));
    const [q] = await poll(
      'query error',
      () => ruleFileDiagnostics(uri),
      (ds) => ds.length === 1 && /identifer|node type/i.test(ds[0].message),
    );
    assert.deepEqual([q.range.start.line, q.range.start.character], [5, 13], q.message);
    assert.match(q.message, /^query: /);
    // 3. an unknown field
    await vscode.workspace.fs.writeFile(uri, enc(text.replace('function: (identifer)', 'callee: (identifier)')));
    const [f] = await poll(
      'field error',
      () => ruleFileDiagnostics(uri),
      (ds) => ds.length === 1 && /callee|field/i.test(ds[0].message),
    );
    assert.equal(f.range.start.line, 5);
    assert.equal(f.range.start.character, 2);
    // The good rule still runs.
    await api.customRules.settled();
    const again = await vscode.workspace.openTextDocument(widgets.uri);
    assert.equal(custom(leakDiagnostics(again.uri)).length, 1);
    // Deleting the file clears its diagnostics.
    await vscode.workspace.fs.delete(uri, { useTrash: false });
    await poll(
      'errors cleared',
      () => ruleFileDiagnostics(uri).length,
      (n) => n === 0,
    );
  });

  test('editing a rule file (unsaved) changes the findings in an open document at once; reverting restores them', async () => {
    const { document: widgets } = await open(WIDGETS);
    await diagnosticsWhere(widgets.uri, (d) => custom(d).length === 1);
    const gadgetLine = lineOf(widgets, 'leaklens_test_open_gadget(3)');
    const editor = await vscode.window.showTextDocument(
      await vscode.workspace.openTextDocument(wsUri(RULE)),
      vscode.ViewColumn.Beside,
    );
    const rule = editor.document;
    const at = rule.getText().indexOf('"leaklens_test_acquire_widget"');
    const t0 = Date.now();
    await editor.edit((b) =>
      b.replace(
        new vscode.Range(rule.positionAt(at), rule.positionAt(at + '"leaklens_test_acquire_widget"'.length)),
        '"leaklens_test_open_gadget"',
      ),
    );
    assert.ok(rule.isDirty, 'not saved');
    const [moved] = await diagnosticsWhere(
      widgets.uri,
      (d) => custom(d).length === 1 && custom(d)[0].range.start.line === gadgetLine,
      'finding moved to the gadget call',
    );
    console.log(
      `custom rules: rule edit -> diagnostics of the open document updated in ${Date.now() - t0} ms (debounce ${vscode.workspace.getConfiguration('leaklens').get('debounceMs')} ms included)`,
    );
    assert.match(moved.message, /leaklens_test_open_gadget\(3\)/);
    // A syntax error while typing: error diagnostic on the rule file, its findings are gone.
    const end = rule.getText().lastIndexOf(') @call');
    await editor.edit((b) => b.delete(new vscode.Range(rule.positionAt(end), rule.positionAt(end + 1))));
    await poll(
      'syntax error diagnostic',
      () => ruleFileDiagnostics(rule.uri),
      (ds) => ds.length === 1,
    );
    await diagnosticsWhere(widgets.uri, (d) => custom(d).length === 0, 'no findings from a broken rule');
    await revert(rule);
    await poll(
      'syntax error cleared',
      () => ruleFileDiagnostics(rule.uri).length,
      (n) => n === 0,
    );
    await diagnosticsWhere(
      widgets.uri,
      (d) =>
        custom(d).length === 1 && custom(d)[0].range.start.line === lineOf(widgets, 'leaklens_test_acquire_widget(1)'),
      'back to the saved rule',
    );
  });

  test('New rule from selection: the generated rule compiles and matches the selected code', async () => {
    const editor = await open(WIDGETS);
    const doc = editor.document;
    const line = lineOf(doc, 'leaklens_test_open_gadget(3)');
    const col = doc.lineAt(line).text.indexOf('leaklens_test_open_gadget');
    editor.selection = new vscode.Selection(line, col, line, doc.lineAt(line).text.indexOf(';'));
    const uri = await vscode.commands.executeCommand<vscode.Uri>('leaklens.newRuleFromSelection');
    assert.ok(uri, 'the command returns the new document');
    const ruleDoc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.ok(ruleDoc);
    assert.equal(ruleDoc.uri.scheme, 'untitled');
    assert.equal(ruleDoc.uri.path, wsUri('.leaklens/rules/my-leaklens-test-open-gadget.scm').path);
    assert.equal(ruleDoc.languageId, 'leaklens-rule');
    const text = ruleDoc.getText();
    assert.match(
      text,
      /^;; id: my-leaklens-test-open-gadget\n;; language: cpp\n;; severity: warning\n;; message: .*\{\{leaklens_test_open_gadget\}\}/,
    );
    assert.match(
      text,
      /\(call_expression\s+function: \(identifier\) @leaklens_test_open_gadget\s+arguments: \(argument_list \(number_literal\)\)\s+\(#eq\? @leaklens_test_open_gadget "leaklens_test_open_gadget"\)\) @report\n$/,
    );
    // Unsaved, it already runs: a finding exactly at the selection, and no error on the rule.
    const ds = await diagnosticsWhere(
      doc.uri,
      (d) => d.some((x) => codeOf(x) === 'my-leaklens-test-open-gadget'),
      'finding of the new rule',
    );
    const mine = ds.find((x) => codeOf(x) === 'my-leaklens-test-open-gadget')!;
    assert.deepEqual(
      [mine.range.start.line, mine.range.start.character, mine.range.end.line, mine.range.end.character],
      [line, col, line, editor.selection.end.character],
    );
    assert.deepEqual(ruleFileDiagnostics(ruleDoc.uri), []);
    assert.ok(api.customRules.rules().some((r) => r.id === 'my-leaklens-test-open-gadget'));
    // Discarding the draft removes the rule.
    await vscode.window.showTextDocument(ruleDoc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await diagnosticsWhere(
      doc.uri,
      (d) => !d.some((x) => codeOf(x) === 'my-leaklens-test-open-gadget'),
      'draft discarded',
    );
  });

  test('Show syntax tree: node types, fields and positions of the current file, read-only', async () => {
    await open(WIDGETS);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('leaklens.showSyntaxTree');
    assert.ok(uri);
    const tree = await vscode.workspace.openTextDocument(uri);
    const lines = tree.getText().split('\n');
    assert.ok(lines.includes('translation_unit [1:1 - 20:1]'), lines.slice(0, 5).join('\n'));
    assert.ok(
      lines.some((l) => /^ {2}function_definition \[7:1 - 10:2\]$/.test(l)),
      'function_definition',
    );
    assert.ok(
      lines.some((l) => /^ +declarator: function_declarator \[7:6 - 7:13\]$/.test(l)),
      'declarator field',
    );
    assert.ok(
      lines.some((l) => /^ +function: identifier \[8:15 - 8:43\] "leaklens_test_acquire_widget"$/.test(l)),
      'identifier leaf with text',
    );
    // A virtual document: VS Code cannot save it.
    assert.notEqual(tree.uri.scheme, 'file');
    assert.equal(tree.uri.scheme, 'leaklens-syntax-tree');
  });
});
