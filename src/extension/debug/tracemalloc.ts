// "LeakLens: Track allocations in this session" for Python (debugpy): starts tracemalloc in the
// debuggee through DAP `evaluate` (context 'clipboard': 'repl' truncates long results), dumps a
// snapshot to a file at each later stop, and diffs the snapshots in a separate, untraced Python
// process (the profiler's leaklens_diff.py), attributing each block to the deepest frame in the
// user's own files. The lines that grew since tracking started go on the overlay. At each stop a
// census of the objects gc tracks (the profiler's leaklens_types.py, loaded into the debuggee) finds
// the types that keep growing from stop to stop and what keeps one alive; a line that makes objects
// of such a type shows them in its hover, and the session's report keeps them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import type { LineGrowth, TypeGrowth } from '../../profile';
import { findPythonHelpers } from '../../profile/python';
import { typeGrowthFromRecord, type TypeGrowthInput } from '../../profile/typegrowth';
import { fmtSigned, typesAllocatedOn, typesMarkdown } from '../profile/format';
import { sourceLines } from '../profile/report-ui';
import type { MemoryShared } from '../profile/shared';
import { unquotePythonString } from './hits';

const START =
  "(lambda t, s, o: (t.is_tracing() or t.start(25), __import__('json').dumps({'exe': s.executable, 'exclude': sorted({o.path.dirname(o.path.abspath(m.__file__)) for m in [s.modules.get(n) for n in ('debugpy', 'pydevd', '_pydevd_bundle')] if m is not None and getattr(m, '__file__', None)})}))[1])(__import__('tracemalloc'), __import__('sys'), __import__('os'))";
const dump = (path: string) => `__import__('tracemalloc').take_snapshot().dump(${JSON.stringify(path)}) or 'dumped'`;
/**
 * Loads leaklens_types.py into the debuggee as the module leaklens_stop_types, before tracemalloc
 * starts: its code is not traced, and later stops find it (and the baseline it keeps) there.
 */
const loadTypes = (file: string) =>
  `(lambda s, u: (s.modules.get('leaklens_stop_types') or (lambda spec: (lambda m: (spec.loader.exec_module(m), ` +
  `s.modules.__setitem__('leaklens_stop_types', m), m)[2])(u.module_from_spec(spec)))` +
  `(u.spec_from_file_location('leaklens_stop_types', ${JSON.stringify(file)}))).__name__)` +
  `(__import__('sys'), __import__('importlib.util').util)`;
/**
 * The type census of a stop, answering JSON; the debugger's own folders are no roots of the chains.
 * Short and the same at every stop: the debugger caches the expressions it compiles, and a cached
 * string of our own would read as memory the stopped line keeps. What the census itself allocates
 * under tracemalloc the differ leaves out (a frame of LeakLens's own folder).
 */
const TYPE_CENSUS = "__import__('sys').modules['leaklens_stop_types'].stop_census()";

type Sites = Map<string, [number, number]>;

export class AllocationTracker {
  lines: LineGrowth[] = [];
  snapshots = 0;
  /** The types that grew from stop to stop since tracking started (none before the third stop). */
  types: TypeGrowth[] = [];
  /** Why there are no types: the census failed in the debuggee. */
  typesError: string | undefined;
  private typesInput: TypeGrowthInput | undefined;
  private censusReady = false;
  private differ: ChildProcessWithoutNullStreams | undefined;
  private readonly waiting = new Map<string, (sites: Sites | undefined) => void>();
  private baseline: Sites | undefined;
  private busy = false;
  private readonly dir = mkdtempSync(join(tmpdir(), 'leaklens-tracemalloc-'));
  private readonly t0 = Date.now();

  constructor(
    private readonly session: vscode.DebugSession,
    private readonly shared: MemoryShared,
    private readonly title: string,
  ) {}

  private async evaluate(expression: string, frameId: number): Promise<string> {
    const r = (await this.session.customRequest('evaluate', { expression, frameId, context: 'clipboard' })) as {
      result?: string;
    };
    return unquotePythonString(r.result ?? '');
  }

  async start(frameId: number): Promise<void> {
    if (this.differ) return;
    const helpers = findPythonHelpers(__dirname);
    if (!helpers) throw new Error('LeakLens snapshot differ (dist/python) not found');
    try {
      const loaded = await this.evaluate(loadTypes(join(helpers, 'leaklens_types.py')), frameId);
      this.censusReady = loaded.includes('leaklens_stop_types');
      if (!this.censusReady) this.typesError = `leaklens_types.py not loaded in the debuggee: ${loaded.slice(0, 120)}`;
    } catch (e) {
      this.typesError = `leaklens_types.py not loaded in the debuggee: ${(e as Error).message}`;
    }
    const text = await this.evaluate(START, frameId);
    let info: { exe: string; exclude: string[] };
    try {
      info = JSON.parse(text) as { exe: string; exclude: string[] };
    } catch {
      throw new Error(`unexpected answer from the debuggee: ${text.slice(0, 120)}`);
    }
    // The differ runs under the debuggee's own interpreter, so its stdlib/site-packages are excluded;
    // debugpy's own folders are excluded too (its trace function runs on top of user frames).
    const differ = spawn(info.exe, [join(helpers, 'leaklens_diff.py')], {
      stdio: 'pipe',
      env: { ...process.env, LEAKLENS_EXCLUDE: info.exclude.join(':') },
    });
    this.differ = differ;
    differ.on('error', () => undefined);
    createInterface({ input: differ.stdout }).on('line', (line) => {
      try {
        const j = JSON.parse(line) as { path: string; sites?: Record<string, [number, number]> };
        this.waiting.get(j.path)?.(j.sites ? new Map(Object.entries(j.sites)) : undefined);
        this.waiting.delete(j.path);
      } catch {
        // not ours
      }
    });
    await this.atStop(frameId);
  }

  /** At a stop: dump a snapshot in the debuggee, diff it out of process, update the overlay. */
  async atStop(frameId: number): Promise<void> {
    if (!this.differ || this.busy) return;
    this.busy = true;
    try {
      const path = join(this.dir, `snap-${this.snapshots++}.tracemalloc`);
      await this.evaluate(dump(path), frameId);
      const diffed = new Promise<Sites | undefined>((resolve) => {
        this.waiting.set(path, resolve);
        this.differ!.stdin.write(path + '\n');
      });
      // While the differ reads the snapshot out of process: the census needs the program stopped.
      await this.takeCensus(frameId);
      const sites = await diffed;
      if (!sites) return;
      if (!this.baseline) {
        this.baseline = sites;
        return;
      }
      const runS = Math.max(1e-3, (Date.now() - this.t0) / 1000);
      const out: LineGrowth[] = [];
      for (const [key, [bytes, count]] of sites) {
        const [b0, c0] = this.baseline.get(key) ?? [0, 0];
        if (bytes - b0 < 1024) continue;
        const at = key.lastIndexOf(':');
        out.push({
          file: key.slice(0, at),
          line: Number(key.slice(at + 1)),
          growthBytes: bytes - b0,
          growthCount: count - c0,
          bytesPerSecond: (bytes - b0) / runS,
        });
      }
      this.lines = out.sort((a, b) => b.growthBytes - a.growthBytes).slice(0, 30);
      const text = sourceLines();
      this.shared.overlay.set(
        'tracemalloc',
        this.lines.map((l) => {
          const made = typesAllocatedOn(text(l.file)[l.line - 1] ?? '', this.types);
          const types = typesMarkdown('**Growing types made on this line** (counted at each stop):', made);
          return {
            file: l.file,
            line: l.line,
            label: `${fmtSigned(l.growthBytes)} allocated since tracking (${l.growthCount} blocks)`,
            weight: l.growthBytes,
            hover: [
              `**LeakLens tracemalloc** · ${this.title}`,
              '',
              `Live memory allocated on this line grew **${fmtSigned(l.growthBytes)}** ` +
                `(${l.growthCount.toLocaleString('en-US')} blocks) since "Track allocations" started, ` +
                `over ${this.snapshots - 1} stop(s).`,
              ...(types.length ? ['', ...types] : []),
            ].join('\n'),
          };
        }),
      );
    } catch {
      // the program was resumed meanwhile: try again at the next stop
    } finally {
      this.busy = false;
    }
  }

  /** The type census of this stop, in the debuggee (the program is paused: it costs no run time). */
  private async takeCensus(frameId: number): Promise<void> {
    if (!this.censusReady) return;
    try {
      const rec = JSON.parse(await this.evaluate(TYPE_CENSUS, frameId)) as Parameters<typeof typeGrowthFromRecord>[0];
      this.typesInput = typeGrowthFromRecord({ ...rec, kind: 'types' }, 0);
      this.types = this.typesInput.types;
      this.typesError = undefined;
    } catch (e) {
      this.typesError = (e as Error).message; // an answer that is not JSON: the census failed there
    }
  }

  /** The growing types for the session's report (report.json `types`, `typesCensus`). */
  typesForReport(pid: number | undefined): TypeGrowthInput | undefined {
    if (!this.typesInput || pid === undefined) return undefined;
    return { types: this.typesInput.types, census: { ...this.typesInput.census, pid } };
  }

  dispose(): void {
    this.differ?.stdin.end();
    this.differ?.kill();
    for (const r of this.waiting.values()) r(undefined);
    this.waiting.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
