// RSS and CPU of the target's tree through `pidusage`, guarded against its faults seen here:
// `maxage: 0` recurses until file descriptors run out (we always pass a positive maxage); after a
// process exits, reads fail with ESRCH and its cached /proc fd stays open until the entry expires
// (we close it and `clear()`); a zombie reads memory 0 (we skip zombies instead of reporting a drop).
import { closeSync } from 'node:fs';
import { totalmem } from 'node:os';
import pidusage from 'pidusage';
import { ProcScanner, readStat, type ProcStat } from './proctree';
import type { ProcessSample } from './types';

// pidusage keeps each pid's previous /proc/<pid>/stat reading (and its open fd) in this module.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const history: { get(pid: number, maxage?: number): { fd?: number } | undefined } = require('pidusage/lib/history');

export class TreeSampler {
  /** Every process seen, so a re-parented orphan can still be killed at the end. */
  readonly seen = new Map<number, ProcStat>();
  private readonly maxage: number;
  private tracked = new Set<number>();
  private readonly scanner = new ProcScanner();

  constructor(
    private readonly root: number,
    intervalMs: number,
  ) {
    // Long enough to keep the CPU baseline between samples, short enough to expire dead pids.
    this.maxage = Math.max(2000, 5 * intervalMs);
  }

  async sample(): Promise<ProcessSample[]> {
    const tree = this.scanner.tree(this.root).filter((st) => st.state !== 'Z' && st.state !== 'X');
    const live = new Set(tree.map((st) => st.pid));
    for (const pid of this.tracked) if (!live.has(pid)) this.release(pid);
    const total = totalmem();
    const rows = await Promise.all(
      tree.map(async (st): Promise<ProcessSample | undefined> => {
        if (!this.seen.has(st.pid)) this.seen.set(st.pid, st);
        try {
          const u = await pidusage(st.pid, { maxage: this.maxage });
          this.tracked.add(st.pid);
          // A process that turned zombie between the scan and the read reports 0: not a measurement.
          if (u.memory === 0 && readStat(st.pid)?.state === 'Z') return undefined;
          return {
            pid: st.pid,
            ppid: st.ppid,
            name: st.name,
            rssBytes: u.memory,
            cpuPercent: round1(u.cpu),
            memoryPercent: round2((u.memory / total) * 100),
          };
        } catch {
          this.release(st.pid);
          return undefined;
        }
      }),
    );
    return rows.filter((r): r is ProcessSample => r !== undefined);
  }

  /** Closes pidusage's cached fd of a pid that is gone (it would stay open up to `maxage`). */
  private release(pid: number): void {
    const h = history.get(pid, this.maxage);
    if (h?.fd !== undefined) {
      try {
        closeSync(h.fd);
      } catch {
        // Already closed.
      }
      h.fd = undefined;
    }
    this.tracked.delete(pid);
  }

  dispose(): void {
    for (const pid of [...this.tracked]) this.release(pid);
    pidusage.clear();
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
