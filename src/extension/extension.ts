// LeakLens VS Code extension entry point (bundled by scripts/build.mjs to dist/extension.js).
// The only code that imports `vscode` lives under src/extension. Analysis runs in a worker thread
// (dist/analysis-worker.js): this file only forwards document events and turns results into
// diagnostics and code actions, so the extension host's thread stays free while you type.
const moduleLoaded = performance.now();
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Finding } from '../core/types';
import { registerLeakReports, type LeakReports } from './leak-reports';
import * as vscode from 'vscode';
import type { LanguageId } from '../core/types';
import { AnalysisClient } from './client';
import { LeakLensCodeActions, SELECT_COMMAND, selectRange } from './code-actions';
import { sameDiagnostics, SOURCE, toDiagnostic } from './convert';
import { registerCustomRules, type CustomRulesApi } from './custom-rules';
import { registerSyntaxTree } from './syntax-tree';
import type { ConfigProblem, DocResult } from './protocol';
import { isEnabled, readSettings } from './settings';
import { registerProfiling } from './profile/profile';
import { registerDebugHook } from './debug/hook';

const SOURCE_GLOB = '**/*.{c,cc,cpp,cxx,c++,h,hh,hpp,hxx,h++,ipp,inl,py,pyi}';

export interface LeakLensApi {
  version: string;
  /** ms from this module's first line to the end of activate(). */
  activationMs: number;
  /** ms the worker took to load web-tree-sitter and the grammars (undefined until the first file). */
  engineMs(): number | undefined;
  /** Longest time (ms) one of our event handlers ran on the extension host's thread, and count. */
  handlerStats(): { maxMs: number; count: number; reset(): void };
  /** Fires right after LeakLens handed a document's diagnostics to VS Code (for the benchmark). */
  onDidPublish: vscode.Event<PublishEvent>;
  /** The analysis result for a document version (waits for it; analyses at once if pending). */
  resultFor(doc: vscode.TextDocument): Promise<DocResult | undefined>;
  workerStats(): Promise<{ docs: number; heapUsed: number; rss: number; wasmBytes: number } | undefined>;
  scanWorkspace(silent?: boolean): Promise<ScanSummary | undefined>;
  /** Custom rules (.leaklens/rules/*.scm) that run, and a wait for the current set's compilation. */
  customRules: CustomRulesApi;
}

export interface PublishEvent {
  uri: vscode.Uri;
  version: number;
  findings: number;
  /** Worker time of the analysis, ms. */
  workerMs: number;
  incremental: boolean;
  /** Only the definitions the edit could change were analysed (how many, of how many). */
  partial?: { dirty: number; definitions: number };
  /** performance.now() in the extension host when the diagnostics were set. */
  time: number;
}

export interface ScanSummary {
  files: number;
  findings: number;
  cancelled: boolean;
  /** Files whose result came from the scan cache (unchanged since an earlier scan). */
  cacheHits: number;
  /** Files whose findings read other files of the project, so not from the cache. */
  readOtherFiles: number;
}

function languageOf(doc: vscode.TextDocument): LanguageId | undefined {
  switch (doc.languageId) {
    case 'c':
    case 'cpp':
      return 'cpp';
    case 'python':
      return 'python';
    default:
      return undefined;
  }
}

/** Path given to the engine: the file, or a pseudo name with the right extension for untitled ones. */
function engineFile(doc: vscode.TextDocument): string {
  if (doc.uri.scheme === 'file') return doc.uri.fsPath;
  const ext = doc.languageId === 'python' ? '.py' : doc.languageId === 'c' ? '.c' : '.cpp';
  return basename(doc.uri.path) + ext;
}

export function activate(context: vscode.ExtensionContext): LeakLensApi {
  const version: string = context.extension.packageJSON.version;
  const output = vscode.window.createOutputChannel('LeakLens');
  const log = (m: string) => {
    const line = `[${new Date().toISOString().slice(11, 23)}] ${m}`;
    output.appendLine(line);
    if (process.env.LEAKLENS_DEBUG) console.log(`[leaklens] ${line}`);
  };
  const diagnostics = vscode.languages.createDiagnosticCollection('leaklens');
  const configDiagnostics = vscode.languages.createDiagnosticCollection('leaklens-config');
  const tracked = new Map<string, vscode.TextDocument>();
  /** Files whose diagnostics come from the last workspace scan (not open in an editor). */
  let scanned = new Set<string>();
  const shownProblems = new Set<string>();
  let enabled = isEnabled();

  // Time spent in our handlers on the host thread (for the benchmark; cheap to keep).
  let maxHandlerMs = 0;
  let handlerCount = 0;
  const timed =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      const t0 = performance.now();
      try {
        fn(...args);
      } finally {
        const ms = performance.now() - t0;
        handlerCount++;
        if (ms > maxHandlerMs) maxHandlerMs = ms;
      }
    };

  const published = new vscode.EventEmitter<PublishEvent>();
  // Imported leak reports (set up below, once the diagnostics exist): their measurements ride on the
  // static diagnostics of the same lines.
  let leakReports: LeakReports | undefined;
  const withEvidence = (findings: Finding[], uri: vscode.Uri) =>
    leakReports?.withEvidence(findings, uri.fsPath) ?? findings;
  const client = new AnalysisClient(join(context.extensionPath, 'dist'), readSettings(log), {
    onResult: timed((r: DocResult) => {
      const doc = tracked.get(r.uri);
      if (process.env.LEAKLENS_DEBUG)
        log(
          `result ${r.uri} v${r.version} (doc v${doc?.version}): ${r.findings.length} findings in ${r.ms.toFixed(1)} ms${r.incremental ? ' (incremental)' : ''}${r.partial ? ` (${r.partial.dirty} of ${r.partial.definitions} definitions)` : ''}`,
        );
      if (!doc || doc.version !== r.version) return; // stale: a newer version is on its way
      // Most keystrokes change no diagnostic (typing in a comment, or on a line with none): then the
      // host does not rebuild and resend them to the workbench.
      const next = withEvidence(r.findings, doc.uri).map((f) => toDiagnostic(f, doc.uri));
      if (!sameDiagnostics(diagnostics.get(doc.uri) ?? [], next)) {
        diagnostics.set(doc.uri, next);
        leakReports?.publish(doc.uri);
      }
      published.fire({
        uri: doc.uri,
        version: r.version,
        findings: r.findings.length,
        workerMs: r.ms,
        incremental: r.incremental,
        partial: r.partial,
        time: performance.now(),
      });
      if (r.skipped) log(`${doc.uri.fsPath}: ${r.skipped}`);
      for (const e of r.errors) log(`${e.file}: ${e.message}`);
    }),
    onConfigProblems: (problems) => showConfigProblems(problems),
    onLog: log,
    onWorkerExit: () => {
      // Restart with the open documents, a few times at most (a worker that cannot start at all,
      // e.g. a missing grammar, must not loop).
      if (++workerRestarts > 3) {
        log('the analysis worker keeps exiting: LeakLens stops analysing until the window reloads');
        void vscode.window.showErrorMessage(
          'LeakLens: the analysis worker keeps exiting; see "LeakLens: Show output".',
        );
        return;
      }
      for (const doc of [...tracked.values()]) track(doc);
    },
  });
  let workerRestarts = 0;

  function showConfigProblems(problems: ConfigProblem[]): void {
    configDiagnostics.clear();
    for (const p of problems) {
      const uri = vscode.Uri.file(p.file);
      const detail = p.message.startsWith(`${p.file}: `) ? p.message.slice(p.file.length + 2) : p.message;
      const d = new vscode.Diagnostic(
        keyRange(p.file, p.key),
        `Invalid LeakLens configuration: ${detail}. Using the defaults until it is fixed.`,
        vscode.DiagnosticSeverity.Error,
      );
      d.source = SOURCE;
      configDiagnostics.set(uri, [...(configDiagnostics.get(uri) ?? []), d]);
      log(`configuration error: ${p.message}`);
      if (!shownProblems.has(p.message)) {
        shownProblems.add(p.message);
        void vscode.window.showErrorMessage(`LeakLens: ${p.message}`, 'Open').then((pick) => {
          if (pick) void vscode.window.showTextDocument(uri);
        });
      }
    }
  }

  const isTracked = (doc: vscode.TextDocument) => tracked.get(doc.uri.toString()) === doc;

  function track(doc: vscode.TextDocument): void {
    if (process.env.LEAKLENS_DEBUG) log(`open ${doc.uri.toString()} ${doc.languageId} v${doc.version}`);
    if (!enabled) return;
    const language = languageOf(doc);
    if (!language || (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled')) return;
    const key = doc.uri.toString();
    tracked.set(key, doc);
    if (scanned.delete(key)) diagnostics.delete(doc.uri);
    client.openDocument(key, engineFile(doc), language, doc.version, doc.getText());
  }

  function untrack(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (!tracked.delete(key)) return;
    client.close(key); // frees the document's tree in the worker
    diagnostics.delete(doc.uri);
  }

  let reconfigureTimer: NodeJS.Timeout | undefined;
  function reconfigure(why: string): void {
    // Coalesce bursts (a save fires both the watcher and onDidSave).
    if (reconfigureTimer) clearTimeout(reconfigureTimer);
    reconfigureTimer = setTimeout(() => {
      reconfigureTimer = undefined;
      log(`configuration changed (${why}): re-analysing`);
      shownProblems.clear();
      configDiagnostics.clear();
      if (client.started) client.configure(readSettings(log));
      if (scanned.size) void scanWorkspace(true);
    }, 50);
  }

  async function scanWorkspace(silent = false): Promise<ScanSummary | undefined> {
    if (!enabled) {
      if (!silent) void vscode.window.showInformationMessage('LeakLens is disabled (setting leaklens.enable).');
      return undefined;
    }
    const folders = (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === 'file')
      .map((f) => f.uri.fsPath);
    if (!folders.length) {
      if (!silent) void vscode.window.showInformationMessage('LeakLens: open a folder to scan it.');
      return undefined;
    }
    const run = async (
      progress: vscode.Progress<{ message?: string; increment?: number }>,
      token: vscode.CancellationToken,
    ): Promise<ScanSummary> => {
      // files.exclude applies to findFiles (exclude = undefined); .gitignore and the config's
      // `ignore` are applied by the worker's walk.
      const uris = await vscode.workspace.findFiles(SOURCE_GLOB, undefined, undefined, token);
      const allowed = uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
      const previous = scanned;
      const seen = new Set<string>();
      let findings = 0;
      let lastDone = 0;
      const cacheDir = (context.storageUri ?? context.globalStorageUri).fsPath;
      const job = client.scan(
        folders,
        allowed,
        (done, total, results) => {
          progress.report({
            message: `${done}/${total} files`,
            increment: total ? ((done - lastDone) * 100) / total : undefined,
          });
          lastDone = done;
          for (const r of results) {
            const uri = vscode.Uri.file(r.file);
            const key = uri.toString();
            findings += r.findings.length;
            if (tracked.has(key)) continue; // open documents have live results
            seen.add(key);
            if (r.findings.length)
              diagnostics.set(
                uri,
                withEvidence(r.findings, uri).map((f) => toDiagnostic(f, uri)),
              );
            else diagnostics.delete(uri);
            leakReports?.publish(uri);
          }
        },
        { dir: join(cacheDir, 'scan-cache'), version },
      );
      const sub = token.onCancellationRequested(() => job.cancel());
      const done = await job.done.finally(() => sub.dispose());
      if (done.error) log(`scan failed: ${done.error}`);
      if (!done.cancelled) {
        for (const key of previous) if (!seen.has(key) && !tracked.has(key)) diagnostics.delete(vscode.Uri.parse(key));
        scanned = seen;
      } else {
        for (const key of seen) previous.add(key);
        scanned = previous;
      }
      log(
        `scan: ${done.files} files, ${findings} findings${done.cacheHits ? ` (${done.cacheHits} from the cache)` : ''}${done.cancelled ? ' (cancelled)' : ''}`,
      );
      return {
        files: done.files,
        findings,
        cancelled: done.cancelled,
        cacheHits: done.cacheHits ?? 0,
        readOtherFiles: done.readOtherFiles ?? 0,
      };
    };
    if (silent) {
      return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'LeakLens' }, (p) =>
        run(p, new vscode.CancellationTokenSource().token),
      );
    }
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'LeakLens: scanning workspace', cancellable: true },
      run,
    );
    const text = `LeakLens: ${summary.findings} leak risk${summary.findings === 1 ? '' : 's'} in ${summary.files} file${summary.files === 1 ? '' : 's'} checked${summary.cancelled ? ' (scan cancelled)' : ''}.`;
    // Not awaited: the summary is returned at once; the button opens the Problems view when pressed.
    void vscode.window.showInformationMessage(text, ...(summary.findings ? ['Show Problems'] : [])).then((pick) => {
      if (pick === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
    return summary;
  }

  const actions = new LeakLensCodeActions(client, isTracked);
  const selector: vscode.DocumentSelector = [{ language: 'c' }, { language: 'cpp' }, { language: 'python' }];
  // .leaklens.json and pyproject.toml ([tool.leaklens]) both configure the analysis.
  const watcher = vscode.workspace.createFileSystemWatcher('**/{.leaklens.json,pyproject.toml}');
  context.subscriptions.push(
    output,
    published,
    diagnostics,
    configDiagnostics,
    watcher,
    { dispose: () => client.dispose() },
    vscode.languages.registerCodeActionsProvider(selector, actions, LeakLensCodeActions.metadata),
    vscode.workspace.onDidOpenTextDocument(timed(track)),
    vscode.workspace.onDidCloseTextDocument(timed(untrack)),
    vscode.workspace.onDidChangeTextDocument(
      timed((e: vscode.TextDocumentChangeEvent) => {
        if (!e.contentChanges.length || !isTracked(e.document)) return;
        client.change(
          e.document.uri.toString(),
          e.document.version,
          e.contentChanges.map((c) => ({ rangeOffset: c.rangeOffset, rangeLength: c.rangeLength, text: c.text })),
        );
      }),
    ),
    vscode.workspace.onDidSaveTextDocument(
      timed((doc: vscode.TextDocument) => {
        if (CONFIG_FILES.has(basename(doc.uri.fsPath))) reconfigure(`saved ${basename(doc.uri.fsPath)}`);
        if (isTracked(doc)) client.flush(doc.uri.toString(), doc.getText(), doc.version);
      }),
    ),
    watcher.onDidChange((u) => reconfigure(`${basename(u.fsPath)} changed`)),
    watcher.onDidCreate((u) => reconfigure(`${basename(u.fsPath)} created`)),
    watcher.onDidDelete((u) => reconfigure(`${basename(u.fsPath)} deleted`)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('leaklens')) return;
      const now = isEnabled();
      if (now !== enabled) {
        enabled = now;
        if (enabled) vscode.workspace.textDocuments.forEach(track);
        else {
          for (const doc of [...tracked.values()]) untrack(doc);
          diagnostics.clear();
          scanned = new Set();
        }
      }
      reconfigure('settings');
    }),
    vscode.commands.registerCommand('leaklens.showVersion', () => {
      void vscode.window.showInformationMessage(`LeakLens ${version}`);
      return version;
    }),
    vscode.commands.registerCommand('leaklens.scanWorkspace', () => scanWorkspace()),
    vscode.commands.registerCommand('leaklens.fixAll', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !isTracked(editor.document)) return false;
      const a = await actions.fixAll(editor.document);
      return a?.edit ? vscode.workspace.applyEdit(a.edit) : false;
    }),
    vscode.commands.registerCommand('leaklens.showOutput', () => output.show(true)),
    vscode.commands.registerCommand(SELECT_COMMAND, selectRange),
  );
  // Before the first document reaches the worker, so its first analysis runs the custom rules.
  const customRules = registerCustomRules(context, client, log);
  registerSyntaxTree(context, client);
  vscode.workspace.textDocuments.forEach(track);
  const activationMs = performance.now() - moduleLoaded;
  log(`LeakLens ${version} activated in ${activationMs.toFixed(1)} ms`);
  registerProfiling(context);
  registerDebugHook(context);
  leakReports = registerLeakReports(
    context,
    (uri) => new Set((diagnostics.get(uri) ?? []).map((d) => d.range.start.line + 1)),
    log,
  );
  context.subscriptions.push(
    leakReports.onDidChange(() => {
      // New measurements: the open documents' static diagnostics gain (or lose) their "measured" part.
      for (const doc of tracked.values()) {
        void client.resultFor(doc.uri.toString(), doc.version).then((r) => {
          if (!r || r.version !== doc.version) return;
          diagnostics.set(
            doc.uri,
            withEvidence(r.findings, doc.uri).map((f) => toDiagnostic(f, doc.uri)),
          );
          leakReports?.publish(doc.uri);
        });
      }
    }),
  );
  if (!vscode.workspace.isTrusted) {
    log('Restricted Mode: static analysis on; profiling, the debug memory hook and allocation tracking wait for trust');
    context.subscriptions.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() =>
        log('workspace trusted: profiling and the debug memory hook are available (no reload needed)'),
      ),
    );
  }

  return {
    version,
    activationMs,
    engineMs: () => client.engineMs,
    onDidPublish: published.event,
    handlerStats: () => ({
      maxMs: maxHandlerMs,
      count: handlerCount,
      reset: () => {
        maxHandlerMs = 0;
        handlerCount = 0;
      },
    }),
    resultFor: (doc) => client.resultFor(doc.uri.toString(), doc.version),
    workerStats: async () => (client.started ? client.stats() : undefined),
    scanWorkspace,
    customRules,
  };
}

const CONFIG_FILES = new Set(['.leaklens.json', 'pyproject.toml']);

/** Range of `key`'s last segment in a .leaklens.json or pyproject.toml (the first line when not found). */
function keyRange(file: string, key: string): vscode.Range {
  try {
    const text = readFileSync(file, 'utf8');
    const last = key
      .split('.')
      .filter((k) => !/^\d+$/.test(k))
      .pop();
    // JSON quotes keys; TOML writes them bare at the start of a line (or quoted, or as a table name).
    const found = last
      ? file.endsWith('.toml')
        ? new RegExp(
            `^\\s*(?:\\[[^\\]\\n]*)?"?(${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})"?\\s*[=\\].]`,
            'm',
          ).exec(text)
        : undefined
      : undefined;
    const needle = found ? found[1] : last ? JSON.stringify(last) : '';
    const at = found ? found.index + found[0].indexOf(found[1]) : needle ? text.indexOf(needle) : -1;
    if (at >= 0) {
      const before = text.slice(0, at);
      const line = before.split('\n').length - 1;
      const col = at - (before.lastIndexOf('\n') + 1);
      return new vscode.Range(line, col, line, col + needle.length);
    }
  } catch {
    // unreadable: point at the start
  }
  return new vscode.Range(0, 0, 0, 1);
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions (including the worker)
}
