// Helpers shared by the e2e tests (run inside the real VS Code extension host).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LeakLensApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'leaklens.leaklens';

export async function activate(): Promise<LeakLensApi> {
  // The tests edit fixture files without saving them: make sure nothing writes them back to disk.
  const files = vscode.workspace.getConfiguration('files');
  if (files.get('autoSave') !== 'off') {
    console.log(`e2e: files.autoSave was ${JSON.stringify(files.get('autoSave'))}; turning it off`);
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  }
  const ext = vscode.extensions.getExtension<LeakLensApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

export function wsUri(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, rel);
}

export async function open(rel: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(wsUri(rel));
  return vscode.window.showTextDocument(doc);
}

export function leakDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'LeakLens');
}

export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : String(c);
}

export async function poll<T>(
  what: string,
  get: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const t0 = Date.now();
  let last: T = await get();
  while (!ok(last)) {
    if (Date.now() - t0 > timeoutMs)
      assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(last, null, 1)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 25));
    last = await get();
  }
  return last;
}

/** Waits until the document's LeakLens diagnostics satisfy `ok`. */
export function diagnosticsWhere(
  uri: vscode.Uri,
  ok: (ds: vscode.Diagnostic[]) => boolean,
  what = `diagnostics of ${uri.path}`,
  timeoutMs = 10_000,
): Promise<vscode.Diagnostic[]> {
  return poll(what, () => leakDiagnostics(uri), ok, timeoutMs);
}

/** Waits for the analysis of the document's current version, then returns its diagnostics. */
export async function settled(api: LeakLensApi, doc: vscode.TextDocument): Promise<vscode.Diagnostic[]> {
  const r = await api.resultFor(doc);
  assert.ok(r, `analysis result for ${doc.uri.path} v${doc.version}`);
  assert.equal(r.version, doc.version);
  // the diagnostics are set in the same handler that resolves resultFor; allow a tick
  return diagnosticsWhere(doc.uri, (ds) => ds.length === r.findings.length);
}

/** Reverts the document to its saved text (undoes the test's edits; nothing is saved). */
export async function revert(doc: vscode.TextDocument): Promise<void> {
  if (!doc.isDirty) return;
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await poll(
    `revert of ${doc.uri.path}`,
    () => doc.isDirty,
    (d) => !d,
  );
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const ask = () =>
    vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
      vscode.CodeActionKind.QuickFix.value,
    );
  let actions = await ask();
  // Right after a document opens, the first request can meet the worker re-analysing it (custom
  // rules loading, a configuration change): the provider then answers nothing, as the lightbulb
  // would until the next request. Ask again for up to two seconds, as the editor does on cursor moves.
  for (let i = 0; i < 20 && !actions?.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    actions = await ask();
  }
  if (process.env.LEAKLENS_DEBUG)
    console.log(
      'DEBUG',
      JSON.stringify(
        (actions ?? []).map((a) => [a.title, a.kind?.value, a.diagnostics?.map((d) => [d.source, d.code, d.range])]),
      ),
    );
  // (executeCodeActionProvider does not return the actions' `diagnostics`)
  return (actions ?? []).filter((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value);
}

export async function applyAction(a: vscode.CodeAction): Promise<void> {
  assert.ok(a.edit, `action "${a.title}" has an edit`);
  assert.equal(await vscode.workspace.applyEdit(a.edit), true, `applyEdit of "${a.title}"`);
}

export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
