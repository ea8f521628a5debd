// `leaklens profile compare BEFORE AFTER`: seed 001's fix-verification table from two saved reports —
// per process delta, peak and growth rate before → after, the verdicts, and which lines stopped
// growing, still grow, or newly grow. Pure apart from reading the two reports.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mb } from './verdict';
import type { LineGrowth, ProcessSummary, Report, Verdict } from './types';

/** A report that cannot be compared: the message names the file and what is wrong with it. */
export class CompareError extends Error {}

/** Reads BEFORE or AFTER: a report folder (its report.json) or a report.json itself. */
export function loadReportFrom(path: string, label: string): { path: string; report: Report } {
  if (!existsSync(path)) throw new CompareError(`${label}: ${path} does not exist`);
  let file = path;
  if (statSync(path).isDirectory()) {
    file = join(path, 'report.json');
    if (!existsSync(file)) {
      const partial = existsSync(join(path, 'timeline.jsonl'));
      throw new CompareError(
        `${label}: ${path} has no report.json${partial ? ' (it has a timeline.jsonl: the profile did not finish)' : ' (not a LeakLens profile folder)'}`,
      );
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CompareError(`${label}: cannot read ${file}: ${(e as Error).message}`);
  }
  if (!text.trim()) throw new CompareError(`${label}: ${file} is empty`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const truncated = !/[}\]]\s*$/.test(text);
    throw new CompareError(
      `${label}: ${file} is ${truncated ? 'truncated (it ends mid-document)' : 'not valid JSON'}: ${(e as Error).message}`,
    );
  }
  const problem = reportProblem(data);
  if (problem) throw new CompareError(`${label}: ${file} is not a LeakLens profile report (version 1): ${problem}`);
  return { path: file, report: data as Report };
}

function reportProblem(d: unknown): string | undefined {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'not a JSON object';
  const r = d as Record<string, unknown>;
  if (r.version !== 1) return `version is ${JSON.stringify(r.version)}, expected 1`;
  if (!['leak', 'no-leak', 'inconclusive'].includes(r.verdict as string)) return 'no verdict';
  for (const k of ['durationSeconds', 'peakRssBytes', 'growthBytesPerSecond'] as const)
    if (typeof r[k] !== 'number') return `"${k}" is missing or not a number`;
  if (!Array.isArray(r.processes)) return '"processes" is missing';
  if (!Array.isArray(r.lines)) return '"lines" is missing';
  for (const p of r.processes as unknown[]) {
    const q = p as Partial<ProcessSummary> | null;
    if (!q || typeof q.name !== 'string' || typeof q.deltaBytes !== 'number' || typeof q.peakRssBytes !== 'number')
      return 'a process entry lacks name, deltaBytes or peakRssBytes';
  }
  for (const l of r.lines as unknown[]) {
    const q = l as Partial<LineGrowth> | null;
    if (!q || typeof q.file !== 'string' || typeof q.line !== 'number' || typeof q.growthBytes !== 'number')
      return 'a line entry lacks file, line or growthBytes';
  }
  return undefined;
}

export interface ProcessSide {
  pid: number;
  deltaBytes: number;
  peakRssBytes: number;
  growthBytesPerSecond: number;
  heapGrowthBytesPerSecond?: number;
}

export interface ProcessComparison {
  name: string;
  before: ProcessSide | null;
  after: ProcessSide | null;
}

export interface LineComparison {
  file: string;
  line: number;
  /** `after` may be set for a line that stopped growing: the no-leak run's window estimate (turnover). */
  before: { growthBytes: number; bytesPerSecond: number } | null;
  after: { growthBytes: number; bytesPerSecond: number } | null;
}

export interface RunSide {
  report: string;
  verdict: Verdict;
  durationSeconds: number;
  peakRssBytes: number;
  growthBytesPerSecond: number;
  heapGrowthBytesPerSecond?: number;
}

export interface Comparison {
  before: RunSide;
  after: RunSide;
  /** "fixed": leak → no-leak; "regressed": no-leak → leak; otherwise "unchanged" or "changed". */
  outcome: 'fixed' | 'regressed' | 'unchanged' | 'changed';
  processes: ProcessComparison[];
  lines: { stopped: LineComparison[]; still: LineComparison[]; new: LineComparison[] };
}

const side = (path: string, r: Report): RunSide => ({
  report: path,
  verdict: r.verdict,
  durationSeconds: r.durationSeconds,
  peakRssBytes: r.peakRssBytes,
  growthBytesPerSecond: r.growthBytesPerSecond,
  ...(r.heapGrowthBytesPerSecond !== undefined ? { heapGrowthBytesPerSecond: r.heapGrowthBytesPerSecond } : {}),
});

const procSide = (p: ProcessSummary): ProcessSide => ({
  pid: p.pid,
  deltaBytes: p.deltaBytes,
  peakRssBytes: p.peakRssBytes,
  growthBytesPerSecond: p.growthBytesPerSecond ?? 0,
  ...(p.heapGrowthBytesPerSecond !== undefined ? { heapGrowthBytesPerSecond: p.heapGrowthBytesPerSecond } : {}),
});

/**
 * Processes are matched by name (pids differ between runs), the n-th of a name before with the n-th
 * after in the reports' order (the order they were first seen); lines by file and line number.
 * Reports from before processes were named by their command line (`python3` for `python3 app.py`,
 * now `app.py`) still match, by the executable's name (see matchProcesses).
 */
export function compareReports(
  before: { path: string; report: Report },
  after: { path: string; report: Report },
): Comparison {
  const b = before.report;
  const a = after.report;
  const processes = matchProcesses(b.processes, a.processes).map(([x, y]) => ({
    name: displayName(x, y),
    before: x ? procSide(x) : null,
    after: y ? procSide(y) : null,
  }));
  const key = (l: LineGrowth) => `${l.file}:${l.line}`;
  const growth = (l: LineGrowth | undefined) =>
    l ? { growthBytes: l.growthBytes, bytesPerSecond: l.bytesPerSecond ?? 0 } : null;
  // A no-leak run's lines are not growth: in sampling mode they are allocations the short tracing
  // windows saw survive, which a bounded buffer replacing its oldest entry also produces.
  const bl = new Map(b.verdict === 'no-leak' ? [] : b.lines.map((l) => [key(l), l]));
  const al = new Map(a.verdict === 'no-leak' ? [] : a.lines.map((l) => [key(l), l]));
  const all = new Map(a.lines.map((l) => [key(l), l]));
  const lines: Comparison['lines'] = { stopped: [], still: [], new: [] };
  for (const [k, l] of bl) {
    const c = { file: l.file, line: l.line, before: growth(l), after: growth(all.get(k)) };
    (al.has(k) ? lines.still : lines.stopped).push(c);
  }
  for (const [k, l] of al)
    if (!bl.has(k)) lines.new.push({ file: l.file, line: l.line, before: null, after: growth(l) });
  const outcome =
    b.verdict === 'leak' && a.verdict === 'no-leak'
      ? 'fixed'
      : b.verdict === 'no-leak' && a.verdict === 'leak'
        ? 'regressed'
        : b.verdict === a.verdict
          ? 'unchanged'
          : 'changed';
  return { before: side(before.path, b), after: side(after.path, a), outcome, processes, lines };
}

/** The executable a process runs: its `exe`, or an old report's `name` (which was the executable's). */
const exeName = (p: ProcessSummary) => p.exe ?? p.name;

/**
 * Pairs the processes of two runs: by name (the n-th of a name with the n-th, in report order), and
 * what that leaves by the executable's name, in the order the processes were first seen (pid order
 * among processes seen at the same sample). A report written before processes were named by their
 * command line (no process has `exe`) beside a newer one is matched the other way round, by the
 * executable first: its `python3` is the root's `app.py` as much as a worker's `python3`, and the
 * order tells them apart. Every process is in exactly one pair; the pairs follow the before
 * report's order, after-only processes last.
 */
export function matchProcesses(
  before: readonly ProcessSummary[],
  after: readonly ProcessSummary[],
): [ProcessSummary | null, ProcessSummary | null][] {
  const pairs = new Map<ProcessSummary, ProcessSummary>();
  const taken = new Set<ProcessSummary>();
  const pass = (key: (p: ProcessSummary) => string, order: (l: ProcessSummary[]) => ProcessSummary[]) => {
    const group = (ps: readonly ProcessSummary[]) => {
      const m = new Map<string, ProcessSummary[]>();
      for (const p of ps) if (!pairs.has(p) && !taken.has(p)) m.set(key(p), [...(m.get(key(p)) ?? []), p]);
      return m;
    };
    const am = group(after);
    for (const [k, bl] of group(before)) {
      const al = order(am.get(k) ?? []);
      order(bl).forEach((p, i) => {
        if (!al[i]) return;
        pairs.set(p, al[i]);
        taken.add(al[i]);
      });
    }
  };
  const firstSeen = (l: ProcessSummary[]) => [...l].sort((x, y) => x.firstSeenS - y.firstSeenS || x.pid - y.pid);
  const byName = () =>
    pass(
      (p) => p.name,
      (l) => l,
    );
  const byExe = () => pass(exeName, firstSeen);
  const named = (ps: readonly ProcessSummary[]) => ps.some((p) => p.exe !== undefined);
  if (named(before) === named(after)) [byName, byExe].forEach((f) => f());
  else [byExe, byName].forEach((f) => f());
  return [
    ...before.map((p): [ProcessSummary, ProcessSummary | null] => [p, pairs.get(p) ?? null]),
    ...after.filter((p) => !taken.has(p)).map((p): [null, ProcessSummary] => [null, p]),
  ];
}

/** A pair's name: the one that says more (the script, `app.py`, over an old report's `python3`). */
function displayName(b: ProcessSummary | null, a: ProcessSummary | null): string {
  if (b && a && b.name !== a.name && b.name === exeName(b)) return a.name;
  return (b ?? a)!.name;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const signed = (b: number) => (b > -0.05 * MiB ? '+' : '') + mb(Math.abs(b) < 0.05 * MiB ? 0 : b);

/** A helper process (a launcher shell, a short-lived subprocess): small and flat on both sides. */
function isMinor(p: ProcessComparison): boolean {
  return [p.before, p.after].every(
    (s) =>
      !s || (Math.abs(s.deltaBytes) < MiB && Math.abs(s.growthBytesPerSecond) < 16 * 1024 && s.peakRssBytes < 10 * MiB),
  );
}
const MiB = 1024 * 1024;

/** "4297× less", "2.0× more", "same": how the after value relates to the before value (growth). */
function change(before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined) return '';
  const b = Math.max(0, before);
  const a = Math.max(0, after);
  if (Math.abs(b - a) < 64 * 1024) return 'same';
  if (a === 0) return 'gone';
  if (b === 0) return 'new';
  const r = b / a;
  return r >= 1 ? `${fmtRatio(r)}× less` : `${fmtRatio(1 / r)}× more`;
}
const fmtRatio = (r: number) => (r >= 10 ? r.toFixed(0) : r.toFixed(1));

export function formatComparison(c: Comparison): string {
  const out: string[] = [];
  const v = (x: Verdict) => x.toUpperCase();
  const outcome = { fixed: 'fixed', regressed: 'regressed', unchanged: 'unchanged', changed: 'changed' }[c.outcome];
  out.push(`LeakLens compare: ${v(c.before.verdict)} → ${v(c.after.verdict)} (${outcome})`);
  out.push(`  before: ${c.before.report} (${c.before.durationSeconds.toFixed(1)} s)`);
  out.push(`  after:  ${c.after.report} (${c.after.durationSeconds.toFixed(1)} s)`);
  out.push('');
  const cols = [24, 13, 13, 12];
  const row = (cells: string[]) =>
    cells.map((s, i) => (i === 0 ? pad(s, cols[0]) : lpad(s, cols[Math.min(i, cols.length - 1)]))).join(' ');
  out.push(row(['', 'Before', 'After', 'Change']));
  out.push(row(['Verdict', v(c.before.verdict), v(c.after.verdict), outcome]));
  out.push(
    row([
      'RSS growth/s (all)',
      signed(c.before.growthBytesPerSecond),
      signed(c.after.growthBytesPerSecond),
      change(c.before.growthBytesPerSecond, c.after.growthBytesPerSecond),
    ]),
  );
  out.push(row(['Peak RSS (all)', mb(c.before.peakRssBytes), mb(c.after.peakRssBytes), '']));
  if (c.before.heapGrowthBytesPerSecond !== undefined || c.after.heapGrowthBytesPerSecond !== undefined)
    out.push(
      row([
        'Python heap growth/s',
        c.before.heapGrowthBytesPerSecond === undefined ? '–' : signed(c.before.heapGrowthBytesPerSecond),
        c.after.heapGrowthBytesPerSecond === undefined ? '–' : signed(c.after.heapGrowthBytesPerSecond),
        change(c.before.heapGrowthBytesPerSecond, c.after.heapGrowthBytesPerSecond),
      ]),
    );
  let minor = c.processes.filter(isMinor);
  if (minor.length === c.processes.length) minor = minor.slice(1); // show at least one
  for (const p of c.processes) {
    if (minor.includes(p)) continue;
    out.push(`${p.name} (pid ${p.before?.pid ?? '–'} → ${p.after?.pid ?? '–'})`);
    const metrics: [string, (s: ProcessSide) => number, (n: number) => string, boolean][] = [
      ['  delta', (s) => s.deltaBytes, signed, true],
      ['  peak', (s) => s.peakRssBytes, mb, false],
      ['  growth/s', (s) => s.growthBytesPerSecond, signed, true],
    ];
    for (const [label, get, fmt, withChange] of metrics) {
      const b = p.before && get(p.before);
      const a = p.after && get(p.after);
      const cell = (x: number | null) => (x === null ? '(absent)' : fmt(x));
      out.push(row([label, cell(b), cell(a), withChange ? change(b ?? undefined, a ?? undefined) : '']));
    }
  }
  if (minor.length) {
    const names = [...new Set(minor.map((p) => p.name))].join(', ');
    out.push(`(${minor.length} more process(es) that stayed small and did not grow: ${names}; see --format json)`);
  }
  const lineRow = (l: LineComparison) => {
    const g = (x: LineComparison['before']) => (x ? `${signed(x.growthBytes)} (${mb(x.bytesPerSecond)}/s)` : '–');
    return `  ${pad(`${l.file}:${l.line}`, 40)} ${lpad(g(l.before), 24)} → ${g(l.after)}`;
  };
  const section = (title: string, ls: LineComparison[]) => {
    out.push('');
    out.push(`${title} (${ls.length})${ls.length ? ':' : ''}`);
    for (const l of ls.slice(0, 20)) out.push(lineRow(l));
    if (ls.length > 20) out.push(`  … ${ls.length - 20} more (--format json)`);
  };
  section('Lines that stopped growing', c.lines.stopped);
  if (c.after.verdict === 'no-leak' && c.lines.stopped.some((l) => l.after))
    out.push(
      '  (→ values of a no-leak run: allocations its sampling windows saw survive, e.g. a bounded buffer replacing its oldest entry; not growth)',
    );
  section('Lines that still grow', c.lines.still);
  section('Lines that newly grow', c.lines.new);
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}
