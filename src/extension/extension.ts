// LeakLens VS Code extension entry point (bundled by scripts/build.mjs to dist/extension.js).
// Minimal placeholder: the diagnostics glue replaces the body of activate() later.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): { version: string } {
  const version: string = context.extension.packageJSON.version;
  context.subscriptions.push(
    vscode.commands.registerCommand('leaklens.showVersion', () => {
      void vscode.window.showInformationMessage(`LeakLens ${version}`);
      return version;
    }),
  );
  return { version };
}

export function deactivate(): void {
  // nothing to clean up yet: everything is registered through context.subscriptions
}
