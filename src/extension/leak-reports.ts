// Imported leak reports in the editor: "LeakLens: Import leak report" and the `leaklens.leakReports`
// setting (globs of sanitizer logs, Valgrind XML or LeakLens report.json files to watch, e.g. a test
// run's logs). A static diagnostic on a line a report measured says so ("— measured: 64 B in 1
// block (LeakSanitizer)") and keeps its quick fix; a measured leak no static rule found is a
// `measured-leak` diagnostic of its own, with the allocation stack as related information.
import * as vscode from 'vscode';
import type { FileResult, Finding } from '../core/types';
import { evidenceOf, measuredFindings } from '../profile/measured';
import { readLeakReport, type MeasuredLeak } from '../profile/reports';
import { toDiagnostic } from './convert';
import { getShared } from './profile/shared';

export interface ImportResult {
  leaks: number;
  errors: string[];
}

export class LeakReports implements vscode.Disposable {
  private readonly byReport = new Map<string, MeasuredLeak[]>();
  private bySite = new Map<string, MeasuredLeak[]>();
  /** The measured-leak findings, made once per change of the reports (publish runs on every static result). */
  private measured: FileResult[] = [];
  private readonly collection = vscode.languages.createDiagnosticCollection('leaklens-measured');
  private watchers: vscode.FileSystemWatcher[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the measured leaks change: static diagnostics are republished with their evidence. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly staticFindingLines: (uri: vscode.Uri) => Set<number>,
    private readonly log: (m: string) => void,
  ) {}

  private root(file?: string): string {
    const folder = file ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) : undefined;
    return (folder ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath ?? process.cwd();
  }

  /** Reads (or re-reads) reports; a bad one is an error message, the others still load. */
  load(paths: string[]): ImportResult {
    const errors: string[] = [];
    let leaks = 0;
    for (const p of paths) {
      try {
        const read = readLeakReport(p, this.root(p));
        this.byReport.set(p, read);
        leaks += read.length;
        const placed = read.filter((l) => l.at).length;
        this.log(`leak report ${p}: ${read.length} leak(s), ${placed} placed in the project`);
      } catch (e) {
        this.byReport.delete(p);
        errors.push((e as Error).message);
        this.log(`leak report: ${(e as Error).message}`);
      }
    }
    this.reindex();
    return { leaks, errors };
  }

  remove(path: string): void {
    if (this.byReport.delete(path)) this.reindex();
  }

  private latest: string | undefined;

  /** The last profile or debug session's report replaces the one before it (imported reports stay). */
  useLatestMeasurement(path: string): void {
    if (this.latest && this.latest !== path) this.byReport.delete(this.latest);
    this.latest = path;
    this.load([path]);
  }

  /** Leaks measured at a 1-based line of a file. */
  at(file: string, line: number): MeasuredLeak[] {
    return this.bySite.get(`${file}\0${line}`) ?? [];
  }

  /** The static findings of a document with the measurements of their lines attached. */
  withEvidence(findings: Finding[], file: string): Finding[] {
    if (!this.bySite.size) return findings;
    return findings.map((f) => {
      const leaks = this.at(file, f.location.startPoint.line + 1);
      return leaks.length ? { ...f, evidence: leaks.map(evidenceOf) } : f;
    });
  }

  private reindex(): void {
    this.bySite = new Map();
    this.measured = measuredFindings([...this.byReport.values()].flat(), this.root(), (f) => f).results;
    for (const leaks of this.byReport.values()) {
      for (const l of leaks) {
        if (!l.at) continue;
        const key = `${l.at.file}\0${l.at.line}`;
        this.bySite.set(key, [...(this.bySite.get(key) ?? []), l]);
      }
    }
    this.publish();
    this.changed.fire();
  }

  /** measured-leak diagnostics for the sites no static diagnostic covers (re-run after each static publish). */
  publish(only?: vscode.Uri): void {
    const results = this.measured;
    const files = new Set(results.map((r) => r.file));
    if (!only) this.collection.forEach((uri) => void (files.has(uri.fsPath) || this.collection.delete(uri)));
    for (const r of results) {
      const uri = vscode.Uri.file(r.file);
      if (only && uri.toString() !== only.toString()) continue;
      const covered = this.staticFindingLines(uri);
      const own = r.findings.filter((f) => !covered.has(f.location.startPoint.line + 1));
      if (own.length)
        this.collection.set(
          uri,
          own.map((f) => toDiagnostic(f, uri)),
        );
      else this.collection.delete(uri);
    }
  }

  /** `leaklens.leakReports`: globs relative to each workspace folder, loaded now and watched. */
  async watch(globs: string[]): Promise<void> {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    const found: string[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const glob of globs) {
        const pattern = new vscode.RelativePattern(folder, glob);
        const w = vscode.workspace.createFileSystemWatcher(pattern);
        w.onDidChange((u) => this.load([u.fsPath]));
        w.onDidCreate((u) => this.load([u.fsPath]));
        w.onDidDelete((u) => this.remove(u.fsPath));
        this.watchers.push(w);
        found.push(...(await vscode.workspace.findFiles(pattern)).map((u) => u.fsPath));
      }
    }
    if (found.length) this.load(found);
  }

  dispose(): void {
    for (const w of this.watchers) w.dispose();
    this.collection.dispose();
    this.changed.dispose();
  }
}

export function registerLeakReports(
  context: vscode.ExtensionContext,
  staticFindingLines: (uri: vscode.Uri) => Set<number>,
  log: (m: string) => void,
): LeakReports {
  const reports = new LeakReports(staticFindingLines, log);
  // What the last profile or debug session measured counts like an imported report.
  context.subscriptions.push(getShared(context).reportSaved.event((path) => reports.useLatestMeasurement(path)));
  const globs = () => vscode.workspace.getConfiguration('leaklens').get<string[]>('leakReports', []);
  void reports.watch(globs());
  context.subscriptions.push(
    reports,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('leaklens.leakReports')) void reports.watch(globs());
    }),
    vscode.commands.registerCommand('leaklens.importLeakReport', async (paths?: string[]) => {
      let files = paths;
      if (!files?.length) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: true,
          openLabel: 'Import',
          title: 'LeakLens: Import leak report (LeakSanitizer log, Valgrind --xml=yes, LeakLens report.json)',
        });
        files = picked?.map((u) => u.fsPath);
      }
      if (!files?.length) return undefined;
      const r = reports.load(files);
      if (r.errors.length) void vscode.window.showErrorMessage(`LeakLens: ${r.errors.join('; ')}`);
      else if (!paths?.length)
        void vscode.window.showInformationMessage(
          `LeakLens: imported ${r.leaks} measured leak${r.leaks === 1 ? '' : 's'}.`,
        );
      return r;
    }),
  );
  return reports;
}
