// One debug session as the memory hook sees it: the DAP glue. It takes the debuggee's PID (DAP
// `process` event, an attach configuration's processId, or js-debug's "name [pid]" child sessions),
// records the RSS of its tree with the profiler's Recorder, reads the RSS and the top frame at every
// stop (from the stackTrace response VS Code asks for anyway), and saves the session as a profile
// report when it ends. All work happens off the message path (setImmediate) except one /proc read
// at stops and resumes.
import { resolve, basename } from 'node:path';
import type * as vscode from 'vscode';
import { Recorder, type Sample } from '../../profile';
import { theilSen } from '../../profile/stats';
import { HitTracker, pidFromSessionName, type LocationStats } from './hits';
import type { DebugHub } from './hub';
import { debugReportContent, stopsFile, type DebugReportInput } from './report';
import type { AllocationTracker } from './tracemalloc';

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
/** Times the hook asks for a stop's top frame again when the adapter's answer names no file yet. */
const STACK_RETRIES = 4;

export interface DapMessage {
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
  /** Track allocations: the types that grew from stop to stop, and what keeps one alive. */
  allocationTypes: { type: string; countGrowth: number; retainedBy?: string[] }[];
  /** Why the type census gave nothing, when it failed in the debuggee. */
  allocationTypesError?: string;
  /** Time spent in the tracker's synchronous message handlers, ms. */
  handlerMs: { total: number; max: number; count: number };
}

export class MemorySession {
  pid: number | undefined;
  pidSource: string | undefined;
  readonly hits = new HitTracker();
  ended = false;
  reportPath: string | undefined;
  /** Top frame of the last stop (for `evaluate` in the debuggee). */
  lastFrame: { frameId: number; stopIndex: number } | undefined;
  allocations: AllocationTracker | undefined;
  readonly handler = { total: 0, max: 0, count: 0 };
  private t0 = Date.now();
  /** Samples the debuggee's tree; made when its PID is known. */
  private recorder: Recorder | undefined;
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
    this.t0 = Date.now();
    if (!this.recorder) {
      // A sampling error is not worth disturbing a debug session: the recorder ignores it.
      this.recorder = new Recorder({ outDir: this.hub.reportDir(this.session), intervalMs: this.hub.intervalMs });
      this.recorder.on('sample', (s: Sample) => this.hub.sample(this, s));
    }
    this.hub.changed(this, true);
    this.recorder.start(pid, this.t0);
  }

  get lastSample(): Sample | undefined {
    return this.recorder?.lastSample;
  }

  get sampleCount(): number {
    return this.recorder?.totals.length ?? 0;
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
    return this.recorder?.rssNowSync();
  }

  private reportInput(): DebugReportInput {
    return {
      name: this.session.name,
      type: this.session.type,
      pid: this.pid,
      pidSource: this.pidSource,
      stops: this.hits.stops,
      locations: this.hits.locations(this.hub.minGrowthPerHit),
      allocationLines: this.allocations?.lines ?? [],
      allocationTypes: this.allocations?.typesForReport(this.pid),
      runS: this.elapsedS,
    };
  }

  /** The session as a profile report (report.json, timeline.jsonl/csv, stops.json). */
  async save(): Promise<string | undefined> {
    const recorder = this.recorder;
    if (!recorder?.totals.length) return undefined;
    const input = this.reportInput();
    const report = recorder.report({ ...debugReportContent(input), fired: [], verdictOptions: {} });
    const path = recorder.writeReport(report);
    recorder.writeJson('stops.json', stopsFile(input));
    this.reportPath = path;
    this.hub.shared.reportSaved.fire(path);
    return path;
  }

  finish(): Promise<void> {
    this.finishing ??= (async () => {
      if (this.ended) return;
      this.ended = true;
      if (this.awaitingTop) clearTimeout(this.awaitingTop.fallback);
      this.recorder?.close();
      this.allocations?.dispose();
      if (this.recorder?.totals.length) {
        await this.save();
        await this.recorder.writeCsv();
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
      samples: this.sampleCount,
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
      allocationTypes: (this.allocations?.types ?? []).map(({ type, countGrowth, retainedBy }) => ({
        type,
        countGrowth,
        ...(retainedBy ? { retainedBy } : {}),
      })),
      ...(this.allocations?.typesError ? { allocationTypesError: this.allocations.typesError } : {}),
      handlerMs: { ...this.handler },
    };
  }

  /** Trend of the last 30 s, bytes/s. */
  trend(): number {
    const totals = this.recorder?.totals ?? [];
    const last = totals[totals.length - 1];
    if (!last) return 0;
    const pts = totals.filter((s) => s.elapsedS >= last.elapsedS - 30).map((s) => ({ x: s.elapsedS, y: s.rssBytes }));
    return pts.length >= 3 ? theilSen(pts, 100).slope : 0;
  }
}
