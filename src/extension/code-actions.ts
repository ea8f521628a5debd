// Quick fixes (the engine's fixes for each finding under the cursor, the suppression comment last)
// and `source.fixAll.leaklens` (every preferred fix, re-analysed until stable, as one edit).
import * as vscode from 'vscode';
import type { AnalysisClient } from './client';
import { minimalEdit, placeholderAfter, ruleIdOf, toDiagnostic, toRange, toWorkspaceEdit } from './convert';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('leaklens');
export const SELECT_COMMAND = 'leaklens.selectRange';

export class LeakLensCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND],
  };

  constructor(
    private readonly client: AnalysisClient,
    private readonly isTracked: (doc: vscode.TextDocument) => boolean,
  ) {}

  async provideCodeActions(
    doc: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.CodeAction[]> {
    if (!this.isTracked(doc)) return [];
    const uri = doc.uri.toString();
    const actions: vscode.CodeAction[] = [];
    const wants = (kind: vscode.CodeActionKind) => !context.only || context.only.contains(kind);
    if (wants(vscode.CodeActionKind.QuickFix)) {
      const version = doc.version;
      const result = await this.client.resultFor(uri, version);
      if (token.isCancellationRequested || !result || result.version !== doc.version) return [];
      const matching = context.diagnostics.filter((d) => ruleIdOf(d) !== undefined);
      for (const f of result.findings) {
        const fr = toRange(f.location);
        if (!fr.intersection(range) && !(range.isEmpty && fr.contains(range.start))) continue;
        const diag = matching.find((d) => ruleIdOf(d) === f.ruleId && d.range.isEqual(fr)) ?? toDiagnostic(f, doc.uri);
        for (const fix of f.fixes) {
          const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          a.edit = toWorkspaceEdit(doc, fix.edits);
          a.diagnostics = [diag];
          a.isPreferred = fix.isPreferred === true;
          const ph = placeholderAfter(fix.edits);
          if (ph) a.command = { title: 'Select the size', command: SELECT_COMMAND, arguments: [uri, ph[0], ph[1]] };
          actions.push(a);
        }
      }
    }
    // Only when asked for explicitly (on save, the Source Action menu): it re-analyses the file.
    if (context.only?.contains(FIX_ALL_KIND)) {
      const a = await this.fixAll(doc);
      if (a) actions.push(a);
    }
    return actions;
  }

  async fixAll(doc: vscode.TextDocument): Promise<vscode.CodeAction | undefined> {
    const r = await this.client.fixAll(doc.uri.toString());
    if (r.type !== 'fixAll' || typeof r.text !== 'string' || r.version !== doc.version) return undefined; // (or the worker died)
    const edit = minimalEdit(doc.getText(), r.text);
    if (!edit) return undefined;
    const a = new vscode.CodeAction(
      `Fix all LeakLens problems (${r.applied} fix${r.applied === 1 ? '' : 'es'})`,
      FIX_ALL_KIND,
    );
    a.edit = toWorkspaceEdit(doc, [edit]);
    return a;
  }
}

/** After a fix inserted a size, select it so the user can type over the default. */
export function selectRange(uri: string, start: number, end: number): void {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.toString() !== uri) return;
  const sel = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(end));
  editor.selection = sel;
  editor.revealRange(sel);
}
