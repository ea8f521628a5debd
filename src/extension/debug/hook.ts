// The debug-session hook: for every debug session (any debugger), a DebugAdapterTracker that only
// READS the DAP messages going by. It takes the debuggee's PID (DAP `process` event, an attach
// configuration's processId, or js-debug's "name [pid]" child sessions), samples its RSS (and its
// children's) with the profiler's TreeSampler, shows RSS and trend in the status bar, records RSS
// and the top frame at every stop (from the stackTrace response VS Code asks for anyway), shows
// growth per hit on lines hit repeatedly, follows the session in the Memory timeline, and saves the
// session as a profile report when it ends. All work happens off the message path (setImmediate) except one /proc read at stops and resumes.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { buildReport, type LineGrowth, type Report, type Sample } from '../../profile';
import { makeReportDir } from '../../profile/outdir';
import { ProcessTable } from '../../profile/report';
import { TreeSampler } from '../../profile/sampler';
import { theilSen } from '../../profile/stats';
import { JsonlWriter, writeCsvFromJsonl } from '../../profile/timeline';
import { fmtBytes, fmtSigned, fmtElapsed } from '../profile/format';
import type { OverlayLine } from '../profile/overlay';
import { getShared, type MemoryShared } from '../profile/shared';
import { HitTracker, pidFromSessionName, type LocationStats } from './hits';
import { AllocationTracker } from './tracemalloc';

const RESUME = new Set([
  'continue',
  'next',
  'stepIn',
  'stepOut',
  'stepBack',
  'reverseContinue',
  'goto',
  'restartFrame',
]);
const PAGE = 4096;
/** Times the hook asks for a stop's top frame again when the adapter's answer names no file yet. */
const STACK_RETRIES = 4;

interface DapMessage {
  type: 'request' | 'response' | 'event';
  seq: number;
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  arguments?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

interface StackFrame {
  id: number;
  line: number;
  source?: { path?: string; name?: string; sourceReference?: number };
}

export interface DebugSessionState {
  id: string;
  name: string;
  type: string;
  pid?: number;
  pidSource?: string;
  samples: number;
  stops: { elapsedS: number; reason: string; rssBytes: number; stretchBytes: number; file?: string; line?: number }[];
  locations: Omit<LocationStats, 'stopIndexes'>[];
  ended: boolean;
  reportPath?: string;
  tracking: boolean;
  allocationLines: { file: string; line: number; growthBytes: number }[];
  /** Time spent in the tracker's synchronous message handlers, ms. */
  handlerMs: { total: number; max: number; count: number };
}

export class MemorySession {
  pid: number | undefined;
  pidSource: string | undefined;
  readonly hits = new HitTracker();
  readonly samples: Sample[] = [];
  ended = false;
  reportPath: string | undefined;
  /** Top frame of the last stop (for `evaluate` in the debuggee). */
  lastFrame: { frameId: number; stopIndex: number } | undefined;
  allocations: AllocationTracker | undefined;
  readonly handler = { total: 0, max: 0, count: 0 };
  private t0 = Date.now();
  private sampler: TreeSampler | undefined;
  private timer: NodeJS.Timeout | undefined;
  private treePids: number[] = [];
  private readonly table = new ProcessTable();
  private timeline: JsonlWriter | undefined;
  private outDir: string | undefined;
  private readonly stackRequests = new Map<
    number,
    { threadId: number; startFrame: number; stopIndex: number | undefined }
  >();
  private awaitingTop: { stopIndex: number; threadId: number | undefined; fallback: NodeJS.Timeout } | undefined;
  private finishing: Promise<void> | undefined;

  constructor(
    readonly session: vscode.DebugSession,
    private readonly hub: DebugHub,
  ) {
    const c = session.configuration;
    if (c.request === 'attach' && c.processId !== undefined && /^\d+$/.test(String(c.processId)))
      this.setPid(Number(c.processId), 'attach configuration processId');
    const fromName = pidFromSessionName(session.name);
    if (fromName && session.parentSession && /node|chrome|msedge|extensionHost/.test(session.type))
      this.setPid(fromName, 'js-debug child session name');
  }

  get elapsedS(): number {
    return (Date.now() - this.t0) / 1000;
  }

  // --- the tracker's handlers: record and return at once -------------------------------------

  willReceive(m: DapMessage): void {
    if (m.type !== 'request' || !m.command) return;
    if (m.command === 'stackTrace') {
      const a = m.arguments as { threadId: number; startFrame?: number };
      // The stop a request is asked in: its answer belongs to that stop only. VS Code re-asks for
      // stacks it already has (views refreshing); such an answer arriving after the next stop must
      // not name that stop's line.
      this.stackRequests.set(m.seq, {
        threadId: a.threadId,
        startFrame: a.startFrame ?? 0,
        stopIndex: this.awaitingTop?.stopIndex,
      });
    } else if (RESUME.has(m.command)) {
      // Read now, synchronously (a few µs per process): the adapter has not seen the request yet,
      // so this is the debuggee's memory at the very end of the pause.
      this.resumed(this.rssNowSync());
    } else if (m.command === 'attach' && !this.pid) {
      const pid = Number((m.arguments as { processId?: unknown })?.processId);
      if (Number.isInteger(pid) && pid > 0) this.setPid(pid, 'attach request processId');
    }
  }

  didSend(m: DapMessage): void {
    if (m.type === 'event') {
      switch (m.event) {
        case 'process': {
          const pid = Number(m.body?.systemProcessId);
          if (Number.isInteger(pid) && pid > 0) this.setPid(pid, 'DAP process event');
          break;
        }
        case 'stopped': {
          // Recorded synchronously (one /proc read per process, a few µs) so that the stackTrace
          // response that follows at once always finds its stop.
          this.stopped(m.body?.threadId as number | undefined, String(m.body?.reason ?? 'stopped'), this.rssNowSync());
          break;
        }
        case 'continued':
          // Resumed by the adapter itself (not by a request VS Code sent), already running: a late reading.
          if (this.hits.stops.length && this.lastFrame) this.resumed(this.rssNowSync());
          break;
        case 'exited':
        case 'terminated':
          setImmediate(() => void this.finish());
          break;
      }
    } else if (m.type === 'response' && m.command === 'stackTrace' && m.request_seq !== undefined) {
      const req = this.stackRequests.get(m.request_seq);
      this.stackRequests.delete(m.request_seq);
      const frames = m.success ? (m.body?.stackFrames as StackFrame[] | undefined) : undefined;
      if (req && req.startFrame === 0 && req.stopIndex !== undefined) {
        const top = frames?.[0];
        const index = req.stopIndex;
        // A failed or empty answer (an adapter still resolving its sources) must not leave the stop
        // without a line: ask again ourselves while the debuggee is still paused.
        if (top) setImmediate(() => this.topFrame(index, req.threadId, top));
        else setImmediate(() => void this.askStack(index, req.threadId, 1));
      }
    }
  }

  // --- off the message path ------------------------------------------------------------------

  setPid(pid: number, source: string): void {
    if (this.pid === pid || this.ended) return;
    this.pid = pid;
    this.pidSource = source;
    this.sampler?.dispose();
    this.sampler = new TreeSampler(pid, this.hub.intervalMs);
    this.t0 = Date.now();
    this.hub.changed(this, true);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.ended) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (!this.sampler || this.ended) return;
    const started = Date.now();
    try {
      const processes = await this.sampler.sample();
      if (processes.length && !this.ended) {
        this.treePids = processes.map((p) => p.pid);
        const t = Date.now();
        const s: Sample = {
          t,
          elapsedS: Math.round(t - this.t0) / 1000,
          totalRssBytes: processes.reduce((a, p) => a + p.rssBytes, 0),
          processes,
        };
        this.samples.push(s);
        for (const p of processes) this.table.add(s.elapsedS, p);
        this.writeTimeline(s);
        this.hub.sample(this, s);
      }
    } catch {
      // a sampling error is not worth disturbing a debug session
    }
    this.schedule(Math.max(0, this.hub.intervalMs - (Date.now() - started)));
  }

  private stopped(threadId: number | undefined, reason: string, rss: number | undefined): void {
    if (rss === undefined) return;
    const index = this.hits.stopped(this.elapsedS, rss, reason);
    if (this.awaitingTop) clearTimeout(this.awaitingTop.fallback);
    // VS Code asks for the stack trace itself; ask ourselves only if it has not after 1.5 s.
    this.awaitingTop = {
      stopIndex: index,
      threadId,
      fallback: setTimeout(() => void this.askStack(index, threadId), 1500),
    };
  }

  private async askStack(index: number, threadId: number | undefined, attempt = 0): Promise<void> {
    if (!this.awaitingTop || this.awaitingTop.stopIndex !== index || threadId === undefined || this.ended) return;
    try {
      const r = (await this.session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as {
        stackFrames?: StackFrame[];
      };
      if (r.stackFrames?.[0]) this.topFrame(index, threadId, r.stackFrames[0], attempt);
      else this.retryStack(index, threadId, attempt);
    } catch {
      // resumed meanwhile, or the adapter was not ready: try a few more times while the stop is current
      this.retryStack(index, threadId, attempt);
    }
  }

  private retryStack(index: number, threadId: number, attempt: number): void {
    if (attempt >= STACK_RETRIES) return;
    setTimeout(() => void this.askStack(index, threadId, attempt + 1), 100 * (attempt + 1));
  }

  private topFrame(index: number, threadId: number, frame: StackFrame, attempt = 0): void {
    const w = this.awaitingTop;
    if (!w || w.stopIndex !== index || (w.threadId !== undefined && w.threadId !== threadId)) return;
    const path = frame.source?.path;
    const usable = !!path && !/^[a-z][\w+.-]+:/i.test(path);
    if (!usable && attempt < STACK_RETRIES && frame.source?.sourceReference) {
      // The adapter has not mapped this frame to a file yet (js-debug while it loads a script): ask again.
      this.retryStack(w.stopIndex, threadId, attempt);
      return;
    }
    clearTimeout(w.fallback);
    this.awaitingTop = undefined;
    this.lastFrame = { frameId: frame.id, stopIndex: w.stopIndex };
    if (usable && path) this.hits.locate(w.stopIndex, resolve(path), frame.line);
    const stop = this.hits.stops[w.stopIndex];
    this.hub.stop(this, stop.elapsedS, path ? `${basename(path)}:${frame.line}` : stop.reason);
    if (this.allocations) void this.allocations.atStop(frame.id);
  }

  private resumed(rss: number | undefined): void {
    if (rss !== undefined) this.hits.resumed(rss);
    this.lastFrame = undefined;
  }

  /** Current RSS of the tree (the sampler's pids; /proc/<pid>/statm, one read each). */
  private rssNowSync(): number | undefined {
    if (!this.pid) return undefined;
    let total = 0;
    for (const pid of this.treePids.length ? this.treePids : [this.pid]) {
      try {
        total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
      } catch {
        // gone
      }
    }
    return total > 0 ? total : undefined;
  }

  private writeTimeline(s: Sample): void {
    if (!this.timeline) {
      this.outDir = this.hub.reportDir(this.session);
      makeReportDir(this.outDir);
      this.timeline = new JsonlWriter(join(this.outDir, 'timeline.jsonl'));
    }
    this.timeline.write(s);
  }

  /** The session as a profile report (report.json, timeline.jsonl/csv, stops.json). */
  async save(): Promise<string | undefined> {
    if (!this.outDir) return undefined;
    const totals = this.samples.map((s) => ({ elapsedS: s.elapsedS, rssBytes: s.totalRssBytes }));
    const locations = this.hits.locations(this.hub.minGrowthPerHit);
    const runS = Math.max(1e-3, this.elapsedS);
    const lines: LineGrowth[] = [
      ...locations
        .filter((l) => l.leaking)
        .map((l) => ({
          file: l.file,
          line: l.line,
          growthBytes: Math.round(l.totalBytes),
          growthCount: l.hits,
          bytesPerSecond: l.totalBytes / runS,
        })),
      ...(this.allocations?.lines ?? []),
    ].sort((a, b) => b.growthBytes - a.growthBytes);
    const notes = [
      `Debug session "${this.session.name}" (${this.session.type}), PID ${this.pid} from the ${this.pidSource}; ${this.hits.stops.length} stop(s).`,
      ...locations
        .filter((l) => l.hits > 1)
        .map(
          (l) =>
            `${basename(l.file)}:${l.line}: ${l.hits} hits, ${fmtSigned(l.perHitBytes)} per hit (median), ${Math.round(l.growingShare * 100)} % of iterations grew.`,
        ),
      'Lines from breakpoint hits: growthBytes = growth over the repeated hits, growthCount = hits.',
    ];
    const report: Report = buildReport({
      totals,
      processes: this.table.summaries(),
      lines,
      fired: [],
      verdictOptions: {},
      notes,
    });
    const dir = this.outDir;
    writeAtomic(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    writeAtomic(
      join(dir, 'stops.json'),
      JSON.stringify(
        { session: this.session.name, type: this.session.type, pid: this.pid, stops: this.hits.stops, locations },
        null,
        2,
      ) + '\n',
    );
    this.reportPath = join(dir, 'report.json');
    this.hub.shared.reportSaved.fire(this.reportPath);
    return this.reportPath;
  }

  finish(): Promise<void> {
    this.finishing ??= (async () => {
      if (this.ended) return;
      this.ended = true;
      clearTimeout(this.timer);
      if (this.awaitingTop) clearTimeout(this.awaitingTop.fallback);
      this.sampler?.dispose();
      this.allocations?.dispose();
      if (this.timeline) {
        this.timeline.close();
        await this.save();
        await writeCsvFromJsonl(join(this.outDir!, 'timeline.jsonl'), join(this.outDir!, 'timeline.csv')).catch(
          () => undefined,
        );
      }
      this.hub.sessionEnded(this);
    })();
    return this.finishing;
  }

  state(): DebugSessionState {
    return {
      id: this.session.id,
      name: this.session.name,
      type: this.session.type,
      pid: this.pid,
      pidSource: this.pidSource,
      samples: this.samples.length,
      stops: this.hits.stops.map(({ elapsedS, reason, rssBytes, stretchBytes, file, line }) => ({
        elapsedS,
        reason,
        rssBytes,
        stretchBytes,
        file,
        line,
      })),
      locations: this.hits.locations(this.hub.minGrowthPerHit).map(({ stopIndexes: _s, ...l }) => l),
      ended: this.ended,
      reportPath: this.reportPath,
      tracking: !!this.allocations,
      allocationLines: (this.allocations?.lines ?? []).map(({ file, line, growthBytes }) => ({
        file,
        line,
        growthBytes,
      })),
      handlerMs: { ...this.handler },
    };
  }

  /** Trend of the last 30 s, bytes/s. */
  trend(): number {
    const last = this.samples[this.samples.length - 1];
    if (!last) return 0;
    const pts = this.samples
      .filter((s) => s.elapsedS >= last.elapsedS - 30)
      .map((s) => ({ x: s.elapsedS, y: s.totalRssBytes }));
    return pts.length >= 3 ? theilSen(pts, 100).slope : 0;
  }
}

/** All tracked sessions, the status bar item and the overlay/timeline hand-off. */
export class DebugHub implements vscode.Disposable {
  readonly sessions = new Map<string, MemorySession>();
  private readonly status: vscode.StatusBarItem;
  /** The session the timeline follows. */
  private followed: MemorySession | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  /** Sessions that ended (kept for the state command, the overlay and "Save"). */
  readonly ended: MemorySession[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly shared: MemoryShared,
  ) {
    this.status = vscode.window.createStatusBarItem('leaklens.debugMemory', vscode.StatusBarAlignment.Left, 20);
    this.status.name = 'LeakLens: debuggee memory';
    this.status.command = 'leaklens.showMemoryTimeline';
  }

  get intervalMs(): number {
    return vscode.workspace.getConfiguration('leaklens.debug').get<number>('intervalMs', 250);
  }

  get minGrowthPerHit(): number {
    return vscode.workspace.getConfiguration('leaklens.debug').get<number>('minGrowthPerHit', 65536);
  }

  reportDir(session: vscode.DebugSession): string {
    const folder = session.workspaceFolder ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    const root = folder?.uri.fsPath ?? this.context.globalStorageUri.fsPath;
    const out =
      vscode.workspace.getConfiguration('leaklens.profile').get<string>('outputDirectory') || '.leaklens-profile';
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    return resolve(root, out, `${stamp}-debug-${session.name.replace(/[^\w.-]+/g, '_').slice(0, 40)}`);
  }

  track(session: vscode.DebugSession): MemorySession {
    const m = new MemorySession(session, this);
    this.sessions.set(session.id, m);
    this.updateStatus();
    return m;
  }

  changed(m: MemorySession, newPid: boolean): void {
    if (newPid) {
      this.followed = m;
      this.shared.timeline.reset(`${m.session.name} (debug, PID ${m.pid})`, [], [], true);
    }
    this.updateStatus();
  }

  sample(m: MemorySession, s: Sample): void {
    if (this.followed === m) this.shared.timeline.push(s);
    if (!this.statusTimer)
      this.statusTimer = setTimeout(() => {
        this.statusTimer = undefined;
        this.updateStatus();
      }, 500);
  }

  stop(m: MemorySession, elapsedS: number, label: string): void {
    if (this.followed === m) this.shared.timeline.mark({ tS: elapsedS, label });
    this.renderHits();
  }

  sessionEnded(m: MemorySession): void {
    this.sessions.delete(m.session.id);
    this.ended.push(m);
    if (this.ended.length > 10) this.ended.shift();
    if (this.followed === m) this.shared.timeline.setLive(false);
    this.renderHits();
    this.updateStatus();
    if (m.reportPath) {
      void vscode.commands.executeCommand('setContext', 'leaklens.debugMemoryData', true);
    }
  }

  /** The per-hit overlay of every session (live and ended). */
  renderHits(): void {
    const lines: OverlayLine[] = [];
    for (const m of [...this.ended, ...this.sessions.values()]) {
      for (const l of m.hits.locations(this.minGrowthPerHit)) {
        if (!l.leaking) continue;
        const rows = l.stopIndexes.map((i, k) => {
          const s = m.hits.stops[i];
          return `| ${k + 1} | ${fmtElapsed(s.elapsedS)} | ${fmtBytes(s.rssBytes)} | ${k ? fmtSigned(l.iterations[k - 1]) : ''} |`;
        });
        const shown = rows.length > 30 ? [...rows.slice(0, 10), '| … | | | |', ...rows.slice(-15)] : rows;
        lines.push({
          file: l.file,
          line: l.line,
          label: `${fmtSigned(l.perHitBytes)} per hit over ${l.hits} hits`,
          weight: l.totalBytes,
          hover: [
            `**LeakLens debug memory** · ${m.session.name} (PID ${m.pid})`,
            '',
            `Hit ${l.hits} times; the debuggee grew **${fmtSigned(l.perHitBytes)} per hit** (median; ${fmtSigned(l.totalBytes)} in all, ${Math.round(l.growingShare * 100)} % of iterations grew). Growth while paused is not counted.`,
            '',
            '| hit | time | RSS | growth since previous hit |',
            '| ---: | ---: | ---: | ---: |',
            ...shown,
            '',
            '[Show memory timeline](command:leaklens.showMemoryTimeline)',
          ].join('\n'),
        });
      }
    }
    this.shared.overlay.set('debug-hits', lines);
  }

  private current(): MemorySession | undefined {
    const active = vscode.debug.activeDebugSession;
    const a = active ? this.sessions.get(active.id) : undefined;
    if (a?.pid) return a;
    // js-debug: the active session may be the parent; show its child (or any session with a PID).
    for (const m of this.sessions.values())
      if (m.pid && (!active || m.session.parentSession?.id === active.id)) return m;
    for (const m of this.sessions.values()) if (m.pid) return m;
    return undefined;
  }

  updateStatus(): void {
    if (!this.sessions.size) {
      this.status.hide();
      return;
    }
    const m = this.current();
    if (!m) {
      this.status.text = '$(pulse) LeakLens: no PID';
      this.status.tooltip =
        'LeakLens could not find the process ID of the program being debugged (no DAP "process" event with systemProcessId, no processId in the attach configuration), so its memory is not measured.';
      this.status.show();
      return;
    }
    const last = m.samples[m.samples.length - 1];
    const trend = m.trend();
    const arrow = Math.abs(trend) < 16 * 1024 ? '→' : trend > 0 ? '↑' : '↓';
    this.status.text = last
      ? `$(pulse) ${fmtBytes(last.totalRssBytes)} ${arrow} ${fmtSigned(trend)}/s`
      : `$(pulse) PID ${m.pid}`;
    this.status.tooltip = `LeakLens: RSS of ${m.session.name} (PID ${m.pid}${last && last.processes.length > 1 ? ` and ${last.processes.length - 1} child process(es)` : ''}), trend over the last 30 s. PID from the ${m.pidSource}. Click for the memory timeline.`;
    this.status.show();
  }

  dispose(): void {
    clearTimeout(this.statusTimer);
    for (const m of this.sessions.values()) void m.finish();
    this.status.dispose();
  }
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

export function registerDebugHook(context: vscode.ExtensionContext): void {
  const shared = getShared(context);
  const hub = new DebugHub(context, shared);
  const enabled = () =>
    vscode.workspace.getConfiguration('leaklens.debug').get<boolean>('memoryHook', true) && vscode.workspace.isTrusted;

  shared.state.set('debug', () => ({
    enabled: enabled(),
    sessions: [...hub.sessions.values()].map((m) => m.state()),
    ended: hub.ended.map((m) => m.state()),
  }));

  const find = (id?: string): MemorySession | undefined => {
    if (id) return hub.sessions.get(id) ?? hub.ended.find((m) => m.session.id === id);
    const active = vscode.debug.activeDebugSession;
    if (active) {
      const m = hub.sessions.get(active.id);
      if (m?.pid) return m;
      for (const c of hub.sessions.values()) if (c.pid && c.session.parentSession?.id === active.id) return c;
    }
    return [...hub.sessions.values()].find((m) => m.pid) ?? hub.ended[hub.ended.length - 1];
  };

  context.subscriptions.push(
    hub,
    vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker(session) {
        if (!enabled()) return undefined;
        const m = hub.track(session);
        const time = (fn: (msg: DapMessage) => void) => (msg: DapMessage) => {
          const t0 = performance.now();
          try {
            fn(msg);
          } catch {
            // never let LeakLens break a session
          }
          const ms = performance.now() - t0;
          m.handler.total += ms;
          m.handler.count++;
          if (ms > m.handler.max) m.handler.max = ms;
        };
        return {
          onWillReceiveMessage: time((msg) => m.willReceive(msg)),
          onDidSendMessage: time((msg) => m.didSend(msg)),
          onExit: () => void m.finish(),
          onError: () => undefined,
          onWillStopSession: () => undefined,
        };
      },
    }),
    vscode.debug.onDidTerminateDebugSession((s) => void hub.sessions.get(s.id)?.finish()),
    vscode.debug.onDidChangeActiveDebugSession(() => hub.updateStatus()),
    vscode.commands.registerCommand('leaklens.trackAllocations', async (sessionId?: string) => {
      if (!vscode.workspace.isTrusted) {
        // It evaluates code in the debuggee: never in Restricted Mode.
        void vscode.window.showWarningMessage('LeakLens: allocation tracking waits until you trust this workspace.');
        return false;
      }
      const m = find(sessionId);
      if (!m || m.ended) {
        void vscode.window.showInformationMessage('LeakLens: no running debug session to track.');
        return false;
      }
      if (!m.lastFrame) {
        void vscode.window.showInformationMessage(
          'LeakLens: pause the program (e.g. at a breakpoint) first: allocation tracking starts in the stopped frame.',
        );
        return false;
      }
      m.allocations ??= new AllocationTracker(m.session, hub.shared, m.session.name);
      try {
        await m.allocations.start(m.lastFrame.frameId);
      } catch (e) {
        m.allocations.dispose();
        m.allocations = undefined;
        void vscode.window.showErrorMessage(
          `LeakLens: cannot track allocations in this session (${(e as Error).message}). It works with Python (debugpy) sessions.`,
        );
        return false;
      }
      void vscode.window.showInformationMessage(
        'LeakLens: tracking Python allocations (tracemalloc) in the debuggee; the lines that grow are shown at each stop.',
      );
      return true;
    }),
    vscode.commands.registerCommand('leaklens.saveDebugMemoryReport', async (sessionId?: string) => {
      const m = find(sessionId);
      const path = m ? await m.save() : undefined;
      if (!path) {
        void vscode.window.showInformationMessage('LeakLens: no debug session with memory samples to save.');
        return undefined;
      }
      void vscode.window
        .showInformationMessage(
          `LeakLens: debug session memory saved to ${vscode.workspace.asRelativePath(path)}.`,
          'Open report',
        )
        .then((pick) => {
          if (pick) void vscode.commands.executeCommand('leaklens.openMemoryReport', path);
        });
      return path;
    }),
  );
}
