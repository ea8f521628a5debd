// Custom rules in VS Code: sends every workspace folder's `.leaklens/rules/*.scm` (the editor's
// unsaved text for open ones) to the analysis worker, again whenever one is created, changed,
// deleted or edited (debounced); shows each rule file's errors as diagnostics at their position;
// and "LeakLens: New rule from selection". Compiling and matching happen in the worker.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { RULES_DIR, type RuleFileError } from '../core/custom-rules';
import type { LanguageId } from '../core/types';
import type { AnalysisClient } from './client';
import { customRuleDocs, SOURCE } from './convert';
import type { RuleFileText, RuleInfo } from './protocol';

export const RULE_LANGUAGE = 'leaklens-rule';
export const NEW_RULE_COMMAND = 'leaklens.newRuleFromSelection';

export interface CustomRulesApi {
  /** The custom rules that run, as of the worker's last answer. */
  rules(): RuleInfo[];
  /** Resolves after the worker answered the rule set that is current when called. */
  settled(): Promise<void>;
}

export function sourceLanguage(doc: vscode.TextDocument): LanguageId | undefined {
  return doc.languageId === 'c' || doc.languageId === 'cpp'
    ? 'cpp'
    : doc.languageId === 'python'
      ? 'python'
      : undefined;
}

/** The workspace folder whose `.leaklens/rules/` directly holds `path`, if any. */
function ruleFolder(path: string): string | undefined {
  if (!path.endsWith('.scm')) return undefined;
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    if (f.uri.scheme !== 'file') continue;
    if (dirname(path) === join(f.uri.fsPath, RULES_DIR)) return f.uri.fsPath;
  }
  return undefined;
}

/** A document that is (or drafts) a rule file: in a rules folder, or in the rule language. */
function isRuleDoc(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled') return false;
  return doc.languageId === RULE_LANGUAGE || ruleFolder(doc.uri.fsPath) !== undefined;
}

export function registerCustomRules(
  context: vscode.ExtensionContext,
  client: AnalysisClient,
  log: (m: string) => void,
): CustomRulesApi {
  const diagnostics = vscode.languages.createDiagnosticCollection('leaklens-rules');
  /** Where each rule file's diagnostics go (an open untitled draft has no file URI). */
  let uris = new Map<string, vscode.Uri>();
  let lastSent = '';
  let current: RuleInfo[] = [];
  let waiting: Array<() => void> = [];
  let answered = 0;
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;

  function collect(): RuleFileText[] {
    const files = new Map<string, RuleFileText>();
    uris = new Map();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      const dir = join(f.uri.fsPath, RULES_DIR);
      if (!existsSync(dir)) continue;
      let names: string[] = [];
      try {
        names = readdirSync(dir)
          .filter((n) => n.endsWith('.scm'))
          .sort();
      } catch (e) {
        log(`cannot list ${dir}: ${(e as Error).message}`);
      }
      for (const name of names) {
        const file = join(dir, name);
        try {
          files.set(file, { file, folder: f.uri.fsPath, text: readFileSync(file, 'utf8'), active: true });
          uris.set(file, vscode.Uri.file(file));
        } catch (e) {
          log(`cannot read ${file}: ${(e as Error).message}`);
        }
      }
    }
    // Open rule documents win over the disk: unsaved edits apply at once.
    for (const doc of vscode.workspace.textDocuments) {
      if (!isRuleDoc(doc)) continue;
      const folder = ruleFolder(doc.uri.fsPath);
      const file = folder ? doc.uri.fsPath : doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString();
      // A saved file that is open but unchanged is the same text; an untitled draft is new.
      files.set(file, { file, folder, text: doc.getText(), active: folder !== undefined });
      uris.set(file, doc.uri);
    }
    return [...files.values()].sort((a, b) => a.file.localeCompare(b.file));
  }

  function send(why: string): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const files = collect();
    const json = JSON.stringify(files);
    if (json === lastSent) return flushWaiters();
    lastSent = json;
    sent++;
    const drafting = vscode.workspace.textDocuments.some(isRuleDoc);
    if (files.length || client.started)
      log(`custom rules (${why}): ${files.length} file${files.length === 1 ? '' : 's'}`);
    client.setRuleFiles(files, drafting);
    if (!client.started) answered = sent; // nothing to wait for until a worker starts
    flushWaiters();
  }

  function schedule(
    why: string,
    delay = vscode.workspace.getConfiguration('leaklens').get<number>('debounceMs', 150),
  ): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => send(why), delay);
  }

  function flushWaiters(): void {
    if (answered < sent || timer) return;
    const w = waiting;
    waiting = [];
    for (const r of w) r();
  }

  client.onRulesStatus = (m) => {
    answered++;
    current = m.rules;
    customRuleDocs.clear();
    for (const r of m.rules) if (r.helpUri) customRuleDocs.set(r.id, vscode.Uri.parse(r.helpUri));
    showErrors(m.errors);
    if (m.rules.length || m.errors.length)
      log(
        `custom rules: ${m.rules.map((r) => r.id).join(', ') || 'none'} running; ${m.errors.length} error${m.errors.length === 1 ? '' : 's'}`,
      );
    flushWaiters();
  };

  function showErrors(errors: RuleFileError[]): void {
    const byUri = new Map<string, { uri: vscode.Uri; ds: vscode.Diagnostic[] }>();
    for (const e of errors) {
      const uri = uris.get(e.file) ?? vscode.Uri.file(e.file);
      const range = new vscode.Range(e.line - 1, e.column - 1, e.endLine - 1, Math.max(e.endColumn - 1, e.column));
      const d = new vscode.Diagnostic(range, e.message, vscode.DiagnosticSeverity.Error);
      d.source = SOURCE;
      d.code = 'rule-file';
      const entry = byUri.get(uri.toString()) ?? { uri, ds: [] };
      entry.ds.push(d);
      byUri.set(uri.toString(), entry);
    }
    diagnostics.clear();
    for (const { uri, ds } of byUri.values()) diagnostics.set(uri, ds);
  }

  const watcher = vscode.workspace.createFileSystemWatcher(`**/${RULES_DIR.split(/[\\/]/).join('/')}/*.scm`);
  context.subscriptions.push(
    diagnostics,
    watcher,
    { dispose: () => timer && clearTimeout(timer) },
    watcher.onDidCreate((u) => schedule(`created ${basename(u.fsPath)}`)),
    watcher.onDidChange((u) => schedule(`changed ${basename(u.fsPath)}`)),
    watcher.onDidDelete((u) => schedule(`deleted ${basename(u.fsPath)}`)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length && isRuleDoc(e.document)) schedule(`edited ${basename(e.document.uri.path)}`);
    }),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (isRuleDoc(doc)) schedule(`opened ${basename(doc.uri.path)}`, 0);
    }),
    // Closing a rule file with unsaved edits falls back to what is on disk.
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (isRuleDoc(doc)) schedule(`closed ${basename(doc.uri.path)}`, 0);
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (isRuleDoc(doc)) schedule(`saved ${basename(doc.uri.path)}`, 0);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => schedule('workspace folders', 0)),
    vscode.commands.registerCommand(NEW_RULE_COMMAND, () => newRuleFromSelection(client, () => current)),
  );
  send('activation');

  return {
    rules: () => current,
    settled: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        flushWaiters();
      }),
  };
}

/**
 * Opens a new rule document whose query matches the selection (the smallest named node covering
 * it): `<folder>/.leaklens/rules/<id>.scm` as an unsaved file (it runs as soon as it compiles; save
 * to keep it), or an untitled document outside a workspace. Returns the new document's URI.
 */
async function newRuleFromSelection(
  client: AnalysisClient,
  running: () => RuleInfo[],
): Promise<vscode.Uri | undefined> {
  const editor = vscode.window.activeTextEditor;
  const language = editor && sourceLanguage(editor.document);
  if (!editor || !language) {
    void vscode.window.showInformationMessage('LeakLens: select some C, C++ or Python code first.');
    return undefined;
  }
  const doc = editor.document;
  const sel = editor.selection;
  const folder =
    vscode.workspace.getWorkspaceFolder(doc.uri) ??
    vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  const source =
    folder && doc.uri.scheme === 'file' ? relative(folder.uri.fsPath, doc.uri.fsPath) : basename(doc.uri.path);
  const answer = await client.newRule(language, doc.getText(), doc.offsetAt(sel.start), doc.offsetAt(sel.end), source);
  if (answer.type !== 'newRule' || !answer.rule) {
    void vscode.window.showErrorMessage(
      `LeakLens: could not build a rule: ${answer.error ?? 'the analysis worker stopped'}`,
    );
    return undefined;
  }
  let { id, text } = answer.rule;
  const dir = folder && folder.uri.scheme === 'file' ? join(folder.uri.fsPath, RULES_DIR) : undefined;
  const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.fsPath));
  const taken = (candidate: string) =>
    running().some((r) => r.id === candidate) ||
    (dir !== undefined && (existsSync(join(dir, `${candidate}.scm`)) || open.has(join(dir, `${candidate}.scm`))));
  if (taken(id)) {
    let n = 2;
    while (taken(`${id}-${n}`)) n++;
    text = text.replace(`;; id: ${id}\n`, `;; id: ${id}-${n}\n`);
    id = `${id}-${n}`;
  }
  let ruleDoc: vscode.TextDocument;
  if (dir) {
    ruleDoc = await vscode.workspace.openTextDocument(
      vscode.Uri.file(join(dir, `${id}.scm`)).with({ scheme: 'untitled' }),
    );
    if (ruleDoc.languageId !== RULE_LANGUAGE)
      ruleDoc = await vscode.languages.setTextDocumentLanguage(ruleDoc, RULE_LANGUAGE);
    const shown = await vscode.window.showTextDocument(ruleDoc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: false,
    });
    await shown.edit((b) => b.insert(new vscode.Position(0, 0), text));
  } else {
    ruleDoc = await vscode.workspace.openTextDocument({ language: RULE_LANGUAGE, content: text });
    await vscode.window.showTextDocument(ruleDoc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }
  return ruleDoc.uri;
}
