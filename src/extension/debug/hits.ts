// Growth per breakpoint hit (no `vscode` import; unit-tested on plain Node). The debug hook records
// the debuggee's RSS when it stops and when it is resumed; the growth between leaving one stop and
// reaching the next belongs to the code that ran in between (memory that grew while paused, e.g. by
// the debugger's own evaluations, is not counted). When the same location is hit again and again
// (a breakpoint in a loop), the growth from one hit to the next is one iteration's growth.

export interface Stop {
  /** Seconds since the debug session's sampling started. */
  elapsedS: number;
  reason: string;
  /** Tree RSS when the stop was reported. */
  rssBytes: number;
  /** Tree RSS when the debuggee was resumed after this stop (undefined while still stopped). */
  resumeRssBytes?: number;
  /** Growth since the debuggee was last resumed (the stretch of code that led here). */
  stretchBytes: number;
  file?: string;
  line?: number;
}

export interface LocationStats {
  file: string;
  line: number;
  hits: number;
  /** Growth of each iteration: from one hit at this location to the next (hits - 1 values). */
  iterations: number[];
  /** Median growth per iteration. */
  perHitBytes: number;
  /** Sum of iteration growths. */
  totalBytes: number;
  /** Share of iterations that grew (0..1). */
  growingShare: number;
  /** Indexes into `stops` of this location's hits. */
  stopIndexes: number[];
  /** True when per-hit growth is at least the threshold and most iterations grew. */
  leaking: boolean;
}

export class HitTracker {
  readonly stops: Stop[] = [];
  private lastResume: number | undefined;

  /** A stop was reported; returns its index (the location comes later, from the stack trace). */
  stopped(elapsedS: number, rssBytes: number, reason: string): number {
    const prev = this.stops[this.stops.length - 1];
    const from = this.lastResume ?? prev?.resumeRssBytes ?? prev?.rssBytes ?? rssBytes;
    this.stops.push({ elapsedS, reason, rssBytes, stretchBytes: this.stops.length ? rssBytes - from : 0 });
    this.lastResume = undefined;
    return this.stops.length - 1;
  }

  locate(index: number, file: string, line: number): void {
    const s = this.stops[index];
    if (s && s.file === undefined) {
      s.file = file;
      s.line = line;
    }
  }

  resumed(rssBytes: number): void {
    const last = this.stops[this.stops.length - 1];
    if (last && last.resumeRssBytes === undefined) last.resumeRssBytes = rssBytes;
    this.lastResume = rssBytes;
  }

  /** Per-location statistics; `minPerHitBytes` decides `leaking`. */
  locations(minPerHitBytes: number): LocationStats[] {
    const byKey = new Map<string, number[]>();
    this.stops.forEach((s, i) => {
      if (s.file === undefined || s.line === undefined) return;
      const k = `${s.file}\n${s.line}`;
      const list = byKey.get(k) ?? [];
      list.push(i);
      byKey.set(k, list);
    });
    const out: LocationStats[] = [];
    for (const [k, idx] of byKey) {
      const [file, line] = k.split('\n');
      const iterations: number[] = [];
      for (let j = 1; j < idx.length; j++) {
        let g = 0;
        for (let i = idx[j - 1] + 1; i <= idx[j]; i++) g += this.stops[i].stretchBytes;
        iterations.push(g);
      }
      const perHitBytes = iterations.length ? median(iterations) : 0;
      const growingShare = iterations.length ? iterations.filter((g) => g > 0).length / iterations.length : 0;
      out.push({
        file,
        line: Number(line),
        hits: idx.length,
        iterations,
        perHitBytes,
        totalBytes: iterations.reduce((a, b) => a + b, 0),
        growingShare,
        stopIndexes: idx,
        leaking: iterations.length >= 2 && perHitBytes >= minPerHitBytes && growingShare >= 0.6,
      });
    }
    return out.sort((a, b) => b.totalBytes - a.totalBytes);
  }
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** PID of a js-debug child session from its name ("leak.js [12345]"). */
export function pidFromSessionName(name: string): number | undefined {
  const m = /\[(\d+)\]\s*$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Debugpy's `evaluate` result for a string: repr ('...' or "...") or the bare text. */
export function unquotePythonString(result: string): string {
  const r = result.trim();
  if (r.length >= 2 && (r[0] === "'" || r[0] === '"') && r[r.length - 1] === r[0]) {
    return r.slice(1, -1).replace(/\\(\\|'|"|n|t)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  }
  return r;
}
