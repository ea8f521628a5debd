// Diagnostics while editing: published for C++ and Python fixtures, with the rule's code + doc link,
// severity and related information; edits re-analyse (incrementally, in the worker) and clear them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LeakLensApi } from '../../../src/extension/extension';
import { suite, test, before, after } from '../harness';
import { activate, closeAll, codeOf, diagnosticsWhere, open, revert, settled, wsUri } from '../util';

suite('diagnostics', () => {
  let api: LeakLensApi;
  const touched: vscode.TextDocument[] = [];
  before(async () => {
    api = await activate();
  });
  after(async () => {
    for (const d of touched) await revert(d);
    await closeAll();
  });

  test('C++ resources: one diagnostic per raw C resource, with code link and related information', async () => {
    const { document: doc } = await open('cpp/resources.cpp');
    const ds = await diagnosticsWhere(doc.uri, (d) => d.length === 6);
    for (const d of ds) {
      assert.equal(d.source, 'LeakLens');
      assert.equal(codeOf(d), 'raw-c-resource');
      const code = d.code as { value: string; target: vscode.Uri };
      assert.equal(
        code.target.toString(),
        'https://github.com/leaklens/leaklens/blob/main/docs/rules/raw-c-resource.md',
      );
      assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    }
    const fopen = ds.find((d) => d.range.start.line === 12)!;
    assert.ok(fopen, 'the fopen() finding is on line 13');
    // The Problems view's row is the headline; the why comes first among the related entries.
    assert.equal(fopen.message, '`f` from `fopen()` leaks on the path that returns at line 19');
    const related = fopen.relatedInformation ?? [];
    assert.deepEqual(
      related.map((r) => [r.location.uri.toString(), r.location.range.start.line, r.message]),
      [
        [doc.uri.toString(), 12, 'It is released with `fclose()` only on other paths.'],
        [doc.uri.toString(), 18, 'returns here with it held'],
        [doc.uri.toString(), 13, 'the path to the leak goes through this condition'],
        [doc.uri.toString(), 17, 'the path to the leak goes through this condition'],
        [doc.uri.toString(), 21, 'released here, on other paths'],
      ],
    );
  });

  test('C++ loop teardown: cleanup-in-loop with the loop as related information', async () => {
    const { document: doc } = await open('cpp/tiling_processor.cpp');
    const [d] = await diagnosticsWhere(doc.uri, (x) => x.length === 1);
    assert.equal(codeOf(d), 'cleanup-in-loop');
    assert.ok(d.relatedInformation?.some((r) => r.message === 'the loop' && r.location.range.start.line === 14));
  });

  test('Python: caches, queues, resources without `with`, growing globals', async () => {
    const expected: Record<string, string[]> = {
      'python/pipeline.py': ['unbounded-cache', 'unbounded-cache', 'unbounded-cache'],
      'python/receiver.py': ['unbounded-queue'],
      'python/worker.py': ['unbounded-queue'],
      'python/camera_view.py': [
        'growing-global',
        'resource-without-context',
        'resource-without-context',
        'resource-without-context',
        'resource-without-context',
      ],
      'cache.py': ['unbounded-cache'],
    };
    for (const [rel, codes] of Object.entries(expected)) {
      const { document: doc } = await open(rel);
      const ds = await diagnosticsWhere(doc.uri, (d) => d.length === codes.length, rel);
      assert.deepEqual(ds.map(codeOf).sort(), [...codes].sort(), rel);
    }
  });

  test('an edit that removes the risky code clears its diagnostic; undoing it brings it back', async () => {
    const editor = await open('python/receiver.py');
    const doc = editor.document;
    touched.push(doc);
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    const at = doc.getText().indexOf('queue.Queue(0)');
    const range = new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'queue.Queue(0)'.length));
    assert.ok(await editor.edit((e) => e.replace(range, 'queue.Queue(64)')));
    await diagnosticsWhere(doc.uri, (d) => d.length === 0, 'cleared after the edit');
    await vscode.commands.executeCommand('undo');
    await diagnosticsWhere(doc.uri, (d) => d.length === 1, 'back after undo');
  });

  test('typing character by character: the last version wins (stale results dropped)', async () => {
    const editor = await open('cache.py');
    const doc = editor.document;
    touched.push(doc);
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    const line = '\nimport queue\nbacklog = queue.Queue()\nfor x in range(9):\n    backlog.put(x)\n';
    const end = doc.positionAt(doc.getText().length);
    let pos = end;
    for (const ch of line) {
      await editor.edit((e) => e.insert(pos, ch), { undoStopBefore: false, undoStopAfter: false });
      pos = doc.positionAt(doc.getText().length);
    }
    const ds = await settled(api, doc);
    assert.deepEqual(ds.map(codeOf).sort(), ['unbounded-cache', 'unbounded-queue']);
    const q = ds.find((d) => codeOf(d) === 'unbounded-queue')!;
    assert.equal(doc.lineAt(q.range.start.line).text, 'backlog = queue.Queue()');
  });

  test('an untitled C++ document is analysed too', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'cpp',
      content: '#include <cstdio>\nvoid f() {\n  FILE* f = fopen("x", "r");\n  if (!f) return;\n}\n',
    });
    await vscode.window.showTextDocument(doc);
    const ds = await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    assert.equal(codeOf(ds[0]), 'raw-c-resource');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('a file in a syntax-error state does not crash the analysis', async () => {
    const editor = await open('python/worker.py');
    const doc = editor.document;
    touched.push(doc);
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'def broken(:\n')));
    await settled(api, doc);
    await revert(doc);
    await diagnosticsWhere(wsUri('python/worker.py'), (d) => d.length === 1, 'back after revert');
  });
});
