// What one profiling backend (RSS, Python's tracemalloc runner, heaptrack) does for a session: it
// may wrap the command the target starts with, picks up what its instrumentation wrote after each
// sample, attributes growth to source lines, and contributes its own series (the Python heap) and
// notes to the report. The RSS timeline itself is the Recorder's, the same for every backend.
// The backends are chosen from the registry in trackers.ts. No `vscode` import.
import type { Attribution, SiteRule } from './lines';
import type { PythonCommand } from './python';
import type { ReportInput } from './report';
import type { Report, ResolvedMode, VerdictOptions } from './types';

/** A backend's id: the mode a session runs in (`--mode`, report's `mode`). */
export type TrackerId = ResolvedMode;

/** A command LeakLens starts, resolved (found on PATH) before any backend is asked about it. */
export interface TrackerTarget {
  /** The command as it runs (the interpreter put before a bare `script.py`). */
  command: string[];
  /** Its executable's path. */
  exe: string;
  /** The script or module, when the command runs Python. */
  python?: PythonCommand;
  /** The PATH tools are looked up in. */
  pathEnv: string;
}

/** What a backend gets from the session that runs it. */
export interface TrackerContext {
  /** The report folder (a backend keeps its own files below it). */
  outDir: string;
  /** Session start, ms since the epoch: a backend's timestamps become seconds since then. */
  t0: number;
  cwd?: string;
  /** Python: exact tracemalloc attribution instead of sampling windows. */
  exact?: boolean;
  /** Python: seconds between snapshots or windows. */
  pythonPeriodS?: number;
  /** Python: tracemalloc frames. */
  frames?: number;
  /** Native: lines are attributed to the first frame under this folder. */
  root?: string;
  verdict?: VerdictOptions;
  /** The name the sampler last saw for a pid (names the process a line grew in). */
  processName(pid: number): string | undefined;
}

export interface Tracker {
  readonly id: TrackerId;
  /** How its lines were found (report.json `linesBy`); undefined when it finds none. */
  readonly linesBy: Report['linesBy'];
  /** The command and environment the target starts with (a runner around the script, a preload). */
  launch(argv: string[], env: NodeJS.ProcessEnv): { argv: string[]; env: NodeJS.ProcessEnv };
  /** After each sample: picks up what the instrumentation wrote since the last poll. */
  poll(): void;
  /** Grows as new data comes in: the session recomputes the lines only when it changed. */
  readonly snapshotCount: number;
  /** Per-line growth so far, with the sites that fired the per-site rule. */
  attribution(rule: SiteRule, runS: number, warmupS: number): Attribution | undefined;
  /** After the target ended: its last data is read; returns the notes for the report. */
  finish(runS: number): Promise<string[]>;
  /** Series of its own for report.json (the Python heap, the growing types). */
  contribution?(): Pick<ReportInput, 'heap' | 'types'>;
  /**
   * Names its instrumentation knows processes by, for those the command line names by their program
   * only: a multiprocessing worker runs `python3 -c …`, the Python runner knows it as SpawnProcess-1.
   */
  processNames?(): ReadonlyMap<number, string>;
  /** Judgements of its own on the built report (a child interpreter's heap that keeps growing). */
  review?(report: Report): void;
}

/** Whether a backend can profile a target; when it cannot, the reason, in the user's terms. */
export type Availability =
  | { available: true; create(ctx: TrackerContext): Tracker }
  | {
      available: false;
      /** What is missing and what the run does instead ("heaptrack not found … (RSS only); install it …"). */
      reason: string;
      /**
       * The target is this backend's kind (a Python script for Python): under `auto` its reason is
       * told and no other backend is tried. Otherwise `auto` moves on silently.
       */
      claims?: boolean;
    };

/** One registry entry: an id, a one-line description, an availability check that builds the tracker. */
export interface TrackerFactory {
  readonly id: TrackerId;
  readonly description: string;
  check(target: TrackerTarget): Availability;
  /** Follows a process LeakLens did not start (`--pid`); only backends that need no launch can. */
  attach?(ctx: TrackerContext): Tracker;
}
