// "LeakLens: Show syntax tree": the current C/C++/Python file's tree-sitter tree (named nodes with
// their fields, positions and leaf text) in a read-only document beside it, to help write custom
// rule queries. The tree is parsed in the analysis worker, never on the extension host's thread.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisClient } from './client';
import { sourceLanguage } from './custom-rules';

export const SHOW_TREE_COMMAND = 'leaklens.showSyntaxTree';
const SCHEME = 'leaklens-syntax-tree';

export function registerSyntaxTree(context: vscode.ExtensionContext, client: AnalysisClient): void {
  const texts = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => texts.get(uri.toString()) ?? '',
  };
  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider),
    // Forget a tree once its document is closed.
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme === SCHEME) texts.delete(doc.uri.toString());
    }),
    vscode.commands.registerCommand(SHOW_TREE_COMMAND, async (): Promise<vscode.Uri | undefined> => {
      const editor = vscode.window.activeTextEditor;
      const language = editor && sourceLanguage(editor.document);
      if (!editor || !language) {
        void vscode.window.showInformationMessage('LeakLens: open a C, C++ or Python file to see its syntax tree.');
        return undefined;
      }
      const source = editor.document;
      const tree = await client.syntaxTree(language, source.getText());
      if (tree.type !== 'syntaxTree' || tree.error) {
        void vscode.window.showErrorMessage(
          `LeakLens: could not parse ${basename(source.uri.path)}: ${tree.type === 'syntaxTree' ? tree.error : 'the analysis worker stopped'}`,
        );
        return undefined;
      }
      const header =
        `; ${language} syntax tree of ${source.uri.scheme === 'file' ? source.uri.fsPath : source.uri.toString()} (version ${source.version})\n` +
        '; named nodes as "field: type [line:column - line:column]" (1-based), leaves with their text;\n' +
        '; use these types and fields in .leaklens/rules/*.scm queries, e.g. (call_expression function: (identifier) @fn)\n';
      const uri = vscode.Uri.from({
        scheme: SCHEME,
        path: `/${basename(source.uri.path)}.tree`,
        query: source.uri.toString(),
      });
      texts.set(uri.toString(), header + tree.text);
      changed.fire(uri);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, {
        viewColumn: vscode.ViewColumn.Beside,
        preview: true,
        preserveFocus: true,
      });
      return uri;
    }),
  );
}
