// "LeakLens: Profile memory" (the active Python file, a launch.json configuration, a command line,
// or a running process), "LeakLens: Stop profiling", "LeakLens: Open memory report" (a quick pick of
// the recent reports), "LeakLens: Compare memory reports". The profiler itself is src/profile
// (ProfileSession); this file turns its events into a progress notification, the line overlay, the
// live "Memory timeline" panel and the end-of-run notification (a LEAK is a warning with its next step).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import {
  defaultPython,
  ProfileError,
  ProfileSession,
  parsePythonCommand,
  readReport,
  readTimeline,
  summaryText,
  type LineGrowth,
  type ProfileMode,
  type Report,
  type Sample,
} from '../../profile';
import { CompareError, compareReports, formatComparison, loadReportFrom, type Comparison } from '../../profile/compare';
import {
  fmtBytes,
  fmtElapsed,
  fmtSigned,
  lineLabel,
  sparkline,
  splitCommandLine,
  substituteVariables,
  typesAllocatedOn,
  typesMarkdown,
  type GrowingType,
} from './format';
import type { OverlayLine } from './overlay';
import {
  RERUN_EXACT,
  SHOW_LINES,
  cumulativeRows,
  endOfRunNotice,
  estimateMark,
  grownBy,
  listRecentReports,
  readRecentReport,
  recentReportItem,
  sourceLines,
  visibleLines,
  type RecentReport,
} from './report-ui';
import { getShared, type MemoryShared } from './shared';
import { openLine } from './timeline-panel';

/** Arguments of `leaklens.profileMemory` when called programmatically (tests, keybindings). */
export interface ProfileArgs {
  target?: 'file' | 'launch' | 'command' | 'pid';
  /** target 'file': the Python file (default: the active editor's). */
  file?: string;
  /** target 'launch': the configuration's name. */
  launch?: string;
  /** target 'command': a command line (shell-like quoting) or argv. */
  commandLine?: string | string[];
  /** target 'pid'. */
  pid?: number;
  cwd?: string;
  durationS?: number;
  mode?: ProfileMode;
  exact?: boolean;
  intervalMs?: number;
  /** Open the timeline panel (default: setting leaklens.profile.openTimeline). */
  showTimeline?: boolean;
}

export interface ProfileResult {
  reportPath: string;
  outDir: string;
  report: Report;
  mode: string;
}

interface Target {
  name: string;
  command?: string[];
  pid?: number;
  cwd?: string;
  env?: Record<string, string>;
}

const MAX_OVERLAY_LINES = 50;
const COMPARE_SCHEME = 'leaklens-compare';

/** What the end-of-run notification said and offered (the state command reports it to tests). */
interface Notice {
  severity: 'warning' | 'information';
  message: string;
  actions: string[];
  report: string;
}

export function registerProfiling(context: vscode.ExtensionContext): void {
  const shared = getShared(context);
  let running: { session: ProfileSession; name: string } | undefined;
  let lastReport: string | undefined;
  let lastOverlayLines = 0;
  let lastHiddenLines = 0;
  let lastNotice: Notice | undefined;
  let lastPicker: { title: string; items: { label: string; description?: string; detail?: string }[] } | undefined;
  let lastCompare: { uri: string; outcome: Comparison['outcome']; before: string; after: string } | undefined;

  // The last run (or opened report): its lines and their growth over time — what a time window on
  // the chart re-attributes, what the threshold setting re-filters, what "Show lines" reveals, and
  // what "Re-run with exact attribution" runs again.
  let lastRun:
    | {
        lines: readonly LineGrowth[];
        history: Map<string, { tS: number; bytes: number }[]>;
        title: string;
        report: Report;
        reportPath: string;
        estimate: boolean;
        cap?: (t: number) => number | undefined;
        rerun?: { target: Target; args: ProfileArgs; mode: string };
      }
    | undefined;
  let timeWindow: { from: number; to: number } | undefined;

  const overlayOpts = (estimate: boolean, cap?: (t: number) => number | undefined): ShowOptions => ({
    thresholdBytes: Math.max(
      0,
      vscode.workspace.getConfiguration('leaklens.profile').get<number>('overlayMinGrowthMB', 1) * 1024 * 1024,
    ),
    estimate,
    cap,
  });
  const redraw = () => {
    if (!lastRun || running) return;
    const w = timeWindow;
    shared.overlay.clear('profile');
    const lines = w ? linesInWindow(lastRun.lines, lastRun.history, w.from, w.to) : lastRun.lines;
    const title = w ? `${lastRun.title} · ${fmtElapsed(w.from)}–${fmtElapsed(w.to)}` : lastRun.title;
    ({ shown: lastOverlayLines, hidden: lastHiddenLines } = showLines(
      shared,
      lines,
      lastRun.history,
      'profile',
      title,
      { ...overlayOpts(lastRun.estimate, lastRun.cap), types: lastRun.report.types },
    ));
  };
  context.subscriptions.push(
    shared.timeline.onDidSelectWindow((w) => {
      if (!lastRun || running) return;
      timeWindow = w;
      redraw();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('leaklens.profile.overlayMinGrowthMB')) redraw();
    }),
    // Internal (tests, keybindings): zoom the chart to a window, as a drag does.
    vscode.commands.registerCommand('leaklens.timelineWindow', (from?: number, to?: number) =>
      shared.timeline.selectWindow(from, to),
    ),
  );

  shared.state.set('profile', () => ({
    window: timeWindow,
    running: running ? { name: running.name, pid: running.session.pid, elapsedS: running.session.elapsedS } : undefined,
    lastReport,
    overlayLines: lastOverlayLines,
    hiddenLines: lastHiddenLines,
    notification: lastNotice,
    picker: lastPicker,
    compare: lastCompare,
  }));

  async function profile(args: ProfileArgs = {}): Promise<ProfileResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      // Restricted Mode: nothing from the workspace may run. The static analysis goes on meanwhile.
      void vscode.window
        .showWarningMessage(
          'LeakLens: Profile memory runs the program, so it waits until you trust this workspace. Static diagnostics and quick fixes work meanwhile.',
          'Manage Workspace Trust',
        )
        .then((pick) => {
          if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
        });
      return undefined;
    }
    if (running) {
      const pick = await vscode.window.showWarningMessage(`LeakLens is already profiling ${running.name}.`, 'Stop it');
      if (pick) await running.session.stop('cancelled');
      return undefined;
    }
    let target: Target | undefined;
    try {
      target = await chooseTarget(args);
    } catch (e) {
      void vscode.window.showErrorMessage(`LeakLens: ${(e as Error).message}`);
      return undefined;
    }
    if (!target) return undefined;
    return run(target, args);
  }

  async function run(target: Target, args: ProfileArgs): Promise<ProfileResult | undefined> {
    const cfg = vscode.workspace.getConfiguration('leaklens.profile');
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    const root = folder?.uri.fsPath ?? context.globalStorageUri.fsPath;
    const outBase = resolve(root, cfg.get<string>('outputDirectory') || '.leaklens-profile');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const exact = args.exact ?? cfg.get<boolean>('exact', false);
    const outDir = join(outBase, `${stamp}-${target.name.replace(/[^\w.-]+/g, '_').slice(0, 40)}`);
    const session = new ProfileSession({
      command: target.command,
      pid: target.pid,
      cwd: target.cwd ?? folder?.uri.fsPath,
      env: target.env,
      outDir,
      intervalMs: args.intervalMs ?? cfg.get<number>('intervalMs', 200),
      durationS: args.durationS ?? cfg.get<number>('durationSeconds', 0),
      mode: args.mode ?? cfg.get<ProfileMode>('mode', 'auto'),
      exact,
      python: cfg.get<string>('python') || undefined,
      root: folder?.uri.fsPath,
      verdict: {
        siteThresholdPct: cfg.get<number>('siteThresholdPct', 2),
        siteConsecutive: cfg.get<number>('siteConsecutive', 3),
      },
    });
    const out = shared.output;
    out.appendLine(
      `--- Profile memory: ${target.command ? target.command.join(' ') : `PID ${target.pid}`} -> ${outDir}`,
    );
    const history = new Map<string, { tS: number; bytes: number }[]>();
    session.on('output', (chunk) => out.append(chunk.toString()));
    session.on('note', (m) => out.appendLine(`[leaklens] ${m}`));
    session.on('sample', (s: Sample) => shared.timeline.push(s));
    session.on('lines', (lines: LineGrowth[]) => {
      // Live updates only: a late event after the run ended would put an older attribution over the
      // final one (seen: the overlay said +45.9 MB while the report said +55.2 MB).
      if (running?.session !== session) return;
      const tS = session.elapsedS;
      for (const l of lines) {
        const k = `${l.file}:${l.line}`;
        const h = history.get(k) ?? [];
        h.push({ tS, bytes: l.growthBytes });
        history.set(k, h);
      }
      showLines(shared, lines, history, 'profile', target.name, overlayOpts(session.mode === 'python' && !exact));
    });
    const rss: { t: number; y: number }[] = [];
    session.on('sample', (s: Sample) => rss.push({ t: s.elapsedS, y: s.totalRssBytes }));
    try {
      await session.start();
    } catch (e) {
      const msg = e instanceof ProfileError ? e.message : String(e);
      out.appendLine(`[leaklens] cannot start: ${msg}`);
      void vscode.window.showErrorMessage(`LeakLens: ${msg}`);
      return undefined;
    }
    running = { session, name: target.name };
    shared.overlay.clear('profile');
    shared.timeline.reset(target.name, [], [], true);
    if (args.showTimeline ?? cfg.get<boolean>('openTimeline', true)) shared.timeline.show(true);
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `LeakLens: profiling ${target.name}`,
        cancellable: true,
      },
      async (progress, token) => {
        token.onCancellationRequested(() => void session.stop('cancelled'));
        let lastReport = 0;
        const onSample = (s: Sample) => {
          if (Date.now() - lastReport < 400) return;
          lastReport = Date.now();
          progress.report({
            message: `${fmtElapsed(s.elapsedS)} · RSS ${fmtBytes(s.totalRssBytes)}${s.processes.length > 1 ? ` in ${s.processes.length} processes` : ''} (${session.mode})`,
          });
        };
        session.on('sample', onSample);
        progress.report({ message: `starting (${session.mode})…` });
        try {
          return await session.done;
        } finally {
          session.off('sample', onSample);
        }
      },
    );
    running = undefined;
    lastReport = session.files.report;
    shared.reportSaved.fire(session.files.report);
    shared.timeline.setLive(false);
    const heap = (report.heap?.series ?? [])
      .filter((p) => typeof p[1] === 'number')
      .map((p) => ({ t: p[0], y: p[1] as number }));
    const estimate = report.linesBy === 'sampling';
    lastRun = {
      lines: report.lines,
      history,
      title: target.name,
      report,
      reportPath: session.files.report,
      estimate,
      // Sampled live rows are rate × time so far: cap them at what the program had grown by then.
      cap: estimate ? grownBy(rss, heap) : undefined,
      rerun: target.command ? { target, args, mode: session.mode } : undefined,
    };
    timeWindow = undefined;
    redraw();
    shared.timeline.setReport(report);
    out.appendLine(
      `[leaklens] ${report.verdict}: baseline ${fmtBytes(report.baselineRssBytes)}, peak ${fmtBytes(report.peakRssBytes)}, final ${fmtBytes(report.finalRssBytes)}, trend ${fmtSigned(report.growthBytesPerSecond)}/s; ${report.lines.length} line(s) grew. Report: ${session.files.report}`,
    );
    for (const n of report.notes) out.appendLine(`[leaklens] ${n}`);
    const notice = endOfRunNotice(report, {
      mode: session.mode,
      exact,
      pythonCommand: !!target.command && parsePythonCommand(target.command) !== undefined,
    });
    if (!notice.rerunExact && lastRun.rerun) lastRun.rerun = undefined;
    const noLine = notice.rerunExact
      ? ' No line was named: the tracing windows caught none of the allocations that stay.'
      : '';
    const message = summaryText(report, target.name) + noLine;
    lastNotice = { severity: notice.severity, message, actions: notice.actions, report: session.files.report };
    const shown =
      notice.severity === 'warning'
        ? vscode.window.showWarningMessage(message, ...notice.actions)
        : vscode.window.showInformationMessage(message, ...notice.actions);
    void shown.then((pick) => {
      if (pick === SHOW_LINES) void showLeakLines();
      else if (pick === RERUN_EXACT) void rerunExact();
      else if (pick === 'Show timeline') shared.timeline.show(false);
      else if (pick === 'Open report') void vscode.window.showTextDocument(vscode.Uri.file(session.files.report));
      else if (pick === 'Show output') out.show(true);
    });
    return { reportPath: session.files.report, outDir: session.outDir, report, mode: session.mode };
  }

  /** The folders reports go to: the output directory of each workspace folder, and the fallback. */
  function reportFolders(): string[] {
    const out =
      vscode.workspace.getConfiguration('leaklens.profile').get<string>('outputDirectory') || '.leaklens-profile';
    const roots = (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === 'file')
      .map((f) => f.uri.fsPath);
    const dirs = [...roots, context.globalStorageUri.fsPath].map((r) => resolve(r, out));
    if (lastReport) dirs.push(dirname(dirname(lastReport)));
    return [...new Set(dirs)];
  }

  type PickItem = vscode.QuickPickItem & { report?: RecentReport; action?: 'browse' | 'compare' };
  const COMPARE_BUTTON: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('diff'),
    tooltip: 'Compare with…',
  };

  /**
   * A quick pick of the recent reports, newest first. Resolves with the chosen report, an action, or
   * (a report's "Compare with…" button) { compare: report }.
   */
  function pickReport(
    title: string,
    reports: RecentReport[],
    extra: PickItem[],
    withCompare: boolean,
  ): Promise<PickItem | { compare: RecentReport } | undefined> {
    const items: PickItem[] = reports.map((r) => ({
      ...recentReportItem(r),
      report: r,
      buttons: withCompare ? [COMPARE_BUTTON] : [],
    }));
    if (extra.length) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, ...extra);
    lastPicker = {
      title,
      items: items
        .filter((i) => i.kind !== vscode.QuickPickItemKind.Separator)
        .map((i) => ({ label: i.label, description: i.description, detail: i.detail })),
    };
    const qp = vscode.window.createQuickPick<PickItem>();
    qp.title = title;
    qp.placeholder = reports.length
      ? 'Recent memory reports, newest first'
      : `No reports yet in ${reportFolders()[0] ?? '.leaklens-profile'}`;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.items = items;
    return new Promise((done) => {
      let result: PickItem | { compare: RecentReport } | undefined;
      qp.onDidAccept(() => {
        result = qp.selectedItems[0];
        qp.hide();
      });
      qp.onDidTriggerItemButton((e) => {
        if (e.item.report) result = { compare: e.item.report };
        qp.hide();
      });
      qp.onDidHide(() => {
        qp.dispose();
        lastPicker = undefined;
        done(result);
      });
      qp.show();
    });
  }

  async function openReport(arg?: string | vscode.Uri): Promise<Report | Comparison | undefined> {
    let path = typeof arg === 'string' ? arg : arg?.fsPath;
    if (!path) {
      const pick = await pickReport(
        'LeakLens: Open memory report',
        listRecentReports(reportFolders()),
        [
          { label: '$(diff) Compare two reports…', description: 'before/after table of two runs', action: 'compare' },
          { label: '$(folder-opened) Browse…', description: 'a report.json anywhere', action: 'browse' },
        ],
        true,
      );
      if (!pick) return undefined;
      if ('compare' in pick) return compare(pick.compare.path);
      if (pick.action === 'compare') return compare();
      if (pick.report) path = pick.report.path;
      else {
        const folder = vscode.workspace.workspaceFolders?.[0];
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'LeakLens report': ['json'] },
          defaultUri: folder ? vscode.Uri.joinPath(folder.uri, '.leaklens-profile') : undefined,
          openLabel: 'Open memory report',
        });
        path = picked?.[0]?.fsPath;
        if (!path) return undefined;
      }
    }
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'report.json');
    let report: Report;
    try {
      report = readReport(path);
    } catch (e) {
      void vscode.window.showErrorMessage(`LeakLens: ${(e as Error).message}`);
      return undefined;
    }
    const dir = dirname(path);
    const samples = existsSync(join(dir, 'timeline.jsonl')) ? await readTimeline(join(dir, 'timeline.jsonl')) : [];
    const markers = readMarkers(join(dir, 'stops.json'));
    const title = `${basename(dir)} (saved)`;
    lastRun = {
      lines: report.lines,
      history: new Map(),
      title,
      report,
      reportPath: path,
      estimate: report.linesBy === 'sampling',
    };
    timeWindow = undefined;
    redraw();
    shared.timeline.reset(title, samples, markers, false);
    shared.timeline.setReport(report);
    shared.timeline.show(true);
    lastReport = path;
    shared.reportSaved.fire(path);
    const opened = path;
    void vscode.window
      .showInformationMessage(
        `LeakLens: report ${basename(dir)} — ${report.verdict}, peak ${fmtBytes(report.peakRssBytes)}, ${report.lines.length} line(s) grew.`,
        'Compare with…',
      )
      .then((pick) => {
        if (pick) void compare(opened);
      });
    return report;
  }

  /**
   * Seed 001's before/after table of two reports, in a read-only document. A report left out is
   * picked from the recent ones; two runs picked here are ordered by date (the older is BEFORE).
   */
  async function compare(before?: string, after?: string): Promise<Comparison | undefined> {
    const recent = listRecentReports(reportFolders());
    const picked = !before || !after;
    if (!before) {
      const pick = await pickReport('LeakLens: Compare memory reports — the first run', recent, [], false);
      if (!pick || !('report' in pick) || !pick.report) return undefined;
      before = pick.report.path;
    }
    if (!after) {
      const first = resolve(before);
      const others = recent.filter((r) => resolve(r.path) !== first && resolve(r.dir) !== first);
      const pick = await pickReport(`LeakLens: Compare ${shortName(before)} with…`, others, [], false);
      if (!pick || !('report' in pick) || !pick.report) return undefined;
      after = pick.report.path;
    }
    if (picked) {
      const date = (p: string) => {
        const r = readRecentReport(existsSync(p) && statSync(p).isDirectory() ? p : dirname(p));
        return r?.date.getTime() ?? 0;
      };
      if (date(before) > date(after)) [before, after] = [after, before];
    }
    let c: Comparison;
    try {
      c = compareReports(loadReportFrom(before, 'BEFORE'), loadReportFrom(after, 'AFTER'));
    } catch (e) {
      void vscode.window.showErrorMessage(`LeakLens: ${e instanceof CompareError ? e.message : String(e)}`);
      return undefined;
    }
    const uri = vscode.Uri.from({
      scheme: COMPARE_SCHEME,
      path: `/${shortName(before)} → ${shortName(after)}.txt`,
      query: new URLSearchParams({ before: c.before.report, after: c.after.report }).toString(),
    });
    compareDocs.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    lastCompare = { uri: uri.toString(), outcome: c.outcome, before: c.before.report, after: c.after.report };
    return c;
  }

  /** "Show lines": the top growing line of the last run or report, else the report itself. */
  async function showLeakLines(): Promise<{ file: string; line: number } | { report: string } | undefined> {
    if (!lastRun) return undefined;
    const top = lastRun.lines.find((l) => l.growthBytes > 0 && existsSync(l.file));
    if (!top) {
      await vscode.window.showTextDocument(vscode.Uri.file(lastRun.reportPath));
      return { report: lastRun.reportPath };
    }
    await openLine(top.file, top.line);
    return { file: top.file, line: top.line };
  }

  /** "Re-run with exact attribution": the same target and options, tracemalloc all along. */
  async function rerunExact(): Promise<ProfileResult | undefined> {
    const again = lastRun?.rerun;
    if (!again) {
      void vscode.window.showInformationMessage('LeakLens: there is no Python run to repeat with exact attribution.');
      return undefined;
    }
    if (running) return profile(again.args);
    return run(again.target, { ...again.args, exact: true, mode: again.mode === 'rss' ? 'python' : again.args.mode });
  }

  const compareDocs = new vscode.EventEmitter<vscode.Uri>();

  context.subscriptions.push(
    { dispose: () => void running?.session.stop('cancelled') },
    vscode.commands.registerCommand('leaklens.profileMemory', (args?: ProfileArgs) =>
      profile(args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : fileArgs(args)),
    ),
    vscode.commands.registerCommand('leaklens.stopProfiling', async () => {
      if (!running) return undefined;
      return running.session.stop('cancelled');
    }),
    vscode.commands.registerCommand('leaklens.openMemoryReport', (arg?: string | vscode.Uri) => openReport(arg)),
    vscode.commands.registerCommand('leaklens.compareMemoryReports', (before?: string | vscode.Uri, after?: string) =>
      compare(before instanceof vscode.Uri ? before.fsPath : before, after),
    ),
    // The end-of-run notification's buttons, also callable (tests, keybindings).
    vscode.commands.registerCommand('leaklens.showLeakLines', () => showLeakLines()),
    vscode.commands.registerCommand('leaklens.rerunProfileExact', () => rerunExact()),
    compareDocs,
    vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, {
      onDidChange: compareDocs.event,
      provideTextDocumentContent(uri) {
        const q = new URLSearchParams(uri.query);
        try {
          return formatComparison(
            compareReports(
              loadReportFrom(q.get('before') ?? '', 'BEFORE'),
              loadReportFrom(q.get('after') ?? '', 'AFTER'),
            ),
          );
        } catch (e) {
          return `LeakLens compare: ${(e as Error).message}\n`;
        }
      },
    }),
  );
}

/** "2026-11-30T16-33-46-app.py" for …/2026-11-30T16-33-46-app.py/report.json. */
function shortName(p: string): string {
  return basename(p) === 'report.json' ? basename(dirname(p)) : basename(p);
}

/** From the explorer context menu the command gets the file's Uri. */
function fileArgs(arg: unknown): ProfileArgs {
  return arg instanceof vscode.Uri ? { target: 'file', file: arg.fsPath } : {};
}

function readMarkers(path: string): { tS: number; label: string }[] {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as {
      stops?: { elapsedS: number; file?: string; line?: number }[];
    };
    return (j.stops ?? []).map((s) => ({ tS: s.elapsedS, label: s.file ? `${basename(s.file)}:${s.line}` : 'stop' }));
  } catch {
    return [];
  }
}

export interface ShowOptions {
  /** Lines that grew less are not drawn (setting leaklens.profile.overlayMinGrowthMB). */
  thresholdBytes: number;
  /** The figures are estimates from sampling windows: marked "≈". */
  estimate: boolean;
  /** What the program had grown by at a time: caps the hover's cumulative rows. */
  cap?: (t: number) => number | undefined;
  /** The run's growing types: a line that makes objects of one shows it in its hover. */
  types?: readonly GrowingType[];
}

/** Puts report lines on the overlay; returns how many are shown and how many fell below the threshold. */
export function showLines(
  shared: MemoryShared,
  lines: readonly LineGrowth[],
  history: Map<string, { tS: number; bytes: number }[]>,
  layer: string,
  title: string,
  opts: ShowOptions,
): { shown: number; hidden: number } {
  const { shown: top, hidden } = visibleLines(lines, opts.thresholdBytes, MAX_OVERLAY_LINES);
  const est = estimateMark(opts.estimate);
  const text = sourceLines();
  const overlay: OverlayLine[] = top.map((l) => {
    const made = opts.types?.length ? typesAllocatedOn(text(l.file)[l.line - 1] ?? '', opts.types) : [];
    const h = cumulativeRows(history.get(`${l.file}:${l.line}`) ?? [], opts.cap);
    const rows =
      h.length > 1
        ? thin(h, 8)
            .map((p) => `| ${fmtElapsed(p.tS)} | ${p.capped ? '≤ ' : est}${fmtSigned(p.bytes)} |`)
            .join('\n')
        : '';
    const hover = [
      `**LeakLens memory profile** · ${title}`,
      '',
      `\`${basename(l.file)}:${l.line}\` grew **${est}${fmtSigned(l.growthBytes)}**${l.growthCount ? ` (${est}${l.growthCount.toLocaleString('en-US')} block${l.growthCount === 1 ? '' : 's'})` : ''} at **${est}${fmtBytes(l.bytesPerSecond)}/s**.`,
      ...(opts.estimate
        ? [
            '',
            '≈ estimated from tracing windows that cover part of the run; exact attribution (setting `leaklens.profile.exact`) measures every allocation.',
          ]
        : []),
      ...(h.length > 1
        ? [
            '',
            `Growth over time: \`${sparkline(h.map((p) => p.bytes))}\``,
            '',
            '| time | grown since start |',
            '| ---: | ---: |',
            rows,
            ...(h.some((p) => p.capped) ? ['', '≤: capped at what the program had grown by then.'] : []),
          ]
        : []),
      ...(made.length ? ['', ...typesMarkdown('**Growing types made on this line** (gc censuses):', made)] : []),
      '',
      '[Show memory timeline](command:leaklens.showMemoryTimeline)',
    ].join('\n');
    return {
      file: l.file,
      line: l.line,
      label: est + lineLabel(l.growthBytes, l.bytesPerSecond),
      weight: l.growthBytes,
      hover,
    };
  });
  shared.overlay.set(layer, overlay);
  return { shown: overlay.length, hidden };
}

function thin<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (n - 1))]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Choosing what to profile

async function chooseTarget(args: ProfileArgs): Promise<Target | undefined> {
  let kind = args.target;
  if (!kind) {
    const active = activePythonFile();
    const items: (vscode.QuickPickItem & { target: NonNullable<ProfileArgs['target']> })[] = [];
    if (active)
      items.push({
        target: 'file',
        label: '$(file-code) Active Python file',
        description: vscode.workspace.asRelativePath(active),
      });
    items.push(
      {
        target: 'launch',
        label: '$(debug-alt) Launch configuration…',
        description: 'program, args, cwd and env from launch.json',
      },
      { target: 'command', label: '$(terminal) Command line…', description: 'a command to run and profile' },
      { target: 'pid', label: '$(server-process) Running process…', description: 'attach: RSS timeline only' },
    );
    const pick = await vscode.window.showQuickPick(items, {
      title: 'LeakLens: Profile memory',
      placeHolder: 'What should be profiled?',
    });
    if (!pick) return undefined;
    kind = pick.target;
  }
  switch (kind) {
    case 'file': {
      const file = args.file ?? activePythonFile();
      if (!file) throw new Error('no Python file is open: open one, or choose a command line');
      return { name: basename(file), command: [file], cwd: args.cwd ?? dirname(file) };
    }
    case 'launch':
      return launchTarget(args.launch);
    case 'command': {
      let argv: string[] | undefined;
      if (Array.isArray(args.commandLine)) argv = args.commandLine;
      else {
        const line =
          args.commandLine ??
          (await vscode.window.showInputBox({
            title: 'LeakLens: Profile memory',
            prompt: 'Command line to run (quotes like a shell; no pipes or variables)',
            placeHolder: 'python3 worker.py --jobs 4',
            validateInput: (v) => {
              try {
                return splitCommandLine(v).length ? undefined : 'type a command';
              } catch (e) {
                return (e as Error).message;
              }
            },
          }));
        if (line === undefined) return undefined;
        argv = splitCommandLine(line);
      }
      if (!argv.length) throw new Error('empty command line');
      return {
        name: basename(argv[0]) + (argv.length > 1 && argv[1].endsWith('.py') ? ` ${basename(argv[1])}` : ''),
        command: argv,
        cwd: args.cwd,
      };
    }
    case 'pid': {
      const pid = args.pid ?? (await pickProcess());
      if (pid === undefined) return undefined;
      return { name: `PID ${pid}`, pid };
    }
  }
  return undefined;
}

function activePythonFile(): string | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.uri.scheme === 'file' && (doc.languageId === 'python' || extname(doc.fileName) === '.py'))
    return doc.uri.fsPath;
  return undefined;
}

interface LaunchConfig {
  name?: string;
  type?: string;
  request?: string;
  program?: string;
  module?: string;
  args?: string[] | string;
  cwd?: string;
  env?: Record<string, string | null>;
  python?: string | string[];
  pythonPath?: string;
}

async function launchTarget(name?: string): Promise<Target | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const all: { folder?: vscode.WorkspaceFolder; config: LaunchConfig }[] = [];
  for (const folder of folders) {
    for (const config of vscode.workspace
      .getConfiguration('launch', folder.uri)
      .get<LaunchConfig[]>('configurations') ?? [])
      all.push({ folder, config });
  }
  const usable = all.filter(
    (c) =>
      c.config.request !== 'attach' && (typeof c.config.program === 'string' || typeof c.config.module === 'string'),
  );
  if (!usable.length) throw new Error('no launch configuration with a "program" in .vscode/launch.json');
  let chosen = name ? usable.find((c) => c.config.name === name) : undefined;
  if (name && !chosen) throw new Error(`no launch configuration named "${name}" with a "program"`);
  if (!chosen) {
    const pick = await vscode.window.showQuickPick(
      usable.map((c) => ({
        label: c.config.name ?? '(unnamed)',
        description: `${c.config.type ?? ''} · ${c.config.program ?? `-m ${c.config.module}`}`,
        c,
      })),
      { title: 'LeakLens: Profile memory — launch configuration' },
    );
    if (!pick) return undefined;
    chosen = pick.c;
  }
  const { folder, config } = chosen;
  const editor = vscode.window.activeTextEditor?.document;
  const vars: Record<string, string | undefined> = {
    workspaceFolder: folder?.uri.fsPath,
    workspaceRoot: folder?.uri.fsPath,
    workspaceFolderBasename: folder ? basename(folder.uri.fsPath) : undefined,
    file: editor?.uri.fsPath,
    fileDirname: editor ? dirname(editor.uri.fsPath) : undefined,
    fileBasename: editor ? basename(editor.uri.fsPath) : undefined,
    fileBasenameNoExtension: editor ? basename(editor.uri.fsPath, extname(editor.uri.fsPath)) : undefined,
    cwd: folder?.uri.fsPath,
    userHome: process.env.HOME,
    pathSeparator: '/',
  };
  const sub = (v: string, what: string) => {
    const r = substituteVariables(v, vars, process.env);
    if (r === undefined)
      throw new Error(
        `launch configuration "${config.name}": cannot resolve ${what} "${v}" (only \${workspaceFolder}, \${file}, \${env:…} and similar are supported)`,
      );
    return r;
  };
  const cwd = config.cwd ? sub(config.cwd, 'cwd') : folder?.uri.fsPath;
  const rawArgs = typeof config.args === 'string' ? splitCommandLine(config.args) : (config.args ?? []);
  const args = rawArgs.map((a) => sub(String(a), 'argument'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.env ?? {})) if (v !== null) env[k] = sub(String(v), `env ${k}`);
  let command: string[];
  const python = Array.isArray(config.python)
    ? config.python
    : config.python
      ? [config.python]
      : config.pythonPath
        ? [config.pythonPath]
        : undefined;
  if (config.module) {
    command = [...(python ?? defaultPython({ cwd })), '-m', config.module, ...args];
  } else {
    let program = sub(config.program!, 'program');
    if (!isAbsolute(program) && cwd) program = resolve(cwd, program);
    command = program.endsWith('.py') && python ? [...python, program, ...args] : [program, ...args];
  }
  return { name: config.name ?? basename(command[0]), command, cwd, env };
}

async function pickProcess(): Promise<number | undefined> {
  const uid = process.getuid?.();
  const items: (vscode.QuickPickItem & { pid: number; rss: number })[] = [];
  const page = 4096;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (uid !== undefined && statSync(`/proc/${pid}`).uid !== uid) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!cmd.length) continue; // kernel thread
      const rss = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * page;
      items.push({
        pid,
        rss,
        label: `${basename(cmd[0])}  (${pid})`,
        description: fmtBytes(rss),
        detail: cmd.join(' ').slice(0, 200),
      });
    } catch {
      // gone meanwhile, or not readable
    }
  }
  items.sort((a, b) => b.rss - a.rss);
  const pick = await vscode.window.showQuickPick(items, {
    title: 'LeakLens: Profile memory — running process',
    placeHolder: 'Your processes, largest first (RSS timeline only)',
    matchOnDetail: true,
  });
  return pick?.pid;
}

/**
 * Each line's growth within [from, to] from its growth over time (cumulative bytes at each snapshot):
 * the value at `to` minus the value at `from`. Lines without a history keep nothing; the lines that
 * did not grow in the window drop out.
 */
export function linesInWindow(
  lines: readonly LineGrowth[],
  history: Map<string, { tS: number; bytes: number }[]>,
  from: number,
  to: number,
): LineGrowth[] {
  // Snapshots are sparse (sampling windows): between two, growth is taken as linear; before the
  // first, from nothing at the start of the run; after the last, as it was.
  const at = (h: { tS: number; bytes: number }[], t: number) => {
    let prev = { tS: 0, bytes: 0 };
    for (const p of h) {
      if (p.tS >= t) {
        const span = p.tS - prev.tS;
        return span > 0 ? prev.bytes + ((p.bytes - prev.bytes) * (t - prev.tS)) / span : p.bytes;
      }
      prev = p;
    }
    return prev.bytes;
  };
  return lines
    .map((l) => {
      const h = history.get(`${l.file}:${l.line}`) ?? [];
      const growth = h.length ? at(h, to) - at(h, from) : 0;
      return { ...l, growthBytes: growth, growthCount: 0, bytesPerSecond: growth / Math.max(1e-3, to - from) };
    })
    .filter((l) => l.growthBytes > 0)
    .sort((a, b) => b.growthBytes - a.growthBytes);
}
