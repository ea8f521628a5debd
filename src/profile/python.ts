// Python mode: the target runs under LeakLens's runner (src/profile/python, shipped as
// dist/python); a separate untraced differ process turns its snapshot files into per-line sizes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readSync, readdirSync, closeSync, fstatSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { HeapPoint, LineGrowth } from './types';
import { withTimeout } from './wait';
import {
  growthFromSnapshots,
  growthFromWindows,
  MAX_LINES,
  type Attribution,
  type SiteRule,
  type SiteSnapshot,
  type SiteWindow,
} from './lines';

export interface PythonCommand {
  python: string;
  /** Arguments that belong to the interpreter command itself: the `-3` of Windows's `py -3`. */
  interpreterArgs?: string[];
  /** Interpreter flags that came before the script (-u, -X dev…). */
  flags: string[];
  /** `['script.py', ...args]` or `['-m', 'module', ...args]`. */
  target: string[];
}

/** python, python3, python3.12, python.exe; py, Windows's launcher. */
const PY_BIN = /^(python(\d+(\.\d+)*)?|py)(\.exe)?$/i;
/** The py launcher's choice of interpreter: -3, -3.12, -3.12-64, -V:3.12. */
const PY_LAUNCHER_ARG = /^-(\d+(\.\d+)?(-(32|64))?|V:.+)$/;
const FLAGS_WITH_ARG = new Set(['-W', '-X', '-Q']);

/**
 * Recognises `x.py ARGS` (run by `defaultPython`: `python3`, or `['py', '-3']`), `python3 [flags]
 * x.py ARGS`, `python3 [flags] -m mod ARGS`, and the same through Windows's `py [-3.12]`.
 */
export function parsePythonCommand(
  command: readonly string[],
  defaultPython: string | readonly string[] = 'python3',
): PythonCommand | undefined {
  if (command.length === 0) return undefined;
  if (command[0].endsWith('.py')) {
    const [python, ...interpreterArgs] = typeof defaultPython === 'string' ? [defaultPython] : defaultPython;
    return { python, ...(interpreterArgs.length ? { interpreterArgs } : {}), flags: [], target: [...command] };
  }
  const program = command[0].replace(/^.*[\\/]/, '');
  if (!PY_BIN.test(basename(program))) return undefined;
  let start = 1;
  if (/^py(\.exe)?$/i.test(program)) while (start < command.length && PY_LAUNCHER_ARG.test(command[start])) start++;
  const interpreter = {
    python: command[0],
    ...(start > 1 ? { interpreterArgs: command.slice(1, start) } : {}),
  };
  const flags: string[] = [];
  for (let i = start; i < command.length; i++) {
    const a = command[i];
    if (a === '-m') return i + 1 < command.length ? { ...interpreter, flags, target: command.slice(i) } : undefined;
    if (a === '-c' || a === '-') return undefined; // inline code: no file to attribute to
    if (!a.startsWith('-')) return { ...interpreter, flags, target: command.slice(i) };
    flags.push(a);
    if (FLAGS_WITH_ARG.has(a) && i + 1 < command.length) flags.push(command[++i]);
  }
  return undefined;
}

/** The interpreter command of a parsed Python command: `['python3']`, `['py', '-3']`. */
export function interpreterCommand(py: PythonCommand): string[] {
  return [py.python, ...(py.interpreterArgs ?? [])];
}

/** dist/python next to the bundle, else src/profile/python above it (tests run from out/). */
export function findPythonHelpers(from = __dirname): string | undefined {
  for (let dir = from, up = 0; up < 5; dir = join(dir, '..'), up++) {
    for (const d of [join(dir, 'python'), join(dir, 'src', 'profile', 'python')]) {
      if (existsSync(join(d, 'leaklens_runner.py'))) return d;
    }
  }
  return undefined;
}

export interface PythonTrackerOptions {
  dir: string;
  exact: boolean;
  periodS: number;
  frames?: number;
  helpers: string;
  cwd?: string;
}

/**
 * One traced interpreter of the target's tree: the root (DIR/index.jsonl) or a child process the
 * runner propagated itself into (DIR/p<pid>/index.jsonl: multiprocessing fork/spawn/forkserver
 * workers, Python subprocesses).
 */
interface TracedProcess {
  dir: string;
  root: boolean;
  offset: number;
  partial: string;
  pid?: number;
  /** multiprocessing's name of the process ("Process-1"), from its snapshot records. */
  procName?: string;
  /** Session seconds of its first and last records. */
  firstS?: number;
  lastS?: number;
  snapshots: SiteSnapshot[];
  /** A child's Python heap readings (the root's are `PythonTracker.heap`). */
  heap: HeapPoint[];
  windows: SiteWindow[];
}

/** A reported line with the process it grew in. */
export interface ProcessLine extends LineGrowth {
  pid?: number;
  /** multiprocessing's name of the process, when it has one. */
  procName?: string;
}

export class PythonTracker {
  private readonly procs = new Map<string, TracedProcess>();
  private differ: ChildProcessWithoutNullStreams | undefined;
  private differDone: Promise<void> = Promise.resolve();
  private readonly pending = new Map<string, (sites: Map<string, [number, number]> | undefined) => void>();
  private readonly inflight: Promise<void>[] = [];
  readonly errors: string[] = [];
  /** The runner's Python heap over time (index.jsonl "heap" records). */
  readonly heap: HeapPoint[] = [];
  /** The pid of the interpreter running the target (the runner's "meta" record). */
  runnerPid: number | undefined;

  constructor(
    private readonly py: PythonCommand,
    private readonly opts: PythonTrackerOptions,
    private readonly t0Ms: number,
  ) {
    mkdirSync(opts.dir, { recursive: true });
  }

  command(): string[] {
    const o = this.opts;
    const args = ['--out', o.dir, '--mode', o.exact ? 'exact' : 'sample', '--period', String(o.periodS)];
    if (o.frames) args.push('--frames', String(o.frames));
    const runner = join(o.helpers, 'leaklens_runner.py');
    return [...interpreterCommand(this.py), ...this.py.flags, runner, ...args, '--', ...this.py.target];
  }

  /** Reads new complete lines of every process's index.jsonl and hands their snapshot files to the differ. */
  poll(): void {
    const dirs = [this.opts.dir];
    try {
      for (const e of readdirSync(this.opts.dir)) if (/^p\d+$/.test(e)) dirs.push(join(this.opts.dir, e));
    } catch {
      return;
    }
    for (const dir of dirs) {
      let proc = this.procs.get(dir);
      if (!proc) {
        proc = { dir, root: dir === this.opts.dir, offset: 0, partial: '', snapshots: [], windows: [], heap: [] };
        this.procs.set(dir, proc);
      }
      this.pollOne(proc);
    }
  }

  private pollOne(proc: TracedProcess): void {
    const path = join(proc.dir, 'index.jsonl');
    if (!existsSync(path)) return;
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= proc.offset) return;
      const buf = Buffer.alloc(size - proc.offset);
      readSync(fd, buf, 0, buf.length, proc.offset);
      proc.offset = size;
      const text = proc.partial + buf.toString('utf8');
      const lines = text.split('\n');
      proc.partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.onIndex(proc, JSON.parse(line) as IndexRecord);
    } finally {
      closeSync(fd);
    }
  }

  private onIndex(proc: TracedProcess, rec: IndexRecord): void {
    const tS = (rec.t ?? 0) - this.t0Ms / 1000;
    if (rec.t !== undefined) {
      proc.firstS = Math.min(proc.firstS ?? tS, tS);
      proc.lastS = Math.max(proc.lastS ?? tS, tS);
    }
    if (rec.proc) proc.procName = rec.proc;
    if (rec.kind === 'meta') {
      proc.pid = rec.pid;
      if (proc.root) this.runnerPid = rec.pid;
      if (typeof rec.start === 'number') proc.firstS = rec.start - this.t0Ms / 1000;
    } else if (rec.kind === 'heap' && !proc.root) {
      // A child's heap: judged per process by the session (report.heap is the root interpreter's).
      if (typeof rec.bytes === 'number' && typeof rec.blocks === 'number')
        proc.heap.push({ elapsedS: Math.round(tS * 1000) / 1000, blocks: rec.blocks, bytes: rec.bytes });
    } else if (rec.kind === 'heap' && typeof rec.blocks === 'number') {
      const p: HeapPoint = { elapsedS: Math.round(tS * 1000) / 1000, blocks: rec.blocks };
      if (typeof rec.bytes === 'number') p.bytes = rec.bytes;
      if (rec.source) p.source = rec.source;
      if (typeof rec.census_s === 'number') p.costS = rec.census_s;
      this.heap.push(p);
    } else if (rec.kind === 'exact' && rec.file) {
      this.inflight.push(
        this.diff(proc.dir, rec.file).then((sites) => {
          if (sites) proc.snapshots.push({ tS, sites });
        }),
      );
    } else if (rec.kind === 'window' && rec.a && rec.b) {
      const a = this.diff(proc.dir, rec.a);
      const b = this.diff(proc.dir, rec.b);
      this.inflight.push(
        Promise.all([a, b]).then(([sa, sb]) => {
          if (!sa || !sb) return;
          const delta = new Map<string, [number, number]>();
          for (const [k, [bytes, count]] of sb) delta.set(k, [bytes, count]);
          for (const [k, [bytes, count]] of sa) {
            const d = delta.get(k) ?? [0, 0];
            delta.set(k, [d[0] - bytes, d[1] - count]);
          }
          proc.windows.push({ tS, spanS: rec.span ?? 0, sites: delta });
        }),
      );
    }
  }

  private diff(dir: string, name: string): Promise<Map<string, [number, number]> | undefined> {
    const differ = this.startDiffer();
    const path = join(dir, name);
    return new Promise((resolveSites) => {
      this.pending.set(path, resolveSites);
      differ.stdin.write(path + '\n');
    });
  }

  private startDiffer(): ChildProcessWithoutNullStreams {
    if (this.differ) return this.differ;
    // The sitecustomize.py the runner writes for child interpreters is LeakLens's, not the user's.
    const exclude = [join(this.opts.dir, 'site'), process.env.LEAKLENS_EXCLUDE].filter(Boolean).join(delimiter);
    const [python, ...interpreterArgs] = interpreterCommand(this.py);
    const differ = spawn(python, [...interpreterArgs, join(this.opts.helpers, 'leaklens_diff.py')], {
      cwd: this.opts.cwd,
      stdio: 'pipe',
      windowsHide: true,
      env: { ...process.env, LEAKLENS_EXCLUDE: exclude },
    });
    this.differ = differ;
    differ.on('error', (e) => this.errors.push(`snapshot differ failed: ${e.message}`));
    differ.stderr.on('data', (d: Buffer) => this.errors.push(d.toString().trim()));
    const rl = createInterface({ input: differ.stdout });
    rl.on('line', (line) => {
      const out = JSON.parse(line) as { path: string; sites?: Record<string, [number, number]>; error?: string };
      if (out.error) this.errors.push(`${basename(out.path)}: ${out.error}`);
      this.pending.get(out.path)?.(out.sites ? new Map(Object.entries(out.sites)) : undefined);
      this.pending.delete(out.path);
    });
    this.differDone = new Promise((r) =>
      differ.on('close', () => {
        for (const done of this.pending.values()) done(undefined);
        this.pending.clear();
        r();
      }),
    );
    return differ;
  }

  /**
   * Per-line growth of every traced process, each line tagged with its pid: the root's over the run,
   * a child's over its own life (from its first record, or the warm-up if later, to its last record).
   */
  attribution(rule: SiteRule, runS: number, warmupS: number): Attribution & { lines: ProcessLine[] } {
    const lines: ProcessLine[] = [];
    const fired: Attribution['fired'] = [];
    for (const proc of this.procs.values()) {
      let a: Attribution;
      if (this.opts.exact) {
        a = growthFromSnapshots(
          [...proc.snapshots].sort((x, y) => x.tS - y.tS),
          rule,
          proc.root ? warmupS : Math.max(warmupS, proc.firstS ?? 0),
        );
      } else if (proc.root) {
        a = growthFromWindows(
          [...proc.windows].sort((x, y) => x.tS - y.tS),
          rule,
          runS,
          warmupS,
        );
      } else {
        const start = Math.max(warmupS, proc.firstS ?? 0);
        const end = Math.min(runS, (proc.lastS ?? runS) + this.opts.periodS);
        a = growthFromWindows(
          [...proc.windows].sort((x, y) => x.tS - y.tS),
          rule,
          Math.max(start, end),
          start,
        );
      }
      const tag = (l: LineGrowth): ProcessLine => {
        const out: ProcessLine = { ...l };
        if (proc.pid !== undefined) out.pid = proc.pid;
        if (proc.procName) out.procName = proc.procName;
        return out;
      };
      lines.push(...a.lines.map(tag));
      fired.push(...a.fired.map((f) => (proc.root ? f : { ...f, key: `${f.key} (pid ${proc.pid ?? '?'})` })));
    }
    lines.sort((a, b) => b.growthBytes - a.growthBytes || b.bytesPerSecond - a.bytesPerSecond);
    fired.sort((a, b) => b.growthBytes - a.growthBytes);
    return { lines: lines.slice(0, MAX_LINES), fired };
  }

  /** The Python heap readings (census bytes) of each traced child interpreter. */
  childHeaps(): { pid: number; points: HeapPoint[] }[] {
    return [...this.procs.values()].flatMap((p) =>
      !p.root && p.pid !== undefined && p.heap.length ? [{ pid: p.pid, points: p.heap }] : [],
    );
  }

  /** The name each traced interpreter gave itself (multiprocessing's "SpawnProcess-1", else its script). */
  procNames(): Map<number, string> {
    const out = new Map<number, string>();
    for (const p of this.procs.values()) if (p.pid !== undefined && p.procName) out.set(p.pid, p.procName);
    return out;
  }

  /** Pids of the traced interpreters, root first. */
  get tracedPids(): number[] {
    const procs = [...this.procs.values()].sort((a, b) => Number(b.root) - Number(a.root));
    return procs.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  /** Seconds traced in the root's sampling windows (their B − A spans). */
  get tracedS(): number {
    return this.rootProc()?.windows.reduce((a, w) => a + w.spanS, 0) ?? 0;
  }

  get snapshotCount(): number {
    let n = 0;
    for (const p of this.procs.values()) n += this.opts.exact ? p.snapshots.length : p.windows.length;
    return n;
  }

  private rootProc(): TracedProcess | undefined {
    return this.procs.get(this.opts.dir);
  }

  /** After the target exited: picks up the last snapshots and lets the differ finish them. */
  async finish(timeoutMs = 30000): Promise<void> {
    this.poll();
    await withTimeout(Promise.all(this.inflight), timeoutMs);
    this.differ?.stdin.end();
    if (this.differ && this.differ.exitCode === null) {
      await withTimeout(this.differDone, 5000);
      if (this.differ.exitCode === null) this.differ.kill('SIGKILL');
    }
  }
}

interface IndexRecord {
  kind: 'meta' | 'window' | 'exact' | 'heap';
  t?: number;
  pid?: number;
  start?: number;
  proc?: string | null;
  blocks?: number;
  bytes?: number;
  source?: 'census' | 'tracemalloc';
  census_s?: number;
  file?: string;
  a?: string;
  b?: string;
  span?: number;
}
