// Builds report.json (the format the issue fixes), loads it back, and renders the text summary
// with seed 001's before/after/delta/peak table.
import { readFileSync } from 'node:fs';
import { theilSen } from './stats';
import { typesText, type TypeGrowthInput } from './typegrowth';
import {
  DEFAULT_VERDICT,
  defaultWarmupS,
  mb,
  PLATEAU_WORDS,
  verdict,
  type SiteEvidence,
  type VerdictResult,
} from './verdict';
import type {
  GrowthWhere,
  HeapPoint,
  HeapSummary,
  LineGrowth,
  ProcessSample,
  ProcessSummary,
  Report,
  Sample,
  VerdictOptions,
} from './types';

/** Per-process accumulator fed sample by sample (keeps only what the summary needs). */
export class ProcessTable {
  private readonly rows = new Map<number, { s: ProcessSummary; pts: { x: number; y: number }[]; cpuSum: number }>();

  add(elapsedS: number, p: ProcessSample): void {
    let r = this.rows.get(p.pid);
    if (!r) {
      r = {
        s: {
          pid: p.pid,
          ppid: p.ppid,
          name: p.name,
          ...(p.exe ? { exe: p.exe } : {}),
          firstSeenS: elapsedS,
          lastSeenS: elapsedS,
          baselineRssBytes: p.rssBytes,
          finalRssBytes: p.rssBytes,
          deltaBytes: 0,
          peakRssBytes: p.rssBytes,
          peakAtS: elapsedS,
          growthBytesPerSecond: 0,
          cpuPeakPercent: p.cpuPercent,
          cpuAvgPercent: 0,
          samples: 0,
        },
        pts: [],
        cpuSum: 0,
      };
      this.rows.set(p.pid, r);
    }
    const s = r.s;
    if (s.name !== p.name || (s.exe ?? s.name) !== (p.exe ?? p.name)) {
      // exec() replaced the program (the sample caught the fork before exec, or a pyenv shim, a
      // shell, before the interpreter; their name may be the script's already): start afresh.
      Object.assign(s, {
        name: p.name,
        baselineRssBytes: p.rssBytes,
        peakRssBytes: p.rssBytes,
        peakAtS: elapsedS,
        firstSeenS: elapsedS,
        samples: 0,
        cpuPeakPercent: 0,
      });
      r.pts = [];
      r.cpuSum = 0;
    }
    if (p.exe) s.exe = p.exe;
    else delete s.exe;
    s.lastSeenS = elapsedS;
    s.finalRssBytes = p.rssBytes;
    s.deltaBytes = p.rssBytes - s.baselineRssBytes;
    if (p.rssBytes > s.peakRssBytes) {
      s.peakRssBytes = p.rssBytes;
      s.peakAtS = elapsedS;
    }
    s.cpuPeakPercent = Math.max(s.cpuPeakPercent, p.cpuPercent);
    r.cpuSum += p.cpuPercent;
    s.samples++;
    s.cpuAvgPercent = Math.round((r.cpuSum / s.samples) * 10) / 10;
    r.pts.push({ x: elapsedS, y: p.rssBytes });
  }

  summaries(): ProcessSummary[] {
    return [...this.rows.values()].map((r) => ({
      ...r.s,
      growthBytesPerSecond: Math.round(theilSen(r.pts, 200).slope),
    }));
  }
}

export interface ReportInput {
  totals: { elapsedS: number; rssBytes: number }[];
  processes: ProcessSummary[];
  lines: LineGrowth[];
  fired: SiteEvidence[];
  verdictOptions: VerdictOptions;
  notes: string[];
  /** Python mode: the heap readings of the interpreter running the target. */
  heap?: { pid: number | undefined; points: readonly HeapPoint[] };
  linesBy?: Report['linesBy'];
  /** Python mode: the growing types and their chains (the runner's last "types" record). */
  types?: TypeGrowthInput;
}

export function buildReport(input: ReportInput): Report {
  const v = verdict(input.totals, input.verdictOptions, input.fired);
  const t = input.totals;
  const durationSeconds = t.length ? t[t.length - 1].elapsedS - t[0].elapsedS : 0;
  const notes = [...input.notes, ...v.notes];
  const report: Report = {
    version: 1,
    verdict: v.verdict,
    durationSeconds: round3(durationSeconds),
    baselineRssBytes: Math.round(v.baselineRssBytes || 0),
    peakRssBytes: Math.round(v.peakRssBytes),
    finalRssBytes: Math.round(v.finalRssBytes || 0),
    growthBytesPerSecond: Math.round(v.growthBytesPerSecond),
    processes: input.processes,
    lines: input.lines.map((l) => ({ ...l, bytesPerSecond: Math.round(l.bytesPerSecond) })),
    notes,
  };
  if (input.linesBy) report.linesBy = input.linesBy;
  if (v.plateau && report.verdict === 'no-leak') report.plateau = v.plateau;
  if (input.heap) addHeap(report, v, input, notes);
  if (input.types) {
    report.types = input.types.types;
    report.typesCensus = input.types.census;
  }
  return report;
}

/**
 * The Python heap read beside RSS: its own trend test on its bytes series, a heap that keeps growing
 * makes the verdict a leak whatever RSS does (zero-filled pages are not resident until written), and
 * the two rates together say where the growth is.
 */
function addHeap(report: Report, rss: VerdictResult, input: ReportInput, notes: string[]): void {
  const { pid, points } = input.heap!;
  const withBytes = points.filter((p) => p.bytes !== undefined);
  if (pid === undefined || withBytes.length < 2) {
    notes.push('The Python heap was not measured (the runner wrote no heap readings): RSS only.');
    return;
  }
  const opts = input.verdictOptions;
  const t = input.totals;
  // The same warm-up as RSS, in the same clock (the heap series starts when the runner does).
  const runStart = t.length ? t[0].elapsedS : withBytes[0].elapsedS;
  const runS = t.length ? t[t.length - 1].elapsedS - runStart : 0;
  const warmupEnd = runStart + (opts.warmupS ?? defaultWarmupS(runS));
  const hv = verdict(
    withBytes.map((p) => ({ elapsedS: p.elapsedS, rssBytes: p.bytes! })),
    { ...opts, warmupS: Math.max(0, warmupEnd - withBytes[0].elapsedS) },
  );
  const blocksFit = theilSen(
    points.filter((p) => p.elapsedS >= warmupEnd).map((p) => ({ x: p.elapsedS, y: p.blocks })),
    200,
  );
  const source = withBytes[withBytes.length - 1].source ?? 'census';
  const heap: HeapSummary = {
    pid,
    source,
    verdict: hv.verdict,
    baselineBytes: Math.round(hv.baselineRssBytes),
    finalBytes: Math.round(hv.finalRssBytes),
    peakBytes: Math.round(hv.peakRssBytes),
    growthBytesPerSecond: Math.round(hv.growthBytesPerSecond),
    blocksGrowthPerSecond: Math.round(blocksFit.slope * 10) / 10,
    series: points.map((p) => [p.elapsedS, p.bytes ?? null, p.blocks]),
  };
  report.heap = heap;
  report.heapGrowthBytesPerSecond = heap.growthBytesPerSecond;
  for (const p of report.processes) if (p.pid === pid) p.heapGrowthBytesPerSecond = heap.growthBytesPerSecond;

  const minSamples = opts.minSamples ?? DEFAULT_VERDICT.minSamples;
  const measured = hv.measuredSamples >= minSamples;
  const how = source === 'tracemalloc' ? "tracemalloc's traced total" : 'gc census';
  if (!measured) {
    const census = withBytes.filter((p) => p.costS !== undefined);
    const cost = census.length ? Math.max(...census.map((p) => p.costS!)) : 0;
    notes.push(
      `The Python heap was read ${withBytes.length} time(s) (${how}${cost ? `, ${(cost * 1000).toFixed(0)} ms each` : ''}): too few for its own trend.`,
    );
    return;
  }
  dropRuntimeStartPlateau(report, t, heap);
  const heapLeak = hv.verdict === 'leak';
  const rssLeak = rss.verdict === 'leak';
  if (heapLeak) {
    notes.push(
      `The Python heap grows ${mb(hv.growthBytesPerSecond)}/s steadily (${how}, ${mb(hv.baselineRssBytes)} → ${mb(hv.finalRssBytes)}, Kendall tau ${hv.fit.tau.toFixed(2)}).`,
    );
    if (!rssLeak) {
      report.verdict = 'leak';
      notes.push(
        `RSS does not show it (yet): memory that is allocated but never written (zero-filled pages) is not resident until touched, or the pages were swapped out; the heap's growth decides the verdict.`,
      );
    }
  }
  if (report.verdict === 'no-leak') {
    if (source === 'census' && report.lines.length)
      notes.push(
        'RSS and the Python heap are flat: the lines listed are allocations the sampling windows saw survive (turnover such as a bounded buffer replacing its oldest entry), not growth.',
      );
    return;
  }
  const minSlope = opts.minSlopeBytesPerS ?? DEFAULT_VERDICT.minSlopeBytesPerS;
  const inHeap = heapLeak || input.fired.length > 0;
  const excess = rss.growthBytesPerSecond - Math.max(0, hv.growthBytesPerSecond);
  const outside = rssLeak && (inHeap ? excess > Math.max(minSlope, 0.5 * rss.growthBytesPerSecond) : true);
  const where: GrowthWhere | undefined =
    inHeap && outside ? 'both' : inHeap ? 'python-heap' : outside ? 'outside-python-heap' : undefined;
  if (where) report.growthWhere = where;
}

/**
 * An RSS plateau that the Python heap cannot account for (the whole heap, gc census or tracemalloc's total,
 * is less than half the rise) is the interpreter's and the profiler's own start, stretched past a second on a loaded machine,
 * not a cache the program filled: no plateau is reported for it.
 */
function dropRuntimeStartPlateau(report: Report, totals: ReportInput['totals'], heap: HeapSummary): void {
  if (!report.plateau || !totals.length) return;
  const rise = report.plateau.rssBytes - totals[0].rssBytes;
  if (heap.finalBytes >= 0.5 * rise) return;
  delete report.plateau;
  const i = report.notes.findIndex((n) => n.includes(PLATEAU_WORDS));
  if (i >= 0)
    report.notes[i] =
      `Memory rose ${mb(rise)} at the start and then stayed flat, while the whole Python heap holds ${mb(heap.finalBytes)}: the interpreter's and the profiler's own start, not a cache filling.`;
}

/** Where the growth is and what to do next, for the text output and the editor's notification. */
export function whereText(r: Report): string | undefined {
  if (!r.growthWhere || r.verdict === 'no-leak') return undefined;
  const heapRate = `${signed(r.heapGrowthBytesPerSecond ?? 0)}/s`;
  const rssRate = `${signed(r.growthBytesPerSecond)}/s`;
  const lines = r.lines.length
    ? `the lines listed (top: ${baseName(r.lines[0].file)}:${r.lines[0].line})`
    : r.linesBy === 'exact'
      ? 'no Python line holds it (C extensions allocating outside tracemalloc?)'
      : 'no line was caught in the sampling windows: re-run with --exact to name the lines';
  const outsideNext =
    '`heaptrack python3 SCRIPT` shows the native stacks (`leaklens profile --mode native` for a C/C++ program built with -g); if RSS falls after `ctypes.CDLL(None).malloc_trim(0)`, it is the allocator keeping freed memory (try MALLOC_ARENA_MAX=2)';
  switch (r.growthWhere) {
    case 'python-heap':
      return `Growth is in the Python heap (${heapRate}; RSS ${rssRate}): objects the program keeps. Next: ${lines}.`;
    case 'outside-python-heap':
      return `Growth is outside the Python heap (native code, C extensions, the allocator): RSS ${rssRate} while the Python heap stays flat (${heapRate}). Next: ${outsideNext}.`;
    case 'both':
      return `Growth is in the Python heap (${heapRate}) and outside it (native code, C extensions, the allocator: RSS ${rssRate}). Next: ${lines}; for the rest, ${outsideNext}.`;
  }
}

/** A leak with no line named, and how to get the lines; undefined when there is nothing to say. */
export function noLineText(r: Report): string | undefined {
  if (r.verdict !== 'leak' || r.lines.length || r.growthWhere === 'outside-python-heap') return undefined;
  switch (r.linesBy) {
    case 'sampling':
      return 'No line was named: the tracing windows caught none of the allocations that stay. Re-run with --exact to name the lines (tracemalloc all along; slower).';
    case 'exact':
      return 'No line was named although tracemalloc traced the whole run: the growth is not in allocations made by Python code (C extensions, native libraries); `heaptrack python3 SCRIPT` shows the native stacks.';
    case 'heaptrack':
      return 'No line was named: heaptrack found no allocation still live under --root; check --root and build with -g.';
    default:
      return 'No line was named: rss mode only reads memory. --mode python (Python) or --mode native (C/C++, heaptrack) name the lines that grow.';
  }
}

/** One sentence for the editor's notification: verdict, peak, trend, where the growth is, top line. */
export function summaryText(r: Report, target: string): string {
  const verdictText = r.verdict === 'leak' ? 'LEAK' : r.verdict === 'no-leak' ? 'no leak' : 'inconclusive';
  const top = r.lines[0];
  const heap =
    r.heapGrowthBytesPerSecond !== undefined ? `, Python heap ${human(r.heapGrowthBytesPerSecond, true)}/s` : '';
  const where: Record<GrowthWhere, string> = {
    'python-heap': ' — in the Python heap: see the lines that grew',
    'outside-python-heap':
      ' — outside the Python heap (native code, C extensions, the allocator): run it under heaptrack; try malloc_trim',
    both: ' — in the Python heap and outside it (native code, C extensions, the allocator)',
  };
  const whereText = r.verdict !== 'no-leak' && r.growthWhere ? where[r.growthWhere] : '';
  const topText = top ? `; top line ${baseName(top.file)}:${top.line} ${human(top.growthBytes, true)}` : '';
  return `LeakLens: ${verdictText} in ${target} — peak ${human(r.peakRssBytes)}, trend ${human(r.growthBytesPerSecond, true)}/s${heap}${whereText}${topText}.`;
}

/** "12.4 MB" / "640 KB" / "12 B" (signed: "+…" / "-…"), as the editor's labels print sizes. */
function human(bytes: number, sign = false): string {
  const a = Math.abs(bytes);
  const s = a >= MiB ? `${(a / MiB).toFixed(1)} MB` : a >= 1024 ? `${(a / 1024).toFixed(0)} KB` : `${Math.round(a)} B`;
  return (bytes < 0 ? '-' : sign ? '+' : '') + s;
}
const MiB = 1024 * 1024;

const baseName = (f: string) => f.slice(Math.max(f.lastIndexOf('/'), f.lastIndexOf('\\')) + 1);

/** Totals per sample (sum over the tree) for the verdict. */
export function totalsOf(samples: readonly Sample[]): { elapsedS: number; rssBytes: number }[] {
  return samples.map((s) => ({ elapsedS: s.elapsedS, rssBytes: s.totalRssBytes }));
}

export function readReport(path: string): Report {
  const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<Report>;
  if (r.version !== 1 || !r.verdict || !Array.isArray(r.lines) || !Array.isArray(r.processes)) {
    throw new Error(`${path} is not a LeakLens profile report (version 1)`);
  }
  return r as Report;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const signed = (b: number) => (b > -0.05 * 1024 * 1024 ? '+' : '') + mb(Math.abs(b) < 0.05 * 1024 * 1024 ? 0 : b);

export function formatText(r: Report, files: string[] = []): string {
  const out: string[] = [];
  out.push(`LeakLens profile: ${r.verdict.toUpperCase()} (${r.durationSeconds.toFixed(1)} s)`);
  out.push(
    `RSS baseline ${mb(r.baselineRssBytes)} · peak ${mb(r.peakRssBytes)} · final ${mb(r.finalRssBytes)} · trend ${signed(r.growthBytesPerSecond)}/s`,
  );
  if (r.heap)
    out.push(
      `Python heap (${r.heap.source === 'tracemalloc' ? 'tracemalloc' : 'gc census'}, pid ${r.heap.pid}) baseline ${mb(r.heap.baselineBytes)} · peak ${mb(r.heap.peakBytes)} · final ${mb(r.heap.finalBytes)} · trend ${signed(r.heap.growthBytesPerSecond)}/s · ${r.heap.verdict}`,
    );
  const where = whereText(r);
  if (where) out.push(where);
  const noLine = noLineText(r);
  if (noLine && !where?.includes('--exact')) out.push(noLine);
  out.push('');
  out.push(
    [
      pad('Process', 18),
      lpad('PID', 8),
      lpad('Before', 11),
      lpad('After', 11),
      lpad('Delta', 11),
      lpad('Peak', 11),
      lpad('Growth/s', 11),
      lpad('CPU peak', 9),
    ].join(' '),
  );
  for (const p of r.processes) {
    out.push(
      [
        pad(p.endedS !== undefined ? `${p.name} (ended)` : p.name, 18),
        lpad(String(p.pid), 8),
        lpad(mb(p.baselineRssBytes), 11),
        lpad(mb(p.finalRssBytes), 11),
        lpad(signed(p.deltaBytes), 11),
        lpad(mb(p.peakRssBytes), 11),
        lpad(signed(p.growthBytesPerSecond), 11),
        lpad(`${p.cpuPeakPercent.toFixed(0)}%`, 9),
      ].join(' '),
    );
  }
  if (r.lines.length) {
    out.push('');
    // Sampling windows see what was allocated and survived them; with RSS and the heap flat that is
    // turnover (a bounded buffer replacing its entries), not growth.
    out.push(
      r.verdict === 'no-leak' && r.linesBy === 'sampling'
        ? 'Allocations that survived the tracing windows (turnover: memory is flat, nothing grows):'
        : 'Lines that grew:',
    );
    // Lines from more than one process (Python children traced too) say which process they grew in.
    const tagged = new Set(r.lines.map((l) => l.pid)).size > 1;
    const rootPid = r.heap?.pid ?? r.processes[0]?.pid;
    for (const l of r.lines.slice(0, 10)) {
      const proc = l.pid !== undefined && (tagged || l.pid !== rootPid) ? `  [${l.process ?? 'pid'} ${l.pid}]` : '';
      out.push(
        `  ${lpad(signed(l.growthBytes), 11)} ${lpad(mb(l.bytesPerSecond) + '/s', 12)} ${lpad(String(l.growthCount), 9)} blocks  ${l.file}:${l.line}${proc}`,
      );
    }
    if (r.lines.length > 10) out.push(`  … ${r.lines.length - 10} more in report.json`);
  }
  const typeLines = typesText(r);
  if (typeLines.length) {
    out.push('');
    out.push(...typeLines);
  }
  if (r.notes.length) {
    out.push('');
    for (const n of r.notes) out.push(`- ${n}`);
  }
  if (files.length) {
    out.push('');
    out.push(`Files: ${files.join(', ')}`);
  }
  return out.join('\n') + '\n';
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
