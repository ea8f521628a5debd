// The Python backend: the target runs under LeakLens's tracemalloc runner (PythonTracker in
// python.ts), every Python process of its tree traced; lines come from sampling windows or, with
// --exact, from snapshots, and the runner's heap readings and growing types go into the report.
import { join } from 'node:path';
import type { Attribution, SiteRule } from './lines';
import { findPythonHelpers, PythonTracker, type ProcessLine, type PythonCommand } from './python';
import type { ReportInput } from './report';
import type { Tracker, TrackerContext, TrackerFactory } from './tracker';
import { readTypeGrowth } from './typegrowth';
import type { LineGrowth, Report } from './types';
import { DEFAULT_VERDICT, defaultWarmupS, mb, verdict, type SiteEvidence } from './verdict';

export class PythonBackend implements Tracker {
  readonly id = 'python';
  readonly linesBy: Report['linesBy'];
  private readonly py: PythonTracker;
  private readonly dir: string;

  constructor(
    command: PythonCommand,
    helpers: string,
    private readonly ctx: TrackerContext,
  ) {
    this.dir = join(ctx.outDir, 'python');
    this.linesBy = ctx.exact ? 'exact' : 'sampling';
    this.py = new PythonTracker(
      command,
      {
        dir: this.dir,
        exact: !!ctx.exact,
        periodS: ctx.pythonPeriodS ?? 1,
        frames: ctx.frames,
        helpers,
        cwd: ctx.cwd,
      },
      ctx.t0,
    );
  }

  launch(_argv: string[], env: NodeJS.ProcessEnv): { argv: string[]; env: NodeJS.ProcessEnv } {
    return { argv: this.py.command(), env: { ...env, PYTHONUNBUFFERED: env.PYTHONUNBUFFERED ?? '1' } };
  }

  poll(): void {
    this.py.poll();
  }

  get snapshotCount(): number {
    return this.py.snapshotCount;
  }

  attribution(rule: SiteRule, runS: number, warmupS: number): Attribution {
    const a = this.py.attribution(rule, runS, warmupS);
    return { lines: a.lines.map((l) => this.tagProcess(l)), fired: this.siteEvidence(a.fired) };
  }

  private get exact(): boolean {
    return !!this.ctx.exact;
  }

  /** A line's process: pid and name (multiprocessing's, else the sampler's: the script, e.g. app.py). */
  private tagProcess(l: ProcessLine): LineGrowth {
    const { procName, ...line } = l;
    if (line.pid === undefined) return line;
    const name = procName ?? this.ctx.processName(line.pid);
    return name ? { ...line, process: name } : line;
  }

  /**
   * Seed 002's per-site rule on sampling windows cannot tell a leak from turnover (a bounded buffer
   * replacing entries looks the same inside windows that trace most of the run); once the Python
   * heap was read often enough, its own trend decides and the windows only name the lines. Exact
   * snapshots keep their evidence.
   */
  private siteEvidence(fired: SiteEvidence[]): SiteEvidence[] {
    if (this.exact) return fired;
    return this.py.heap.filter((p) => p.bytes !== undefined).length >= 5 ? [] : fired;
  }

  async finish(runS: number): Promise<string[]> {
    const py = this.py;
    await py.finish();
    const notes = py.errors.slice(0, 5).map((e) => `python: ${e}`);
    const n = py.snapshotCount;
    const pids = py.tracedPids;
    if (pids.length > 1)
      notes.push(
        `Python processes traced: ${pids.length} (pid ${pids.join(', ')}; the first is the root); ` +
          'each line says which process it grew in.',
      );
    notes.push(
      this.exact
        ? `Python lines: exact tracemalloc attribution from ${n} snapshot(s).`
        : `Python lines: estimated from ${n} tracemalloc window(s) covering ${pct(py.tracedS, runS)} of the run ` +
            '(long while the program waits or its heap grows, short while it computes); ' +
            'use --exact for exact attribution.',
    );
    return notes;
  }

  processNames(): ReadonlyMap<number, string> {
    return this.py.procNames();
  }

  contribution(): Pick<ReportInput, 'heap' | 'types'> {
    return {
      heap: { pid: this.py.runnerPid, points: this.py.heap },
      types: readTypeGrowth(join(this.dir, 'index.jsonl'), this.py.runnerPid),
    };
  }

  /**
   * The Python heap of each traced child, with the same trend test as RSS: a child whose heap keeps
   * growing (zero-filled pages, not resident, do not move RSS) makes the run a leak.
   */
  review(report: Report): void {
    const opts = this.ctx.verdict;
    const minSamples = opts?.minSamples ?? DEFAULT_VERDICT.minSamples;
    for (const { pid, points } of this.py.childHeaps()) {
      const series = points.map((p) => ({ elapsedS: p.elapsedS, rssBytes: p.bytes ?? 0 }));
      if (series.length < 2) continue;
      const spanS = series[series.length - 1].elapsedS - series[0].elapsedS;
      const hv = verdict(series, { ...opts, warmupS: opts?.warmupS ?? defaultWarmupS(spanS) });
      if (hv.measuredSamples < minSamples) continue;
      const proc = report.processes.find((p) => p.pid === pid);
      if (proc) proc.heapGrowthBytesPerSecond = Math.round(hv.growthBytesPerSecond);
      if (hv.verdict !== 'leak') continue;
      const name = report.lines.find((l) => l.pid === pid)?.process ?? proc?.name ?? 'python';
      report.notes.push(
        `The Python heap of ${name} (pid ${pid}) grows ${mb(hv.growthBytesPerSecond)}/s steadily ` +
          `(gc census, ${mb(hv.baselineRssBytes)} → ${mb(hv.finalRssBytes)}).`,
      );
      if (report.verdict !== 'leak') {
        report.notes.push(`Verdict: leak (was ${report.verdict}), from the Python heap of process ${pid}.`);
        report.verdict = 'leak';
        // The root's "flat, so turnover" reading of the lines no longer holds.
        report.notes = report.notes.filter((n) => !n.startsWith('RSS and the Python heap are flat'));
      }
    }
  }
}

/** "12 %" / "0.8 %" of a run. */
function pct(part: number, whole: number): string {
  const p = whole > 0 ? (100 * part) / whole : 0;
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)} %`;
}

export const pythonFactory: TrackerFactory = {
  id: 'python',
  description: 'per-line growth of Python scripts (tracemalloc, in every Python process of the tree)',
  check(target) {
    const command = target.python;
    if (!command)
      return {
        available: false,
        reason: '--mode python needs a Python script (python3 [flags] script.py | -m module); measuring RSS only.',
      };
    const helpers = findPythonHelpers();
    if (!helpers)
      return {
        available: false,
        claims: true,
        reason: 'LeakLens Python runner not found (dist/python); measuring RSS only.',
      };
    return { available: true, create: (ctx) => new PythonBackend(command, helpers, ctx) };
  },
};
