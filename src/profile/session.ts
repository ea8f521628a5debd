// A profiling session: runs a command (or attaches to a pid) under the backend the registry picks
// (trackers.ts: RSS, Python, heaptrack), records its process tree with the Recorder (timeline.jsonl
// as it goes, report.json + timeline.csv at the end) and attributes growth to lines through the
// backend. Reused by the CLI and the VS Code extension (no `vscode` import).
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProfileError } from './errors';
import { type SiteRule } from './lines';
import { guardProcessGroup, isAlive, killTree, readStat } from './proctree';
import { describeFsError, Recorder } from './recorder';
import { overEnv, resolveTarget } from './resolve';
import type { Tracker, TrackerContext, TrackerTarget } from './tracker';
import { chooseTracker, trackerFactory } from './trackers';
import { withTimeout } from './wait';
import type { LineGrowth, ProfileMode, Report, ResolvedMode, Sample, VerdictOptions } from './types';
import { DEFAULT_VERDICT, defaultWarmupS, mb, verdict } from './verdict';

export interface ProfileOptions {
  /** Program and arguments to run. Exactly one of `command` and `pid`. */
  command?: string[];
  /** Attach to a running process: RSS timeline only; the process is not killed at the end. */
  pid?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Sampling interval, ms (default 200). */
  intervalMs?: number;
  /** Stop (and kill the tree) after this many seconds; 0 or undefined = until the target exits. */
  durationS?: number;
  mode?: ProfileMode;
  /** Where timeline.jsonl, timeline.csv, report.json (and snapshot/heaptrack files) go. */
  outDir: string;
  /** Python mode: exact tracemalloc attribution (opt-in, 7–67× slower) instead of sampling windows. */
  exact?: boolean;
  /** Python mode: seconds between snapshots/windows (default 1). */
  pythonPeriodS?: number;
  /** tracemalloc frames (default 10 sampling, 25 exact). */
  frames?: number;
  /** Interpreter for `.py` targets (default python3; on Windows python, else `py -3`: see defaultPython). */
  python?: string;
  /** Native mode: lines are attributed to the first frame under this folder (default cwd). */
  root?: string;
  verdict?: VerdictOptions;
}

export interface ProfileFiles {
  report: string;
  timelineJsonl: string;
  timelineCsv: string;
  log: string;
}

export type EndReason = 'exited' | 'duration' | 'cancelled' | 'failed';

/** How the target is spawned, besides its command, folder, environment and pipes. */
export const TARGET_SPAWN = { detached: true, windowsHide: true } as const;

export declare interface ProfileSession {
  on(event: 'sample', listener: (s: Sample) => void): this;
  on(event: 'lines', listener: (lines: LineGrowth[]) => void): this;
  on(event: 'output', listener: (chunk: Buffer, stream: 'stdout' | 'stderr') => void): this;
  on(event: 'note', listener: (message: string) => void): this;
  on(event: 'end', listener: (report: Report) => void): this;
}

export class ProfileSession extends EventEmitter {
  readonly done: Promise<Report>;
  mode: ResolvedMode = 'rss';
  /** The root pid being sampled (set once started). */
  pid: number | undefined;
  lines: LineGrowth[] = [];

  private resolveDone!: (r: Report) => void;
  private readonly opts: Required<Pick<ProfileOptions, 'intervalMs' | 'outDir'>> & ProfileOptions;
  private readonly notes: string[] = [];
  private readonly recorder: Recorder;
  private readonly logPath: string;
  private tracker: Tracker | undefined;
  private t0 = 0;
  private child: ChildProcess | undefined;
  private childExit: Promise<void> = Promise.resolve();
  /** Kills the target's group if this process dies before stopping it (see guardProcessGroup). */
  private groupGuard: { release(): void } | undefined;
  private log: WriteStream | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  private ending: Promise<Report> | undefined;
  private exitNote: string | undefined;
  private linesFrom = 0;

  constructor(options: ProfileOptions) {
    super();
    if (!!options.command === (options.pid !== undefined)) throw new ProfileError('give either a command or a pid');
    this.opts = { ...options, intervalMs: options.intervalMs ?? 200, outDir: resolve(options.outDir) };
    this.logPath = join(this.opts.outDir, 'target.log');
    this.recorder = new Recorder({
      outDir: this.opts.outDir,
      intervalMs: this.opts.intervalMs,
      beforeSample: () => this.attachedAlive(),
      afterSample: () => {
        this.tracker?.poll();
        this.refreshLines(false);
      },
      onError: (e) => this.note(`sampling error: ${e.message}`),
    });
    this.recorder.on('sample', (s: Sample) => this.emit('sample', s));
    this.recorder.on('note', (m: string) => this.note(m));
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Where the files are; they move to a temp folder if the report folder fills up during the run. */
  get files(): ProfileFiles {
    return { ...this.recorder.files, log: this.logPath };
  }

  /** Absolute output folder. */
  get outDir(): string {
    return this.opts.outDir;
  }

  get elapsedS(): number {
    return this.t0 ? (Date.now() - this.t0) / 1000 : 0;
  }

  get lastSample(): Sample | undefined {
    return this.recorder.lastSample;
  }

  /** Starts the target (or attaches). Throws ProfileError when it cannot start at all. */
  async start(): Promise<void> {
    const o = this.opts;
    try {
      this.recorder.open();
      rmSync(this.logPath, { force: true });
      rmSync(join(o.outDir, 'python'), { recursive: true, force: true });
    } catch (e) {
      // Before anything runs: a report folder that cannot be written is the user's to fix.
      throw new ProfileError(`cannot write the report folder ${o.outDir}: ${describeFsError(e)}`);
    }
    this.t0 = Date.now();
    if (o.pid !== undefined) this.attach(o.pid);
    else this.launch(resolveTarget(o.command ?? [], o));
    this.recorder.start(this.pid!, this.t0);
    if (o.durationS && o.durationS > 0)
      this.durationTimer = setTimeout(() => void this.stop('duration'), o.durationS * 1000);
  }

  /** What the backends get from this session. */
  private context(): TrackerContext {
    const o = this.opts;
    return {
      outDir: o.outDir,
      t0: this.t0,
      cwd: o.cwd,
      exact: o.exact,
      pythonPeriodS: o.pythonPeriodS,
      frames: o.frames,
      root: o.root,
      verdict: o.verdict,
      processName: (pid) => this.recorder.names.get(pid),
    };
  }

  private attach(pid: number): void {
    if (!Number.isInteger(pid) || pid <= 0 || !readStat(pid)) throw new ProfileError(`no process with PID ${pid}`);
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM')
        throw new ProfileError(`PID ${pid} belongs to another user; LeakLens can only profile your own processes`);
    }
    this.pid = pid;
    const asked = this.opts.mode && this.opts.mode !== 'auto' ? trackerFactory(this.opts.mode) : undefined;
    const factory = asked?.attach ? asked : trackerFactory('rss');
    if (asked && asked !== factory)
      this.note(
        `--pid attaches with an RSS timeline only; ` +
          `per-line growth (${this.opts.mode}) needs the program started by LeakLens.`,
      );
    this.tracker = factory.attach!(this.context());
    this.mode = this.tracker.id;
  }

  private launch(target: TrackerTarget): void {
    const o = this.opts;
    const choice = chooseTracker(target, o.mode);
    for (const n of choice.notes) this.note(n);
    this.tracker = choice.create(this.context());
    this.mode = this.tracker.id;
    const { argv, env } = this.tracker.launch(target.command, overEnv(process.env, o.env ?? {}));
    this.log = createWriteStream(this.logPath);
    // The target's output is a convenience: losing it (disk full) must not stop the profile.
    let logFailed = false;
    this.log.on('error', (e) => {
      if (!logFailed)
        this.note(`target.log could not be written (${describeFsError(e)}); the output is no longer kept.`);
      logFailed = true;
    });
    // Own process group (detached) so Ctrl-C reaches only the CLI, which then stops the whole tree.
    // On Windows detached means a console of its own: windowsHide keeps its window from showing.
    const child = spawn(argv[0], argv.slice(1), {
      cwd: o.cwd,
      env,
      ...TARGET_SPAWN,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (child.pid === undefined) {
      child.on('error', () => undefined);
      throw new ProfileError(`cannot start ${argv[0]}`);
    }
    this.pid = child.pid;
    this.groupGuard = guardProcessGroup(child.pid);
    child.stdout?.on('data', (d: Buffer) => this.output(d, 'stdout'));
    child.stderr?.on('data', (d: Buffer) => this.output(d, 'stderr'));
    this.childExit = new Promise((r) =>
      child.on('exit', (code, signal) => {
        this.exitNote = signal
          ? `Target ended by signal ${signal} after ${this.elapsedS.toFixed(1)} s.`
          : `Target exited with code ${code} after ${this.elapsedS.toFixed(1)} s.`;
        r();
        void this.stop('exited');
      }),
    );
    child.on('error', (e) => {
      this.exitNote = `Target failed: ${e.message}`;
      void this.stop('failed');
    });
  }

  private output(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    this.log?.write(chunk);
    this.emit('output', chunk, stream);
  }

  private note(message: string): void {
    this.notes.push(message);
    this.emit('note', message);
  }

  /** Before each sample: a process we attached to that ended ends the session. */
  private attachedAlive(): boolean {
    if (this.opts.pid === undefined || this.pid === undefined || isAlive(this.pid)) return true;
    this.exitNote = `Process ${this.pid} ended after ${this.elapsedS.toFixed(1)} s.`;
    void this.stop('exited');
    return false;
  }

  private rule(): SiteRule {
    const v = this.opts.verdict ?? {};
    return {
      thresholdPct: v.siteThresholdPct ?? DEFAULT_VERDICT.siteThresholdPct,
      consecutive: v.siteConsecutive ?? DEFAULT_VERDICT.siteConsecutive,
      minBytes: v.minSiteBytes ?? DEFAULT_VERDICT.minSiteBytes,
    };
  }

  private warmupS(): number {
    return this.opts.verdict?.warmupS ?? defaultWarmupS(this.elapsedS);
  }

  private refreshLines(final: boolean) {
    // Recompute only when a new snapshot arrived: the per-site fits are not free on long runs.
    const count = this.tracker?.snapshotCount ?? 0;
    if (!final && count === this.linesFrom) return undefined;
    this.linesFrom = count;
    const before = this.lines;
    const a = this.tracker?.attribution(this.rule(), this.elapsedS, this.warmupS());
    if (!a) return undefined;
    this.lines = a.lines;
    if (final || a.lines.length !== before.length || a.lines[0]?.growthBytes !== before[0]?.growthBytes)
      this.emit('lines', a.lines);
    return a;
  }

  /**
   * A process the command line names by its program only (`python3 -c …`, no script: a multiprocessing
   * worker) takes the name the backend knows it by (SpawnProcess-1), its lines' name; `exe` keeps
   * the program. Names that came from a script stay (the timeline keeps the sampler's names).
   */
  private nameInterpreters(report: Report): void {
    const names = this.tracker?.processNames?.();
    if (!names?.size) return;
    for (const p of report.processes) {
      const known = names.get(p.pid);
      if (!known || p.exe !== undefined || known === p.name) continue;
      p.exe = p.name;
      p.name = known;
    }
  }

  /**
   * Children that ended before the run did: their RSS leaves the total when they exit, which reads
   * as memory returned. Each is marked `endedS` (its last reading is its final RSS), and one whose
   * own RSS grew steadily until it ended, with Python lines that grew in it, makes the run a leak.
   */
  private judgeEnded(report: Report): void {
    const totals = this.recorder.totals;
    const last = totals[totals.length - 1]?.elapsedS;
    if (last === undefined) return;
    for (const p of report.processes) {
      if (p.pid === this.pid || p.lastSeenS >= last) continue; // in the last sample: alive at the end
      p.endedS = p.lastSeenS;
      const points = this.recorder.series.get(p.pid)?.points ?? [];
      if (points.length < 2) continue;
      const spanS = points[points.length - 1].elapsedS - points[0].elapsedS;
      const v = verdict(points, { ...this.opts.verdict, warmupS: this.opts.verdict?.warmupS ?? defaultWarmupS(spanS) });
      if (v.verdict !== 'leak') continue;
      const grew = report.lines.filter((l) => l.pid === p.pid && l.growthBytes > 0);
      const where = grew.length ? ` (top line ${grew[0].file}:${grew[0].line})` : '';
      report.notes.push(
        `${p.name} (pid ${p.pid}) grew ${mb(v.growthBytesPerSecond)}/s steadily until it ended at ` +
          `${p.lastSeenS.toFixed(1)} s (last RSS ${mb(p.finalRssBytes)})${where}: ` +
          'the total fell because it exited, not because memory was returned.',
      );
      if (grew.length && report.verdict !== 'leak') {
        report.notes.push(`Verdict: leak (was ${report.verdict}), from the ended process ${p.pid} and its lines.`);
        report.verdict = 'leak';
      }
    }
  }

  /** Stops sampling, kills the target's tree (not an attached pid), writes the report. Idempotent. */
  stop(reason: EndReason = 'cancelled'): Promise<Report> {
    if (!this.ending) this.ending = this.finish(reason);
    return this.ending;
  }

  private async finish(reason: EndReason): Promise<Report> {
    clearTimeout(this.durationTimer);
    await this.recorder.stop();
    const runS = this.elapsedS;
    if (this.child && this.pid !== undefined) {
      if (reason !== 'exited') {
        await killTree(this.pid, this.recorder.seen);
        this.note(
          reason === 'duration'
            ? `Stopped after the ${this.opts.durationS} s duration; the target's process tree was killed.`
            : `Cancelled after ${runS.toFixed(1)} s; the target's process tree was killed.`,
        );
      } else {
        // The root exited: stop children it left behind (they would be orphans otherwise).
        await killTree(this.pid, this.recorder.seen, 500);
      }
      await withTimeout(this.childExit, 3000);
      this.groupGuard?.release();
    }
    if (this.exitNote) this.notes.unshift(this.exitNote);
    this.recorder.close();
    if (this.tracker) this.notes.push(...(await this.tracker.finish(runS)));
    const a = this.refreshLines(true);
    if (this.recorder.totals.length === 0)
      this.notes.push('No memory sample was taken: the target ended before the first sample.');
    const report = this.recorder.report({
      lines: a?.lines ?? [],
      fired: a?.fired ?? [],
      linesBy: this.tracker?.linesBy,
      verdictOptions: { ...this.opts.verdict, warmupS: this.opts.verdict?.warmupS },
      notes: this.notes,
      ...this.tracker?.contribution?.(),
    });
    this.nameInterpreters(report);
    this.judgeEnded(report);
    this.tracker?.review?.(report);
    await withTimeout(new Promise<void>((r) => (this.log ? this.log.end(() => r()) : r())), 2000);
    this.recorder.writeReport(report);
    const csvFailed = await this.recorder.writeCsv();
    if (csvFailed) report.notes.push(csvFailed);
    this.emit('end', report);
    this.resolveDone(report);
    return report;
  }
}
