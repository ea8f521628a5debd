// The recorder shared by a profiling session and the debug hook: samples a process tree on a timer
// (TreeSampler), appends each sample to timeline.jsonl as it is taken, keeps what the report needs
// (totals, the per-process table, each process's own series), and at the end writes report.json
// and timeline.csv. A report folder that fills up or goes away mid-run does not stop it: what it
// cannot take goes to a temp folder of its own, and a note says where. No `vscode` import.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { makeReportDir } from './outdir';
import type { ProcStat } from './proctree';
import { buildReport, ProcessTable, type ReportInput } from './report';
import { TreeSampler } from './sampler';
import { JsonlWriter, writeCsvFromJsonl } from './timeline';
import type { Report, Sample } from './types';

export interface RecorderFiles {
  report: string;
  timelineJsonl: string;
  timelineCsv: string;
}

export interface RecorderOptions {
  /** The report folder; made when the timeline is opened (by `open()`, else at the first sample). */
  outDir: string;
  /** Sampling interval, ms. */
  intervalMs: number;
  /** Before each sample: false skips it (the session stops once the process it attached to ended). */
  beforeSample?: () => boolean;
  /** After each sample: the backends pick up their data here. */
  afterSample?: () => void;
  /** A sample that failed (default: ignored). */
  onError?: (e: Error) => void;
}

export declare interface Recorder {
  on(event: 'sample', listener: (s: Sample) => void): this;
  /** Where files went instead, when the report folder could not take them. */
  on(event: 'note', listener: (message: string) => void): this;
}

export class Recorder extends EventEmitter {
  readonly outDir: string;
  /** Where the files are; they move to a temp folder if the report folder fills up during the run. */
  readonly files: RecorderFiles;
  /** Total RSS of the tree at each sample. */
  readonly totals: { elapsedS: number; rssBytes: number }[] = [];
  /** The last name the sampler saw per pid. */
  readonly names = new Map<number, string>();
  /** Each process's own RSS series (restarted when exec() renames it or changes its executable). */
  readonly series = new Map<number, { name: string; exe?: string; points: { elapsedS: number; rssBytes: number }[] }>();
  lastSample: Sample | undefined;
  /** The root pid being sampled. */
  pid: number | undefined;
  private t0 = 0;
  private readonly table = new ProcessTable();
  private sampler: TreeSampler | undefined;
  private timeline: JsonlWriter | undefined;
  private opened = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** Bumped by each `start()`: a loop of an earlier pid stops scheduling itself. */
  private generation = 0;
  private fallback: string | undefined;

  constructor(private readonly opts: RecorderOptions) {
    super();
    this.outDir = resolve(opts.outDir);
    this.files = {
      report: join(this.outDir, 'report.json'),
      timelineJsonl: join(this.outDir, 'timeline.jsonl'),
      timelineCsv: join(this.outDir, 'timeline.csv'),
    };
  }

  /** Makes the report folder and starts timeline.jsonl afresh; throws when the folder cannot be written. */
  open(): void {
    this.opened = true;
    makeReportDir(this.outDir);
    for (const f of Object.values(this.files)) rmSync(f, { force: true });
    this.timeline = new JsonlWriter(this.files.timelineJsonl);
  }

  /** Starts sampling the tree of `pid`; called again with another pid, follows that one instead. */
  start(pid: number, t0 = Date.now()): void {
    clearTimeout(this.timer);
    this.sampler?.dispose();
    this.sampler = new TreeSampler(pid, this.opts.intervalMs);
    this.pid = pid;
    this.t0 = t0;
    this.schedule(0, ++this.generation);
  }

  /** Every process seen, so a re-parented orphan can still be killed at the end. */
  get seen(): ProcStat[] {
    return [...(this.sampler?.seen.values() ?? [])];
  }

  private schedule(delayMs: number, generation: number): void {
    if (this.stopped || generation !== this.generation) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.ticking = this.tick()
        .catch((e: Error) => this.opts.onError?.(e))
        .finally(() => {
          this.ticking = undefined;
          this.schedule(Math.max(0, this.opts.intervalMs - (Date.now() - started)), generation);
        });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const sampler = this.sampler;
    if (!sampler || this.stopped) return;
    if (this.opts.beforeSample && !this.opts.beforeSample()) return;
    const processes = await sampler.sample();
    if (processes.length > 0 && !this.stopped && sampler === this.sampler) {
      const t = Date.now();
      this.record({
        t,
        elapsedS: round3((t - this.t0) / 1000),
        totalRssBytes: processes.reduce((a, p) => a + p.rssBytes, 0),
        processes,
      });
    }
    this.opts.afterSample?.();
  }

  private record(s: Sample): void {
    try {
      if (!this.opened) this.open();
      this.timeline?.write(s);
    } catch (e) {
      this.moveToFallback(e, s);
    }
    for (const p of s.processes) {
      this.table.add(s.elapsedS, p);
      this.names.set(p.pid, p.name);
      let series = this.series.get(p.pid);
      if (!series || series.name !== p.name || series.exe !== p.exe)
        this.series.set(p.pid, (series = { name: p.name, exe: p.exe, points: [] }));
      series.points.push({ elapsedS: s.elapsedS, rssBytes: p.rssBytes });
    }
    this.totals.push({ elapsedS: s.elapsedS, rssBytes: s.totalRssBytes });
    this.lastSample = s;
    this.emit('sample', s);
  }

  /**
   * Current RSS of the tree, read synchronously (/proc/<pid>/statm of the last sample's processes,
   * a few µs each): the debug hook's reading at a stop, before the debuggee runs on.
   */
  rssNowSync(): number | undefined {
    if (!this.pid) return undefined;
    const pids = this.lastSample?.processes.map((p) => p.pid) ?? [this.pid];
    let total = 0;
    for (const pid of pids) {
      try {
        total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
      } catch {
        // gone
      }
    }
    return total > 0 ? total : undefined;
  }

  /** Stops sampling: no sample is recorded after this, and one in flight is awaited. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ticking) await this.ticking;
  }

  /** Stops sampling at once and releases the sampler and the timeline file. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.sampler?.dispose();
    this.timeline?.close();
    this.timeline = undefined;
  }

  /** report.json's content from what was recorded, with the caller's lines, verdict inputs and notes. */
  report(input: Omit<ReportInput, 'totals' | 'processes'>): Report {
    return buildReport({ totals: this.totals, processes: this.table.summaries(), ...input });
  }

  /** Writes report.json (atomically); where the report folder cannot take it, in the temp folder, with a note. */
  writeReport(report: Report): string {
    try {
      writeJsonAtomic(this.files.report, report);
    } catch (e) {
      // The folder filled up (or went away) during the run: the report goes where it can.
      const dir = this.fallbackDir();
      report.notes.push(`Could not write ${this.files.report} (${describeFsError(e)}); the report is in ${dir}.`);
      this.files.report = join(dir, 'report.json');
      writeJsonAtomic(this.files.report, report);
      this.emit('note', report.notes[report.notes.length - 1]);
    }
    return this.files.report;
  }

  /** Another JSON file beside report.json (the debug hook's stops.json), written atomically. */
  writeJson(name: string, value: unknown): string {
    const path = join(dirname(this.files.report), name);
    writeJsonAtomic(path, value);
    return path;
  }

  /** Derives timeline.csv from timeline.jsonl; returns what went wrong, if anything. */
  async writeCsv(): Promise<string | undefined> {
    try {
      await writeCsvFromJsonl(this.files.timelineJsonl, this.files.timelineCsv);
      return undefined;
    } catch (e) {
      this.files.timelineCsv = join(this.fallbackDir(), 'timeline.csv');
      await writeCsvFromJsonl(this.files.timelineJsonl, this.files.timelineCsv).catch(() => undefined);
      return `timeline.csv could not be written in ${this.outDir} (${describeFsError(e)}).`;
    }
  }

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
      this.emit('note', `Could not write ${from} (${describeFsError(error)}); the timeline continues in ${to}.`);
    } catch (e) {
      this.emit(
        'note',
        `Could not write the timeline (${describeFsError(error)}), ` +
          `nor a copy in the temp folder (${describeFsError(e)}); sampling goes on in memory only.`,
      );
    }
  }
}

/** "ENOSPC: no space left on the device": a file system error in the user's terms. */
export function describeFsError(e: unknown): string {
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

function writeJsonAtomic(path: string, value: unknown): void {
  writeFileSync(path + '.tmp', JSON.stringify(value, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

/** /proc/<pid>/statm counts pages. */
const PAGE = 4096;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
