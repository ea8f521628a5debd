// The native backend: the target runs with heaptrack's preload library (NativeTracker in
// heaptrack.ts); its leaks so far are read while it runs and attributed to the first frame under
// the project's folder. Needs heaptrack installed and a binary built with -g.
import { resolve } from 'node:path';
import { findHeaptrack, hasDebugInfo, HEAPTRACK_INSTALL_HINT, NativeTracker, type HeaptrackTools } from './heaptrack';
import type { Attribution, SiteRule } from './lines';
import type { Tracker, TrackerContext, TrackerFactory } from './tracker';

export class HeaptrackBackend implements Tracker {
  readonly id = 'native';
  readonly linesBy = 'heaptrack';
  private readonly native: NativeTracker;

  constructor(tools: HeaptrackTools, ctx: TrackerContext) {
    this.native = new NativeTracker(tools, ctx.outDir, resolve(ctx.root ?? ctx.cwd ?? process.cwd()), ctx.t0);
  }

  launch(argv: string[], env: NodeJS.ProcessEnv): { argv: string[]; env: NodeJS.ProcessEnv } {
    return { argv, env: this.native.env(env) };
  }

  poll(): void {
    this.native.poll();
  }

  get snapshotCount(): number {
    return this.native.snapshotCount;
  }

  attribution(rule: SiteRule, _runS: number, warmupS: number): Attribution {
    return this.native.attribution(rule, warmupS);
  }

  async finish(): Promise<string[]> {
    const native = this.native;
    await native.finish();
    const notes = native.errors.slice(0, 5).map((e) => `heaptrack: ${e}`);
    if (native.lacksLineInfo) notes.push('heaptrack found leaks but no file:line: build with -g to see the lines.');
    notes.push(`Native lines from heaptrack; full data in ${native.dataPath} (heaptrack_print / heaptrack_gui).`);
    return notes;
  }
}

export const heaptrackFactory: TrackerFactory = {
  id: 'native',
  description: 'per-line growth of native programs built with -g (heaptrack)',
  check(target) {
    const tools = findHeaptrack(target.pathEnv);
    if (!tools)
      return {
        available: false,
        reason: `heaptrack not found, so no per-line growth (RSS only); ${HEAPTRACK_INSTALL_HINT}.`,
      };
    if (!hasDebugInfo(target.exe))
      return {
        available: false,
        reason:
          `${target.exe} has no debug info (or is not an ELF binary): ` +
          'no per-line growth (RSS only); rebuild with -g.',
      };
    return { available: true, create: (ctx) => new HeaptrackBackend(tools, ctx) };
  },
};
