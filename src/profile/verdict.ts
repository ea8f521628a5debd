// The leak verdict: a pure function of the RSS series (and, when available, per-site growth).
// Trend = Theil–Sen slope after a warm-up, gated by Kendall's tau so one jump is not a trend;
// a run whose memory comes back to its baseline after a peak is `no-leak` (seed 001's after-fix
// case); seed 002's per-site rule can confirm a borderline trend.
import { median, quantile, theilSen, type TrendFit } from './stats';
import type { Verdict, VerdictOptions } from './types';

export interface RssPoint {
  elapsedS: number;
  rssBytes: number;
}

export interface VerdictResult {
  verdict: Verdict;
  growthBytesPerSecond: number;
  fit: TrendFit;
  warmupS: number;
  baselineRssBytes: number;
  finalRssBytes: number;
  peakRssBytes: number;
  peakAtS: number;
  returnedToBaseline: boolean;
  /** Rose and then stayed flat (a bounded cache warming up): the level and when it was reached. */
  plateau?: { rssBytes: number; fromS: number };
  /** Samples after the warm-up that the trend was fitted on. */
  measuredSamples: number;
  notes: string[];
}

export const DEFAULT_VERDICT = {
  minSlopeBytesPerS: 16 * 1024,
  minTrend: 0.5,
  minSamples: 5,
  siteThresholdPct: 2,
  siteConsecutive: 3,
  minSiteBytes: 1024 * 1024,
} as const;

const MiB = 1024 * 1024;

/** How the plateau note names what it saw (report.ts finds the note by it). */
export const PLATEAU_WORDS = 'a plateau (a cache or pool filled to its bound)';

export function defaultWarmupS(durationS: number): number {
  return Math.min(30, 0.2 * durationS);
}

/** Sites that fired seed 002's rule, with their growth; fed in from python/native attribution. */
export interface SiteEvidence {
  key: string;
  growthBytes: number;
}

export function verdict(
  series: readonly RssPoint[],
  opts: VerdictOptions = {},
  sites: readonly SiteEvidence[] = [],
): VerdictResult {
  const notes: string[] = [];
  const durationS = series.length ? series[series.length - 1].elapsedS - series[0].elapsedS : 0;
  const warmupS = opts.warmupS ?? defaultWarmupS(durationS);
  const start = series.length ? series[0].elapsedS + warmupS : 0;
  let measured = series.filter((p) => p.elapsedS >= start);
  if (measured.length < 2) measured = [...series];

  let peak = { rssBytes: 0, elapsedS: 0 };
  for (const p of series) if (p.rssBytes > peak.rssBytes) peak = p;
  // Baseline: the low level of the first half of the measured window (10th percentile), so a
  // peak that starts right after the warm-up is not taken for the baseline (seed 001).
  const firstHalf = measured.slice(0, Math.max(1, Math.ceil(measured.length / 2))).map((p) => p.rssBytes);
  const tail = measured.slice(-3).map((p) => p.rssBytes);
  const baseline = firstHalf.length ? quantile(firstHalf, 0.1) : 0;
  const final = tail.length ? median(tail) : 0;
  const fit = theilSen(measured.map((p) => ({ x: p.elapsedS, y: p.rssBytes })));
  const spanS = measured.length > 1 ? measured[measured.length - 1].elapsedS - measured[0].elapsedS : 0;

  const minSlope = opts.minSlopeBytesPerS ?? DEFAULT_VERDICT.minSlopeBytesPerS;
  const minGrowth = opts.minGrowthBytes ?? Math.max(MiB, 0.02 * baseline);
  const minTrend = opts.minTrend ?? DEFAULT_VERDICT.minTrend;
  const minSamples = opts.minSamples ?? DEFAULT_VERDICT.minSamples;

  const returned = final - baseline < minGrowth / 2;
  let plateau: { rssBytes: number; fromS: number } | undefined;
  const result = (v: Verdict): VerdictResult => ({
    verdict: v,
    growthBytesPerSecond: fit.slope,
    fit,
    warmupS,
    baselineRssBytes: baseline,
    finalRssBytes: final,
    peakRssBytes: peak.rssBytes,
    peakAtS: peak.elapsedS - (series[0]?.elapsedS ?? 0),
    returnedToBaseline: returned,
    measuredSamples: measured.length,
    ...(plateau ? { plateau } : {}),
    notes,
  });

  if (measured.length < minSamples) {
    notes.push(
      `Only ${measured.length} samples after the ${warmupS.toFixed(1)} s warm-up: too few for a trend; run longer or lower --interval.`,
    );
    return result('inconclusive');
  }
  const rising = fit.slope >= minSlope && fit.slope * spanS >= minGrowth;
  let v: Verdict;
  if (!rising || returned) {
    v = 'no-leak';
    // Rose, then stayed: a cache or pool that filled to its bound (warm-up), not a leak. Only a rise
    // that took a while: an interpreter's own start (imports) is over within the first second.
    const start = series[0];
    const rise = start ? final - start.rssBytes : 0;
    const reached = start && series.find((p) => p.rssBytes - start.rssBytes >= 0.9 * rise);
    if (!rising && start && reached && rise >= Math.max(minGrowth, 4 * MiB) && reached.elapsedS - start.elapsedS >= 1) {
      plateau = { rssBytes: Math.round(final), fromS: reached.elapsedS - start.elapsedS };
      notes.push(
        `Memory rose ${mb(rise)} and then stayed flat at about ${mb(final)} from ${plateau.fromS.toFixed(1)} s: ${PLATEAU_WORDS}, not growth.`,
      );
    } else if (peak.rssBytes - baseline >= minGrowth && returned) {
      notes.push(
        `Memory peaked at ${mb(peak.rssBytes)} (${(peak.elapsedS - series[0].elapsedS).toFixed(1)} s) and returned to its baseline (${mb(baseline)} → ${mb(final)}).`,
      );
    }
  } else if (fit.tau >= minTrend) {
    v = 'leak';
    notes.push(
      `RSS grows ${mb(fit.slope)}/s steadily (Theil–Sen after ${warmupS.toFixed(1)} s warm-up, Kendall tau ${fit.tau.toFixed(2)}, R² ${fit.r2.toFixed(2)}).`,
    );
  } else {
    v = 'inconclusive';
    notes.push(
      `RSS rose ${mb(final - baseline)} but unsteadily (Kendall tau ${fit.tau.toFixed(2)} < ${minTrend}); run longer to tell a leak from noise.`,
    );
  }
  if (sites.length) {
    const top = sites
      .slice(0, 3)
      .map((s) => `${s.key} (+${mb(s.growthBytes)})`)
      .join(', ');
    const rule = `${opts.siteThresholdPct ?? DEFAULT_VERDICT.siteThresholdPct} %, ${opts.siteConsecutive ?? DEFAULT_VERDICT.siteConsecutive}× in a row`;
    if (v === 'no-leak' && !returned) {
      v = 'inconclusive';
      notes.push(`RSS looks flat but allocation sites keep growing (${rule}): ${top}.`);
    } else {
      if (v === 'inconclusive') v = 'leak';
      notes.push(`Per-site rule (${rule}) fired at ${top}.`);
    }
  }
  return result(v);
}

/** Seed 002's rule: the value grew more than `thresholdPct` % at least `consecutive` times in a row. */
export function siteRuleFires(series: readonly number[], thresholdPct: number, consecutive: number): boolean {
  let run = 0;
  for (let i = 1; i < series.length; i++) {
    const prev = series[i - 1];
    const grew = series[i] > prev && (prev <= 0 || ((series[i] - prev) / prev) * 100 > thresholdPct);
    run = grew ? run + 1 : 0;
    if (run >= consecutive) return true;
  }
  return false;
}

export function mb(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MB`;
}
