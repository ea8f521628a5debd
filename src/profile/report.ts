// Builds report.json (the format the issue fixes), loads it back, and renders the text summary
// with seed 001's before/after/delta/peak table.
import { readFileSync } from 'node:fs';
import { theilSen } from './stats';
import { mb, verdict, type SiteEvidence } from './verdict';
import type { LineGrowth, ProcessSample, ProcessSummary, Report, Sample, VerdictOptions } from './types';

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
    if (s.name !== p.name) {
      // exec() replaced the program (e.g. the sample caught the fork before exec): start afresh.
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
}

export function buildReport(input: ReportInput): Report {
  const v = verdict(input.totals, input.verdictOptions, input.fired);
  const t = input.totals;
  const durationSeconds = t.length ? t[t.length - 1].elapsedS - t[0].elapsedS : 0;
  return {
    version: 1,
    verdict: v.verdict,
    durationSeconds: round3(durationSeconds),
    baselineRssBytes: Math.round(v.baselineRssBytes || 0),
    peakRssBytes: Math.round(v.peakRssBytes),
    finalRssBytes: Math.round(v.finalRssBytes || 0),
    growthBytesPerSecond: Math.round(v.growthBytesPerSecond),
    processes: input.processes,
    lines: input.lines.map((l) => ({ ...l, bytesPerSecond: Math.round(l.bytesPerSecond) })),
    notes: [...input.notes, ...v.notes],
  };
}

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
const signed = (b: number) => (b >= 0 ? '+' : '') + mb(b);

export function formatText(r: Report, files: string[] = []): string {
  const out: string[] = [];
  out.push(`LeakLens profile: ${r.verdict.toUpperCase()} (${r.durationSeconds.toFixed(1)} s)`);
  out.push(
    `RSS baseline ${mb(r.baselineRssBytes)} · peak ${mb(r.peakRssBytes)} · final ${mb(r.finalRssBytes)} · trend ${signed(r.growthBytesPerSecond)}/s`,
  );
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
        pad(p.name, 18),
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
    out.push('Lines that grew:');
    for (const l of r.lines.slice(0, 10)) {
      out.push(
        `  ${lpad(signed(l.growthBytes), 11)} ${lpad(mb(l.bytesPerSecond) + '/s', 12)} ${lpad(String(l.growthCount), 9)} blocks  ${l.file}:${l.line}`,
      );
    }
    if (r.lines.length > 10) out.push(`  … ${r.lines.length - 10} more in report.json`);
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
