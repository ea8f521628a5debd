// Small robust statistics for the verdict: Theil–Sen slope, Kendall's tau, medians.

export interface Point2 {
  x: number;
  y: number;
}

export interface TrendFit {
  /** Theil–Sen slope: median of the pairwise slopes (dy/dx). */
  slope: number;
  intercept: number;
  /** Kendall's tau in [-1, 1]: how consistently y rises with x. */
  tau: number;
  /** 1 − SS_res/SS_tot of the Theil–Sen line (can be negative for a bad fit). */
  r2: number;
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank quantile, q in [0, 1]. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/** Evenly thins `points` to at most `max` so the O(n²) pair loop stays cheap on long runs. */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

export function theilSen(input: readonly Point2[], maxPoints = 400): TrendFit {
  const pts = thin(input, maxPoints);
  const n = pts.length;
  if (n < 2) return { slope: 0, intercept: n ? pts[0].y : 0, tau: 0, r2: 0, n };
  const slopes: number[] = [];
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = pts[j].x - pts[i].x;
      const dy = pts[j].y - pts[i].y;
      if (dx !== 0) slopes.push(dy / dx);
      const s = Math.sign(dx) * Math.sign(dy);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  const slope = slopes.length ? median(slopes) : 0;
  const intercept = median(pts.map((p) => p.y - slope * p.x));
  const pairs = (n * (n - 1)) / 2;
  const tau = (concordant - discordant) / pairs;
  const meanY = pts.reduce((a, p) => a + p.y, 0) / n;
  let ssTot = 0;
  let ssRes = 0;
  for (const p of pts) {
    ssTot += (p.y - meanY) ** 2;
    ssRes += (p.y - (intercept + slope * p.x)) ** 2;
  }
  const r2 = ssTot > 0 ? 1 - ssRes / ssTot : 1;
  return { slope, intercept, tau, r2, n };
}
