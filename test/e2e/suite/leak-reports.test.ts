// Imported leak reports in the editor: a real AddressSanitizer build's log imported with
// "LeakLens: Import leak report", and a real Valgrind XML picked up by the leaklens.leakReports
// setting as it is written. The static finding on a measured line says so and keeps its quick fix;
// the leak no rule found is a measured-leak diagnostic with the allocation stack.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { suite, test, before, after } from '../harness';
import { activate, closeAll, codeOf, leakDiagnostics, open, poll, quickFixes, wsUri } from '../util';

const DIR = 'leaks-tmp'; // inside the workspace (removed after the suite; ignored by git)

suite('leak reports', () => {
  let dir = '';
  before(async () => {
    await activate();
    dir = wsUri(DIR).fsPath;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const fixtures = join(wsUri('.').fsPath, '..', 'leaks');
    cpSync(fixtures, dir, { recursive: true });
    const sources = [join(dir, 'leaky_list.cpp'), join(dir, 'leaky_main.cpp')];
    execFileSync('g++', ['-g', '-O0', '-fsanitize=address', ...sources, '-o', join(dir, 'leaky_asan')]);
    writeFileSync(join(dir, 'asan.log'), spawnSync(join(dir, 'leaky_asan'), { cwd: dir, encoding: 'utf8' }).stderr);
    execFileSync('g++', ['-g', '-O0', ...sources, '-o', join(dir, 'leaky_plain')]);
  });
  after(async () => {
    await vscode.workspace
      .getConfiguration('leaklens')
      .update('leakReports', undefined, vscode.ConfigurationTarget.Global);
    await closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Import leak report: the static finding says it was measured and keeps its fix; the other leak is measured-leak', async () => {
    const { document: doc } = await open(`${DIR}/leaky_list.cpp`);
    const result = await vscode.commands.executeCommand<{ leaks: number; errors: string[] }>(
      'leaklens.importLeakReport',
      [join(dir, 'asan.log')],
    );
    assert.deepEqual(result, { leaks: 2, errors: [] });
    const ds = await poll(
      'static and measured diagnostics',
      () => leakDiagnostics(doc.uri),
      (d) => d.some((x) => / — measured: /.test(x.message)) && d.some((x) => codeOf(x) === 'measured-leak'),
    );
    const stat = ds.find((d) => codeOf(d) === 'raw-c-resource')!;
    assert.equal(stat.range.start.line, 12);
    assert.match(stat.message, / — measured: 64 B in 1 block \(LeakSanitizer\)$/);
    const fixes = await quickFixes(doc.uri, stat.range);
    assert.ok(
      fixes.some((a) => /std::unique_ptr/.test(a.title)),
      fixes.map((a) => a.title).join(' | '),
    );
    const measured = ds.find((d) => codeOf(d) === 'measured-leak')!;
    assert.equal(measured.range.start.line, 21);
    assert.equal(measured.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(measured.message, /^Direct leak of 32 B in 1 block allocated here in `make_node\(Node\*\)`/);
    const stack = (measured.relatedInformation ?? []).map((r) => [
      r.location.uri.fsPath.replace(`${dir}/`, ''),
      r.message,
    ]);
    assert.ok(
      stack.some(([f, m]) => f === 'leaky_list.cpp' && m === '#2 make_list()'),
      JSON.stringify(stack),
    );
    assert.ok(
      stack.some(([f, m]) => f === 'leaky_main.cpp' && m === '#3 main'),
      JSON.stringify(stack),
    );
  });

  test('leaklens.leakReports: a Valgrind XML written after the setting is picked up', async () => {
    const { document: doc } = await open(`${DIR}/leaky_list.cpp`);
    await vscode.workspace
      .getConfiguration('leaklens')
      .update('leakReports', [`${DIR}/*.xml`], vscode.ConfigurationTarget.Global);
    await new Promise((r) => setTimeout(r, 500)); // the watcher is set up
    spawnSync(
      'valgrind',
      ['--leak-check=full', '--xml=yes', `--xml-file=${join(dir, 'vg.xml')}`, join(dir, 'leaky_plain')],
      {
        cwd: dir,
      },
    );
    await poll(
      'the Valgrind measurement',
      () => leakDiagnostics(doc.uri).find((d) => codeOf(d) === 'measured-leak' && /Valgrind/.test(d.message)),
      (d) => d !== undefined,
      20_000,
    );
  });
});
