// A profiling session: runs a command (or attaches to a pid), samples its process tree, streams
// timeline.jsonl, attributes growth to lines (python/native), and writes report.json +
// timeline.csv at the end. Reused by the CLI and the VS Code extension (no `vscode` import).
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  createWriteStream,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ProfileError } from './errors';
import { NativeTracker } from './heaptrack';
import { makeReportDir } from './outdir';
import { type SiteRule } from './lines';
import { guardProcessGroup, isAlive, killTree, readStat } from './proctree';
import { PythonTracker, type ProcessLine } from './python';
import { buildReport, ProcessTable } from './report';
import { readTypeGrowth } from './typegrowth';
import { resolveMode, type ResolvedCommand } from './resolve';
import { TreeSampler } from './sampler';
import { withTimeout } from './wait';
import { JsonlWriter, writeCsvFromJsonl } from './timeline';
import type { LineGrowth, ProfileMode, Report, ResolvedMode, Sample, VerdictOptions } from './types';
import { DEFAULT_VERDICT, defaultWarmupS, mb, verdict, type SiteEvidence } from './verdict';

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
  /** Interpreter for `.py` targets (default python3). */
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

export declare interface ProfileSession {
  on(event: 'sample', listener: (s: Sample) => void): this;
  on(event: 'lines', listener: (lines: LineGrowth[]) => void): this;
  on(event: 'output', listener: (chunk: Buffer, stream: 'stdout' | 'stderr') => void): this;
  on(event: 'note', listener: (message: string) => void): this;
  on(event: 'end', listener: (report: Report) => void): this;
}

export class ProfileSession extends EventEmitter {
  /** Where the files are; they move to a temp folder if the report folder fills up during the run. */
  readonly files: ProfileFiles;
  readonly done: Promise<Report>;
  mode: ResolvedMode = 'rss';
  /** The root pid being sampled (set once started). */
  pid: number | undefined;
  lastSample: Sample | undefined;
  lines: LineGrowth[] = [];

  private resolveDone!: (r: Report) => void;
  private readonly opts: Required<Pick<ProfileOptions, 'intervalMs' | 'outDir'>> & ProfileOptions;
  private readonly notes: string[] = [];
  private readonly table = new ProcessTable();
  private readonly totals: { elapsedS: number; rssBytes: number }[] = [];
  private t0 = 0;
  private child: ChildProcess | undefined;
  private childExit: Promise<void> = Promise.resolve();
  private sampler: TreeSampler | undefined;
  private timeline: JsonlWriter | undefined;
  /** Kills the target's group if this process dies before stopping it (see guardProcessGroup). */
  private groupGuard: { release(): void } | undefined;
  private log: WriteStream | undefined;
  private python: PythonTracker | undefined;
  private native: NativeTracker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  private ending: Promise<Report> | undefined;
  private exitNote: string | undefined;
  private ticking: Promise<void> | undefined;
  private linesFrom = 0;
  /** The last name the sampler saw per pid (to name the process a Python line grew in). */
  private readonly names = new Map<number, string>();
  /** Each process's own RSS series, to judge a child that ended before the run did. */
  private readonly series = new Map<number, { name: string; points: { elapsedS: number; rssBytes: number }[] }>();

  constructor(options: ProfileOptions) {
    super();
    if (!!options.command === (options.pid !== undefined)) throw new ProfileError('give either a command or a pid');
    this.opts = { ...options, intervalMs: options.intervalMs ?? 200, outDir: resolve(options.outDir) };
    const d = this.opts.outDir;
    this.files = {
      report: join(d, 'report.json'),
      timelineJsonl: join(d, 'timeline.jsonl'),
      timelineCsv: join(d, 'timeline.csv'),
      log: join(d, 'target.log'),
    };
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Absolute output folder. */
  get outDir(): string {
    return this.opts.outDir;
  }

  get elapsedS(): number {
    return this.t0 ? (Date.now() - this.t0) / 1000 : 0;
  }

  /** Starts the target (or attaches). Throws ProfileError when it cannot start at all. */
  async start(): Promise<void> {
    const o = this.opts;
    try {
      makeReportDir(o.outDir);
      for (const f of Object.values(this.files)) rmSync(f, { force: true });
      rmSync(join(o.outDir, 'python'), { recursive: true, force: true });
      this.timeline = new JsonlWriter(this.files.timelineJsonl);
    } catch (e) {
      // Before anything runs: a report folder that cannot be written is the user's to fix.
      throw new ProfileError(`cannot write the report folder ${o.outDir}: ${describeFsError(e)}`);
    }
    this.t0 = Date.now();
    if (o.pid !== undefined) this.attach(o.pid);
    else this.launch(resolveMode(o.command ?? [], o));
    this.sampler = new TreeSampler(this.pid!, o.intervalMs);
    if (o.durationS && o.durationS > 0)
      this.durationTimer = setTimeout(() => void this.stop('duration'), o.durationS * 1000);
    this.schedule(0);
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
    this.mode = 'rss';
    if (this.opts.mode && this.opts.mode !== 'rss' && this.opts.mode !== 'auto')
      this.note(
        `--pid attaches with an RSS timeline only; per-line growth (${this.opts.mode}) needs the program started by LeakLens.`,
      );
  }

  private launch(rc: ResolvedCommand): void {
    const o = this.opts;
    this.mode = rc.mode;
    for (const n of rc.notes) this.note(n);
    let argv = rc.command;
    let env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    if (rc.mode === 'python' && rc.python && rc.helpers) {
      this.python = new PythonTracker(
        rc.python,
        {
          dir: join(o.outDir, 'python'),
          exact: !!o.exact,
          periodS: o.pythonPeriodS ?? 1,
          frames: o.frames,
          helpers: rc.helpers,
          cwd: o.cwd,
        },
        this.t0,
      );
      argv = this.python.command();
      env = { ...env, PYTHONUNBUFFERED: env.PYTHONUNBUFFERED ?? '1' };
    } else if (rc.mode === 'native' && rc.heaptrack) {
      this.native = new NativeTracker(rc.heaptrack, o.outDir, resolve(o.root ?? o.cwd ?? process.cwd()), this.t0);
      env = this.native.env(env);
    }
    this.log = createWriteStream(this.files.log);
    // The target's output is a convenience: losing it (disk full) must not stop the profile.
    let logFailed = false;
    this.log.on('error', (e) => {
      if (!logFailed)
        this.note(`target.log could not be written (${describeFsError(e)}); the output is no longer kept.`);
      logFailed = true;
    });
    // Own process group (detached) so Ctrl-C reaches only the CLI, which then stops the whole tree.
    const child = spawn(argv[0], argv.slice(1), { cwd: o.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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

  private schedule(delayMs: number): void {
    if (this.ending) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.ticking = this.tick()
        .catch((e: Error) => this.note(`sampling error: ${e.message}`))
        .finally(() => {
          this.ticking = undefined;
          this.schedule(Math.max(0, this.opts.intervalMs - (Date.now() - started)));
        });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    if (!this.sampler || this.pid === undefined) return;
    if (this.opts.pid !== undefined && !isAlive(this.pid)) {
      this.exitNote = `Process ${this.pid} ended after ${this.elapsedS.toFixed(1)} s.`;
      void this.stop('exited');
      return;
    }
    const processes = await this.sampler.sample();
    if (processes.length > 0 && !this.ending) {
      const t = Date.now();
      const sample: Sample = {
        t,
        elapsedS: round3((t - this.t0) / 1000),
        totalRssBytes: processes.reduce((a, p) => a + p.rssBytes, 0),
        processes,
      };
      this.record(sample);
    }
    this.python?.poll();
    this.native?.poll();
    this.refreshLines(false);
  }

  private record(s: Sample): void {
    try {
      this.timeline?.write(s);
    } catch (e) {
      this.moveToFallback(e, s);
    }
    for (const p of s.processes) {
      this.table.add(s.elapsedS, p);
      this.names.set(p.pid, p.name);
      let series = this.series.get(p.pid);
      if (!series || series.name !== p.name) this.series.set(p.pid, (series = { name: p.name, points: [] }));
      series.points.push({ elapsedS: s.elapsedS, rssBytes: p.rssBytes });
    }
    this.totals.push({ elapsedS: s.elapsedS, rssBytes: s.totalRssBytes });
    this.lastSample = s;
    this.emit('sample', s);
  }

  private fallback: string | undefined;

  /** A folder of our own under the system temp dir, for what the report folder could not take. */
  private fallbackDir(): string {
    this.fallback ??= mkdtempSync(join(tmpdir(), 'leaklens-profile-'));
    return this.fallback;
  }

  /**
   * The timeline could not be appended (disk full, folder gone): carry its complete lines and this
   * sample over to the fallback folder and go on there. Sampling and the verdict are unaffected.
   */
  private moveToFallback(error: unknown, sample: Sample): void {
    const from = this.files.timelineJsonl;
    this.timeline?.close();
    this.timeline = undefined;
    try {
      const dir = this.fallbackDir();
      const to = join(dir, 'timeline.jsonl');
      let kept = '';
      try {
        const text = readFileSync(from, 'utf8');
        kept = text.slice(0, text.lastIndexOf('\n') + 1); // complete lines only
      } catch {
        kept = '';
      }
      writeFileSync(to, kept);
      this.timeline = new JsonlWriter(to);
      this.timeline.write(sample);
      this.files.timelineJsonl = to;
      this.files.timelineCsv = join(dir, 'timeline.csv');
      this.note(`Could not write ${from} (${describeFsError(error)}); the timeline continues in ${to}.`);
    } catch (e) {
      this.note(
        `Could not write the timeline (${describeFsError(error)}), nor a copy in the temp folder (${describeFsError(e)}); sampling goes on in memory only.`,
      );
    }
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
    const count = this.python?.snapshotCount ?? this.native?.snapshotCount ?? 0;
    if (!final && count === this.linesFrom) return undefined;
    this.linesFrom = count;
    const before = this.lines;
    const a = this.python
      ? this.python.attribution(this.rule(), this.elapsedS, this.warmupS())
      : this.native?.attribution(this.rule(), this.warmupS());
    if (!a) return undefined;
    if (this.python) a.lines = a.lines.map((l) => this.tagProcess(l));
    this.lines = a.lines;
    if (final || a.lines.length !== before.length || a.lines[0]?.growthBytes !== before[0]?.growthBytes)
      this.emit('lines', a.lines);
    return a;
  }

  /** A Python line's process: pid and name (multiprocessing's, else the sampler's, e.g. python3). */
  private tagProcess(l: ProcessLine): LineGrowth {
    const { procName, ...line } = l;
    if (line.pid === undefined) return line;
    const name = procName ?? this.names.get(line.pid);
    return name ? { ...line, process: name } : line;
  }

  /**
   * Children that ended before the run did: their RSS leaves the total when they exit, which reads
   * as memory returned. Each is marked `endedS` (its last reading is its final RSS), and one whose
   * own RSS grew steadily until it ended, with Python lines that grew in it, makes the run a leak.
   */
  private judgeEnded(report: Report): void {
    const last = this.totals[this.totals.length - 1]?.elapsedS;
    if (last === undefined) return;
    for (const p of report.processes) {
      if (p.pid === this.pid || p.lastSeenS >= last) continue; // in the last sample: alive at the end
      p.endedS = p.lastSeenS;
      const points = this.series.get(p.pid)?.points ?? [];
      if (points.length < 2) continue;
      const spanS = points[points.length - 1].elapsedS - points[0].elapsedS;
      const v = verdict(points, { ...this.opts.verdict, warmupS: this.opts.verdict?.warmupS ?? defaultWarmupS(spanS) });
      if (v.verdict !== 'leak') continue;
      const grew = report.lines.filter((l) => l.pid === p.pid && l.growthBytes > 0);
      const where = grew.length ? ` (top line ${grew[0].file}:${grew[0].line})` : '';
      report.notes.push(
        `${p.name} (pid ${p.pid}) grew ${mb(v.growthBytesPerSecond)}/s steadily until it ended at ${p.lastSeenS.toFixed(1)} s (last RSS ${mb(p.finalRssBytes)})${where}: the total fell because it exited, not because memory was returned.`,
      );
      if (grew.length && report.verdict !== 'leak') {
        report.notes.push(`Verdict: leak (was ${report.verdict}), from the ended process ${p.pid} and its lines.`);
        report.verdict = 'leak';
      }
    }
  }

  /**
   * The Python heap of each traced child, with the same trend test as RSS: a child whose heap keeps
   * growing (zero-filled pages, not resident, do not move RSS) makes the run a leak.
   */
  private judgeChildHeaps(report: Report): void {
    const minSamples = this.opts.verdict?.minSamples ?? DEFAULT_VERDICT.minSamples;
    for (const { pid, points } of this.python?.childHeaps() ?? []) {
      const series = points.map((p) => ({ elapsedS: p.elapsedS, rssBytes: p.bytes ?? 0 }));
      if (series.length < 2) continue;
      const spanS = series[series.length - 1].elapsedS - series[0].elapsedS;
      const hv = verdict(series, {
        ...this.opts.verdict,
        warmupS: this.opts.verdict?.warmupS ?? defaultWarmupS(spanS),
      });
      if (hv.measuredSamples < minSamples) continue;
      const proc = report.processes.find((p) => p.pid === pid);
      if (proc) proc.heapGrowthBytesPerSecond = Math.round(hv.growthBytesPerSecond);
      if (hv.verdict !== 'leak') continue;
      const name = report.lines.find((l) => l.pid === pid)?.process ?? proc?.name ?? 'python';
      report.notes.push(
        `The Python heap of ${name} (pid ${pid}) grows ${mb(hv.growthBytesPerSecond)}/s steadily (gc census, ${mb(hv.baselineRssBytes)} → ${mb(hv.finalRssBytes)}).`,
      );
      if (report.verdict !== 'leak') {
        report.notes.push(`Verdict: leak (was ${report.verdict}), from the Python heap of process ${pid}.`);
        report.verdict = 'leak';
        // The root's "flat, so turnover" reading of the lines no longer holds.
        report.notes = report.notes.filter((n) => !n.startsWith('RSS and the Python heap are flat'));
      }
    }
  }

  /**
   * Seed 002's per-site rule on sampling windows cannot tell a leak from turnover (a bounded buffer
   * replacing entries looks the same inside windows that trace most of the run); once the Python
   * heap was read often enough, its own trend decides and the windows only name the lines.
   */
  private siteEvidence(fired: SiteEvidence[]): SiteEvidence[] {
    if (!this.python || this.opts.exact) return fired;
    return this.python.heap.filter((p) => p.bytes !== undefined).length >= 5 ? [] : fired;
  }

  /** Stops sampling, kills the target's tree (not an attached pid), writes the report. Idempotent. */
  stop(reason: EndReason = 'cancelled'): Promise<Report> {
    if (!this.ending) this.ending = this.finish(reason);
    return this.ending;
  }

  private async finish(reason: EndReason): Promise<Report> {
    clearTimeout(this.timer);
    clearTimeout(this.durationTimer);
    if (this.ticking) await this.ticking;
    const runS = this.elapsedS;
    if (this.child && this.pid !== undefined) {
      if (reason !== 'exited') {
        await killTree(this.pid, [...(this.sampler?.seen.values() ?? [])]);
        this.note(
          reason === 'duration'
            ? `Stopped after the ${this.opts.durationS} s duration; the target's process tree was killed.`
            : `Cancelled after ${runS.toFixed(1)} s; the target's process tree was killed.`,
        );
      } else {
        // The root exited: stop children it left behind (they would be orphans otherwise).
        await killTree(this.pid, [...(this.sampler?.seen.values() ?? [])], 500);
      }
      await withTimeout(this.childExit, 3000);
      this.groupGuard?.release();
    }
    if (this.exitNote) this.notes.unshift(this.exitNote);
    this.sampler?.dispose();
    if (this.python) {
      await this.python.finish();
      for (const e of this.python.errors.slice(0, 5)) this.notes.push(`python: ${e}`);
      const n = this.python.snapshotCount;
      const pids = this.python.tracedPids;
      if (pids.length > 1)
        this.notes.push(
          `Python processes traced: ${pids.length} (pid ${pids.join(', ')}; the first is the root); each line says which process it grew in.`,
        );
      this.notes.push(
        this.opts.exact
          ? `Python lines: exact tracemalloc attribution from ${n} snapshot(s).`
          : `Python lines: estimated from ${n} tracemalloc window(s) covering ${pct(this.python.tracedS, runS)} of the run (long while the program waits or its heap grows, short while it computes); use --exact for exact attribution.`,
      );
    }
    if (this.native) {
      await this.native.finish();
      for (const e of this.native.errors.slice(0, 5)) this.notes.push(`heaptrack: ${e}`);
      if (this.native.lacksLineInfo)
        this.notes.push('heaptrack found leaks but no file:line: build with -g to see the lines.');
      this.notes.push(
        `Native lines from heaptrack; full data in ${this.native.dataPath} (heaptrack_print / heaptrack_gui).`,
      );
    }
    const a = this.refreshLines(true);
    if (this.totals.length === 0)
      this.notes.push('No memory sample was taken: the target ended before the first sample.');
    const report = buildReport({
      totals: this.totals,
      processes: this.table.summaries(),
      lines: a?.lines ?? [],
      fired: this.siteEvidence(a?.fired ?? []),
      linesBy: this.python ? (this.opts.exact ? 'exact' : 'sampling') : this.native ? 'heaptrack' : undefined,
      verdictOptions: { ...this.opts.verdict, warmupS: this.opts.verdict?.warmupS },
      notes: this.notes,
      heap: this.python ? { pid: this.python.runnerPid, points: this.python.heap } : undefined,
      types: this.python
        ? readTypeGrowth(join(this.opts.outDir, 'python', 'index.jsonl'), this.python.runnerPid)
        : undefined,
    });
    this.judgeEnded(report);
    this.judgeChildHeaps(report);
    this.timeline?.close();
    await withTimeout(new Promise<void>((r) => (this.log ? this.log.end(() => r()) : r())), 2000);
    try {
      writeAtomic(this.files.report, JSON.stringify(report, null, 2) + '\n');
    } catch (e) {
      // The folder filled up (or went away) during the run: the report goes where it can.
      const dir = this.fallbackDir();
      report.notes.push(`Could not write ${this.files.report} (${describeFsError(e)}); the report is in ${dir}.`);
      this.files.report = join(dir, 'report.json');
      writeAtomic(this.files.report, JSON.stringify(report, null, 2) + '\n');
      this.emit('note', report.notes[report.notes.length - 1]);
    }
    try {
      await writeCsvFromJsonl(this.files.timelineJsonl, this.files.timelineCsv);
    } catch (e) {
      this.files.timelineCsv = join(this.fallbackDir(), 'timeline.csv');
      await writeCsvFromJsonl(this.files.timelineJsonl, this.files.timelineCsv).catch(() => undefined);
      report.notes.push(`timeline.csv could not be written in ${this.opts.outDir} (${describeFsError(e)}).`);
    }
    this.emit('end', report);
    this.resolveDone(report);
    return report;
  }
}

/** "12 %" / "0.8 %" of a run. */
function pct(part: number, whole: number): string {
  const p = whole > 0 ? (100 * part) / whole : 0;
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)} %`;
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a file is in the way of a folder on that path',
    EEXIST: 'a file is in the way',
  };
  return code ? `${code}: ${why[code] ?? (e as Error).message}` : (e as Error).message;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;
