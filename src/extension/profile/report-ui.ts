// What the editor shows of a finished profile, computed without `vscode` (unit-tested on plain Node):
// the recent reports of the report picker, the end-of-run notification's severity and buttons, the
// overlay's threshold and estimate marks, the hover's cumulative rows, and the timeline's summary
// (verdict, trend line, Python-heap series, top lines, growing types).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LineGrowth, Report, Verdict } from '../../profile/types';
import { defaultWarmupS } from '../../profile/verdict';
import { fmtBytes, fmtSigned, retainedText, typeGrowthLabel } from './format';

/** A reader of source files' lines, each file read once (a file that cannot be read has none). */
export function sourceLines(): (file: string) => string[] {
  const cache = new Map<string, string[]>();
  return (file) => {
    let lines = cache.get(file);
    if (!lines) {
      try {
        lines = readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        lines = [];
      }
      cache.set(file, lines);
    }
    return lines;
  };
}

// ---------------------------------------------------------------------------------------------
// Recent reports

export interface RecentReport {
  /** report.json */
  path: string;
  dir: string;
  /** The program as the user named it: the script, the launch configuration, "debug: <session>". */
  program: string;
  /** When the run started (from the folder's stamp), else when report.json was written. */
  date: Date;
  verdict: Verdict;
  durationSeconds: number;
  peakRssBytes: number;
  growthBytesPerSecond: number;
  lineCount: number;
  top?: { file: string; line: number; growthBytes: number };
}

/**
 * The folder names the profiler and the debug hook give a run: `2026-11-30T16-33-46-leak_list.py`
 * (the stamp is UTC, from toISOString) and `…-debug-<session name>`.
 */
export function parseReportFolder(name: string): { date?: Date; program: string } {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(.*)$/.exec(name);
  if (!m) return { program: name };
  const date = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  const rest = m[5] || name;
  const program = rest.startsWith('debug-') ? `debug: ${rest.slice(6)}` : rest;
  return { date: Number.isNaN(date.getTime()) ? undefined : date, program };
}

/** Reads one report folder's summary; undefined when it has no readable LeakLens report.json. */
export function readRecentReport(dir: string): RecentReport | undefined {
  const path = join(dir, 'report.json');
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<Report>;
    if (r.version !== 1 || !r.verdict || !Array.isArray(r.lines) || !Array.isArray(r.processes)) return undefined;
    const { date, program } = parseReportFolder(basename(dir));
    const top = r.lines.find((l) => l.growthBytes > 0);
    return {
      path,
      dir,
      program,
      date: date ?? statSync(path).mtime,
      verdict: r.verdict,
      durationSeconds: r.durationSeconds ?? 0,
      peakRssBytes: r.peakRssBytes ?? 0,
      growthBytesPerSecond: r.growthBytesPerSecond ?? 0,
      lineCount: r.lines.length,
      top: top ? { file: top.file, line: top.line, growthBytes: top.growthBytes } : undefined,
    };
  } catch {
    return undefined; // unfinished (no report.json yet), truncated, or not ours
  }
}

/** The reports under each folder (`<folder>/<run>/report.json`), newest first, each once. */
export function listRecentReports(folders: readonly string[], limit = 50): RecentReport[] {
  const seen = new Set<string>();
  const out: RecentReport[] = [];
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      continue;
    }
    for (const e of entries) {
      const dir = join(folder, e);
      if (seen.has(dir)) continue;
      seen.add(dir);
      const r = readRecentReport(dir);
      if (r) out.push(r);
    }
  }
  return out.sort((a, b) => b.date.getTime() - a.date.getTime()).slice(0, limit);
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  leak: 'LEAK',
  'no-leak': 'no leak',
  inconclusive: 'inconclusive',
};

/** "2026-11-30 16:33" in local time. */
export function fmtDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A report as a quick-pick row: verdict and program, the date, then the figures. */
export function recentReportItem(r: RecentReport): { label: string; description: string; detail: string } {
  const icon = r.verdict === 'leak' ? '$(warning)' : r.verdict === 'no-leak' ? '$(pass)' : '$(question)';
  const top = r.top ? ` · top ${basename(r.top.file)}:${r.top.line} ${fmtSigned(r.top.growthBytes)}` : '';
  return {
    label: `${icon} ${VERDICT_LABEL[r.verdict]} · ${r.program}`,
    description: fmtDate(r.date),
    detail: `${r.durationSeconds.toFixed(1)} s · peak ${fmtBytes(r.peakRssBytes)} · trend ${fmtSigned(r.growthBytesPerSecond)}/s · ${r.lineCount} line${r.lineCount === 1 ? '' : 's'}${top}`,
  };
}

// ---------------------------------------------------------------------------------------------
// End-of-run notification

export const SHOW_LINES = 'Show lines';
export const RERUN_EXACT = 'Re-run with exact attribution';

export interface RunFacts {
  /** The mode the session ran in. */
  mode: string;
  exact: boolean;
  /** The target is a Python program LeakLens launched (not an attached PID, not a binary). */
  pythonCommand: boolean;
}

/**
 * A LEAK is a warning. With a line: "Show lines". With none, where exact attribution can name one
 * (a Python program run in sampling or rss mode, growth not only outside the Python heap):
 * "Re-run with exact attribution".
 */
export function endOfRunNotice(
  r: Report,
  facts: RunFacts,
): { severity: 'warning' | 'information'; actions: string[]; rerunExact: boolean } {
  const shown = r.lines.some((l) => l.growthBytes > 0);
  const rerunExact =
    r.verdict === 'leak' &&
    !shown &&
    facts.pythonCommand &&
    !facts.exact &&
    r.growthWhere !== 'outside-python-heap' &&
    (facts.mode === 'python' || facts.mode === 'rss');
  if (r.verdict !== 'leak')
    return { severity: 'information', actions: ['Show timeline', 'Open report', 'Show output'], rerunExact: false };
  return {
    severity: 'warning',
    actions: [shown ? SHOW_LINES : rerunExact ? RERUN_EXACT : 'Open report', 'Show timeline', 'Open report'].filter(
      (a, i, all) => all.indexOf(a) === i,
    ),
    rerunExact,
  };
}

// ---------------------------------------------------------------------------------------------
// Overlay: threshold, estimates, cumulative hover rows

/** The lines the overlay shows: growth at or above the threshold, biggest first, at most `max`. */
export function visibleLines<T extends LineGrowth>(
  lines: readonly T[],
  thresholdBytes: number,
  max = 50,
): { shown: T[]; hidden: number } {
  const grew = lines.filter((l) => l.growthBytes > 0);
  const shown = grew.filter((l) => l.growthBytes >= thresholdBytes).slice(0, max);
  return { shown, hidden: grew.length - shown.length };
}

/** "≈ " before figures estimated from sampling windows, nothing before measured ones. */
export const estimateMark = (estimate: boolean) => (estimate ? '≈ ' : '');

export interface Point {
  t: number;
  y: number;
}

/**
 * What the program had grown by at each moment: the largest rise so far of RSS (all processes) and
 * of the Python heap above their first readings. A line cannot have kept more than that.
 */
export function grownBy(rss: readonly Point[], heap: readonly Point[] = []): (t: number) => number | undefined {
  const rise = (pts: readonly Point[]) => {
    const sorted = [...pts].sort((a, b) => a.t - b.t);
    let max = -Infinity;
    return sorted.map((p) => ({ t: p.t, y: (max = Math.max(max, p.y - sorted[0].y)) }));
  };
  const series = [rise(rss), rise(heap)].filter((s) => s.length);
  if (!series.length) return () => undefined;
  return (t) => {
    let best: number | undefined;
    for (const s of series) {
      let v: number | undefined;
      for (const p of s) {
        if (p.t > t + 1e-9) break;
        v = p.y;
      }
      if (v !== undefined) best = Math.max(best ?? 0, v);
    }
    return best;
  };
}

/**
 * The hover's "growth over time" rows, cumulative: what the line had grown by at each time. A live
 * estimate (rate × time so far, from few sampling windows early on) is capped at what the program
 * had grown by then, so no row claims more memory than existed.
 */
export function cumulativeRows(
  history: readonly { tS: number; bytes: number }[],
  cap?: (t: number) => number | undefined,
): { tS: number; bytes: number; capped: boolean }[] {
  return history.map((p) => {
    const c = cap?.(p.tS);
    const bytes = Math.max(0, p.bytes);
    return c !== undefined && bytes > c
      ? { tS: p.tS, bytes: Math.max(0, c), capped: true }
      : { ...p, bytes, capped: false };
  });
}

// ---------------------------------------------------------------------------------------------
// Timeline summary

export interface TimelineSummary {
  verdict: Verdict;
  /** "LEAK · trend +9.9 MB/s · in the Python heap". */
  headline: string;
  /** The report's RSS trend as a segment over the measured window (after the warm-up), bytes. */
  trend?: { t0: number; y0: number; t1: number; y1: number; bytesPerSecond: number };
  /** Python heap readings [elapsedS, bytes] and how they were measured. */
  heap?: { source: string; points: [number, number][] };
  top: { file: string; line: number; label: string }[];
  /** Python targets: the types that grew in count, what they grew by and what keeps one alive. */
  types?: { type: string; label: string; retainedBy?: string }[];
}

const WHERE: Record<string, string> = {
  'python-heap': 'in the Python heap',
  'outside-python-heap': 'outside the Python heap',
  both: 'in the Python heap and outside it',
};

/** The timeline's summary of a finished run; `rss` is the total RSS per sample. */
export function timelineSummary(r: Report, rss: readonly Point[], topN = 5): TimelineSummary {
  const estimate = r.linesBy === 'sampling';
  const heapRate =
    r.heapGrowthBytesPerSecond !== undefined ? ` · Python heap ${fmtSigned(r.heapGrowthBytesPerSecond)}/s` : '';
  const where = r.verdict !== 'no-leak' && r.growthWhere ? ` · ${WHERE[r.growthWhere]}` : '';
  const summary: TimelineSummary = {
    verdict: r.verdict,
    headline: `${VERDICT_LABEL[r.verdict]} · trend ${fmtSigned(r.growthBytesPerSecond)}/s${heapRate}${where}`,
    top: r.lines
      .filter((l) => l.growthBytes > 0)
      .slice(0, topN)
      .map((l) => ({
        file: l.file,
        line: l.line,
        label: `${estimateMark(estimate)}${fmtSigned(l.growthBytes)} · ${fmtBytes(l.bytesPerSecond)}/s`,
      })),
  };
  const trend = trendSegment(rss, r.growthBytesPerSecond, r.durationSeconds);
  if (trend) summary.trend = trend;
  const heapPoints = (r.heap?.series ?? [])
    .filter((p) => typeof p[1] === 'number')
    .map((p) => [p[0], p[1] as number] as [number, number]);
  if (heapPoints.length) summary.heap = { source: r.heap!.source, points: heapPoints };
  if (r.types?.length)
    summary.types = r.types.slice(0, topN).map((t) => {
      const kept = retainedText(t);
      return { type: t.type, label: typeGrowthLabel(t), ...(kept ? { retainedBy: kept } : {}) };
    });
  return summary;
}

/**
 * The trend line: the report's slope through the samples after the warm-up, placed at the median
 * offset (as the Theil–Sen fit places its intercept).
 */
export function trendSegment(
  rss: readonly Point[],
  slope: number,
  durationS: number,
): TimelineSummary['trend'] | undefined {
  if (rss.length < 2) return undefined;
  const start = rss[0].t + defaultWarmupS(durationS || rss[rss.length - 1].t - rss[0].t);
  let pts = rss.filter((p) => p.t >= start);
  if (pts.length < 2) pts = [...rss];
  const offsets = pts.map((p) => p.y - slope * p.t).sort((a, b) => a - b);
  const mid = offsets.length >> 1;
  const b = offsets.length % 2 ? offsets[mid] : (offsets[mid - 1] + offsets[mid]) / 2;
  const t0 = pts[0].t;
  const t1 = pts[pts.length - 1].t;
  return { t0, y0: b + slope * t0, t1, y1: b + slope * t1, bytesPerSecond: slope };
}
