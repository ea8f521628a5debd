// Per-line growth from allocation-site snapshots: pure functions shared by the Python
// (tracemalloc) and native (heaptrack) attributions.
import { theilSen } from './stats';
import { siteRuleFires, type SiteEvidence } from './verdict';
import type { LineGrowth } from './types';

/** Live bytes and block count per site ("file:line") at one instant. */
export interface SiteSnapshot {
  tS: number;
  sites: Map<string, [bytes: number, count: number]>;
}

/** Growth of each site between the two snapshots of one short tracing window (sampling mode). */
export interface SiteWindow {
  tS: number;
  spanS: number;
  sites: Map<string, [bytes: number, count: number]>;
}

export interface SiteRule {
  thresholdPct: number;
  consecutive: number;
  minBytes: number;
}

export interface Attribution {
  lines: LineGrowth[];
  /** Sites that fired the per-site rule, largest growth first. */
  fired: SiteEvidence[];
}

/** Caps the report so a program with a huge number of allocation sites stays readable. */
export const MAX_LINES = 200;

export function splitSite(key: string): { file: string; line: number } {
  const i = key.lastIndexOf(':');
  return { file: key.slice(0, i), line: Number(key.slice(i + 1)) };
}

function finish(lines: LineGrowth[], fired: SiteEvidence[]): Attribution {
  lines.sort((a, b) => b.growthBytes - a.growthBytes || b.bytesPerSecond - a.bytesPerSecond);
  fired.sort((a, b) => b.growthBytes - a.growthBytes);
  return { lines: lines.slice(0, MAX_LINES), fired };
}

/** Exact snapshots of live memory (tracemalloc exact mode, heaptrack polls): growth = last − first. */
export function growthFromSnapshots(all: readonly SiteSnapshot[], rule: SiteRule, warmupS = 0): Attribution {
  // Analyses of the same data (a poll that raced the target's exit, then the final one) are one
  // reading: two of them would show no growth at all, and the run no line.
  const snaps = all.filter((s, i) => i === all.length - 1 || all[i + 1].tS !== s.tS);
  let use = snaps.filter((s) => s.tS >= warmupS);
  if (use.length < 2) use = [...snaps];
  if (use.length === 0) return { lines: [], fired: [] };
  const keys = new Set<string>();
  for (const s of use) for (const k of s.sites.keys()) keys.add(k);
  const first = use[0];
  const last = use[use.length - 1];
  const lines: LineGrowth[] = [];
  const fired: SiteEvidence[] = [];
  for (const key of keys) {
    const series = use.map((s) => s.sites.get(key)?.[0] ?? 0);
    // One analysis only (a short run on a loaded machine, where each analysis waits for the last): what
    // it saw still held grew from nothing at the start.
    const growthBytes = use.length === 1 ? series[0] : series[series.length - 1] - series[0];
    if (growthBytes <= 0 && use.length > 1) continue;
    const growthCount = (last.sites.get(key)?.[1] ?? 0) - (use.length > 1 ? (first.sites.get(key)?.[1] ?? 0) : 0);
    const fit = theilSen(
      use.map((s, i) => ({ x: s.tS, y: series[i] })),
      60,
    );
    const spanS = use.length === 1 ? last.tS : last.tS - first.tS;
    const bytesPerSecond = use.length > 2 ? Math.max(0, fit.slope) : growthBytes / Math.max(1e-9, spanS);
    lines.push({ ...splitSite(key), growthBytes, growthCount, bytesPerSecond });
    if (growthBytes >= rule.minBytes && siteRuleFires(series, rule.thresholdPct, rule.consecutive))
      fired.push({ key, growthBytes });
  }
  return finish(lines, fired);
}

/**
 * Sampling windows: each window measured a site's growth over `spanS` seconds of tracing. The
 * rate is the summed growth over the summed tracing time; the growth is that rate over the run.
 */
export function growthFromWindows(
  windows: readonly SiteWindow[],
  rule: SiteRule,
  runS: number,
  warmupS = 0,
): Attribution {
  let use = windows.filter((w) => w.tS >= warmupS);
  if (use.length === 0) use = [...windows];
  const traced = use.reduce((a, w) => a + w.spanS, 0);
  if (traced <= 0) return { lines: [], fired: [] };
  const totals = new Map<string, [number, number]>();
  for (const w of use) {
    for (const [key, [b, c]] of w.sites) {
      const t = totals.get(key) ?? [0, 0];
      t[0] += b;
      t[1] += c;
      totals.set(key, t);
    }
  }
  const measuredS = Math.max(traced, runS - warmupS);
  const lines: LineGrowth[] = [];
  const fired: SiteEvidence[] = [];
  for (const [key, [b, c]] of totals) {
    if (b <= 0) continue;
    const bytesPerSecond = b / traced;
    const growthBytes = Math.round(bytesPerSecond * measuredS);
    lines.push({ ...splitSite(key), growthBytes, growthCount: Math.round((c / traced) * measuredS), bytesPerSecond });
    // The rule reads the site's estimated cumulative growth, window after window.
    let cum = 0;
    const series = use.map((w) => (cum += Math.max(0, w.sites.get(key)?.[0] ?? 0)));
    if (growthBytes >= rule.minBytes && siteRuleFires(series, rule.thresholdPct, rule.consecutive))
      fired.push({ key, growthBytes });
  }
  return finish(lines, fired);
}
