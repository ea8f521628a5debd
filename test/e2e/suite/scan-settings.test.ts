// "LeakLens: Scan workspace" fills the Problems view for files never opened (honouring
// files.exclude, .gitignore and the config's ignore list); settings and .leaklens.json changes apply
// without a reload; a bad .leaklens.json is reported, never a crash.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LeakLensApi, ScanSummary } from '../../../src/extension/extension';
import { suite, test, before, after } from '../harness';
import { activate, closeAll, codeOf, diagnosticsWhere, leakDiagnostics, open, poll, wsUri } from '../util';

const enc = (s: string) => new TextEncoder().encode(s);

async function setSetting(section: string, key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(section).update(key, value, vscode.ConfigurationTarget.Global);
}

suite('workspace scan', () => {
  const generated = wsUri('scan/generated/gen_leak.py');
  before(async () => {
    await activate();
    await setSetting('files', 'exclude', { '**/scan/excluded': true });
    await vscode.workspace.fs.writeFile(
      generated,
      enc('import queue\nq = queue.Queue()\nfor x in range(9):\n    q.put(x)\n'),
    );
  });
  after(async () => {
    await setSetting('files', 'exclude', undefined);
    await vscode.workspace.fs.delete(wsUri('scan/generated'), { recursive: true, useTrash: false });
    await closeAll();
  });

  test('fills the Problems view for files that were never opened', async () => {
    const scanOnly = ['scan/scan_queue.py', 'scan/native/scan_buffer.cpp'];
    const openPaths = vscode.workspace.textDocuments.map((d) => d.uri.path);
    for (const rel of scanOnly) assert.ok(!openPaths.includes(wsUri(rel).path), `${rel} is not open`);
    assert.deepEqual(leakDiagnostics(wsUri('scan/scan_queue.py')), []);
    const summary = await vscode.commands.executeCommand<ScanSummary>('leaklens.scanWorkspace');
    assert.equal(summary.cancelled, false);
    assert.ok(summary.files >= 12, `scanned ${summary.files} files`);
    // A second scan of the unchanged tree reads every result from the cache, with the same findings,
    // except those that read the project's other files (a caller's change would not show in the key).
    const again = await vscode.commands.executeCommand<ScanSummary>('leaklens.scanWorkspace');
    assert.equal(again.files, summary.files);
    assert.equal(again.findings, summary.findings);
    assert.ok(again.cacheHits > 0, `some from the cache: ${JSON.stringify(again)}`);
    assert.equal(
      again.cacheHits + again.readOtherFiles,
      again.files,
      `the rest from the cache: ${JSON.stringify(again)}`,
    );
    assert.deepEqual(leakDiagnostics(wsUri('scan/scan_queue.py')).map(codeOf), ['unbounded-queue']);
    const cpp = leakDiagnostics(wsUri('scan/native/scan_buffer.cpp'));
    assert.deepEqual(cpp.map(codeOf), ['raw-c-resource']);
    assert.ok(
      cpp[0].code && typeof cpp[0].code === 'object' && cpp[0].code.target.toString().endsWith('/raw-c-resource.md'),
    );
    // Also files the tests open elsewhere (cpp/, python/) are covered.
    assert.ok(leakDiagnostics(wsUri('cpp/tiling_processor.cpp')).length >= 1);
  });

  test('skips what files.exclude, .gitignore and the config ignore list exclude', () => {
    assert.deepEqual(leakDiagnostics(wsUri('scan/excluded/excluded.py')), [], 'files.exclude');
    assert.deepEqual(leakDiagnostics(generated), [], '.gitignore');
    assert.deepEqual(leakDiagnostics(wsUri('scan/vendor/vendored.py')), [], '.leaklens.json ignore');
  });

  test('opening a scanned file switches it to live results; closing it clears them', async () => {
    const { document: doc } = await open('scan/scan_queue.py');
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    assert.ok(
      await vscode.extensions.getExtension<LeakLensApi>('leaklens.leaklens')!.exports.resultFor(doc),
      'the worker has the document',
    );
  });
});

suite('settings and .leaklens.json apply without a reload', () => {
  const localConfig = wsUri('python/.leaklens.json');
  before(async () => {
    await activate();
  });
  after(async () => {
    await setSetting('leaklens', 'rules', undefined);
    await setSetting('leaklens', 'maxFileSize', undefined);
    await setSetting('leaklens', 'resources', undefined);
    await setSetting('leaklens', 'enable', undefined);
    try {
      await vscode.workspace.fs.delete(localConfig, { useTrash: false });
    } catch {
      // already gone
    }
    await closeAll();
  });

  test('leaklens.rules: severity override, then off, then back to the default', async () => {
    const { document: doc } = await open('python/receiver.py');
    const [d0] = await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    assert.equal(d0.severity, vscode.DiagnosticSeverity.Warning);
    await setSetting('leaklens', 'rules', { 'unbounded-queue': 'error' });
    await diagnosticsWhere(
      doc.uri,
      (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Error,
      'severity error',
    );
    await setSetting('leaklens', 'rules', { 'unbounded-queue': 'off' });
    await diagnosticsWhere(doc.uri, (d) => d.length === 0, 'rule off');
    await setSetting('leaklens', 'rules', undefined);
    await diagnosticsWhere(
      doc.uri,
      (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Warning,
      'back to default',
    );
  });

  test('leaklens.maxFileSize: larger files are skipped', async () => {
    const { document: doc } = await open('python/receiver.py');
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    await setSetting('leaklens', 'maxFileSize', 100);
    await diagnosticsWhere(doc.uri, (d) => d.length === 0, 'skipped over 100 bytes');
    await setSetting('leaklens', 'maxFileSize', undefined);
    await diagnosticsWhere(doc.uri, (d) => d.length === 1, 'analysed again');
  });

  test('leaklens.resources: an extra acquire/release pair is checked', async () => {
    const { document: doc } = await open('cpp/custom_resource.cpp');
    // no finding without the setting (wait for the analysis to have run)
    await vscode.extensions.getExtension<LeakLensApi>('leaklens.leaklens')!.exports.resultFor(doc);
    assert.deepEqual(leakDiagnostics(doc.uri), []);
    await setSetting('leaklens', 'resources', [{ acquire: ['my_open'], release: ['my_close'] }]);
    const [d] = await diagnosticsWhere(doc.uri, (x) => x.length === 1, 'my_open/my_close flagged');
    assert.equal(codeOf(d), 'raw-c-resource');
    assert.match(d.message, /my_open/);
    await setSetting('leaklens', 'resources', undefined);
    await diagnosticsWhere(doc.uri, (x) => x.length === 0, 'gone with the setting');
  });

  test('leaklens.enable: off clears everything, on brings it back', async () => {
    const { document: doc } = await open('python/receiver.py');
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    await setSetting('leaklens', 'enable', false);
    await diagnosticsWhere(doc.uri, (d) => d.length === 0, 'disabled');
    await setSetting('leaklens', 'enable', undefined);
    await diagnosticsWhere(doc.uri, (d) => d.length === 1, 'enabled again');
  });

  test('a .leaklens.json created, changed and deleted next to the file applies at once', async () => {
    const { document: doc } = await open('python/receiver.py');
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    await vscode.workspace.fs.writeFile(localConfig, enc('{ "rules": { "unbounded-queue": "off" } }\n'));
    await diagnosticsWhere(doc.uri, (d) => d.length === 0, 'rule off by .leaklens.json');
    await vscode.workspace.fs.writeFile(localConfig, enc('{ "rules": { "unbounded-queue": "info" } }\n'));
    await diagnosticsWhere(
      doc.uri,
      (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Information,
      'info by .leaklens.json',
    );
    await vscode.workspace.fs.delete(localConfig, { useTrash: false });
    await diagnosticsWhere(
      doc.uri,
      (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Warning,
      'default after delete',
    );
  });

  test('[tool.leaklens] in a pyproject.toml applies at once; a bad key is a diagnostic on its line', async () => {
    const { document: doc } = await open('python/receiver.py');
    const pyproject = vscode.Uri.joinPath(localConfig, '..', 'pyproject.toml');
    await diagnosticsWhere(doc.uri, (d) => d.length === 1);
    try {
      await vscode.workspace.fs.writeFile(
        pyproject,
        enc('[project]\nname = "demo"\n\n[tool.leaklens.rules]\nunbounded-queue = "info"\n'),
      );
      await diagnosticsWhere(
        doc.uri,
        (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Information,
        'info by pyproject.toml',
      );
      await vscode.workspace.fs.writeFile(pyproject, enc('[tool.leaklens]\nignore = []\nmaxFileSize = "big"\n'));
      const [problem] = await poll(
        'pyproject diagnostic',
        () => vscode.languages.getDiagnostics(pyproject).filter((d) => d.source === 'LeakLens'),
        (ds) => ds.length === 1,
      );
      assert.match(problem.message, /"tool\.leaklens\.maxFileSize": must be integer/);
      assert.equal(problem.range.start.line, 2, 'points at the bad key');
    } finally {
      await vscode.workspace.fs.delete(pyproject, { useTrash: false });
    }
    await diagnosticsWhere(
      doc.uri,
      (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Warning,
      'default after delete',
    );
    await poll(
      'pyproject diagnostic cleared',
      () => vscode.languages.getDiagnostics(pyproject).length,
      (n) => n === 0,
    );
  });

  test('a bad .leaklens.json is an error diagnostic on that file; analysis goes on with the defaults', async () => {
    // The defaults, not the workspace's config: the opt-in growing-global is off, the four resources stay.
    const { document: doc } = await open('python/camera_view.py');
    await vscode.workspace.fs.writeFile(localConfig, enc('{\n  "maxFileSize": "big"\n}\n'));
    const [problem] = await poll(
      'config diagnostic',
      () => vscode.languages.getDiagnostics(localConfig).filter((d) => d.source === 'LeakLens'),
      (ds) => ds.length === 1,
    );
    assert.equal(problem.severity, vscode.DiagnosticSeverity.Error);
    assert.match(problem.message, /^Invalid LeakLens configuration: "maxFileSize": must be integer/);
    assert.equal(problem.range.start.line, 1, 'points at the bad key');
    await diagnosticsWhere(
      doc.uri,
      (d) => d.length === 4 && d.every((x) => codeOf(x) === 'resource-without-context'),
      'still analysed with the defaults',
    );
    await vscode.workspace.fs.delete(localConfig, { useTrash: false });
    await poll(
      'config diagnostic cleared',
      () => vscode.languages.getDiagnostics(localConfig).length,
      (n) => n === 0,
    );
  });
});
