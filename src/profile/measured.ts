// Measured leaks as findings: `leaklens import` turns each into a `measured-leak` finding at its
// allocation site, and `check --evidence` attaches them to the static findings on the same line
// (the static rule's message and fix stay; the measurement says it is real). No `vscode` import.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { LeakLensConfig } from '../core/config';
import { LineIndex } from '../core/location';
import { languageOfPath } from '../core/parser';
import type { Evidence, FileResult, Finding, Location, RelatedLocation, Severity } from '../core/types';
import { describeLeak, type MeasuredLeak } from './reports';

export const MEASURED_RULE = 'measured-leak';

const KIND_LABEL = { direct: 'direct leak', indirect: 'indirect leak', possible: 'possible leak', growth: 'growth' };

/** "measured: 64 B in 1 block (LeakSanitizer)", "measured: +12.0 MB over 30 s (LeakLens profile)". */
export function measuredLabel(e: Evidence): string {
  const size = describeLeak({ ...e, stack: [], kind: e.kind, source: e.source as MeasuredLeak['source'] });
  return `measured: ${size} (${e.source}${e.kind === 'indirect' || e.kind === 'possible' ? `, ${e.kind}` : ''})`;
}

export function evidenceOf(l: MeasuredLeak): Evidence {
  const what = l.kind === 'growth' ? `grew ${describeLeak(l)}` : describeLeak(l);
  return {
    source: l.source,
    kind: l.kind,
    bytes: l.bytes,
    blocks: l.blocks,
    bytesPerSecond: l.bytesPerSecond,
    seconds: l.seconds,
    report: l.report,
    when: l.when,
    summary: `confirmed by ${l.source}: ${what}${l.kind === 'indirect' || l.kind === 'possible' ? ` (${KIND_LABEL[l.kind]})` : ''}`,
  };
}

/** Lines of a file, read once per run; a file that cannot be read gives locations without columns. */
class Lines {
  private readonly cache = new Map<string, LineIndex | undefined>();
  at(file: string, line: number): Location {
    let index = this.cache.get(file);
    if (!this.cache.has(file)) {
      try {
        index = new LineIndex(readFileSync(file, 'utf8'));
      } catch {
        index = undefined;
      }
      this.cache.set(file, index);
    }
    if (!index) {
      const p = { line: line - 1, column: 0 };
      return { start: 0, end: 0, startPoint: p, endPoint: p };
    }
    // The whole line but its indentation: where the allocation is.
    const start = index.offset({ line: line - 1, column: 0 });
    const next = index.offset({ line, column: 0 });
    const text = index.text.slice(start, next).replace(/\r?\n$/, '');
    const indent = text.length - text.trimStart().length;
    return index.location({ start: start + indent, end: start + text.length });
  }
}

/** Severity by kind: direct leaks warn; indirect and possible ones (consequences, or unsure) and growth inform. */
function severityOf(l: MeasuredLeak, config?: LeakLensConfig): Severity {
  const configured = config?.rules[MEASURED_RULE]?.severity;
  if (configured) return configured;
  // Growth is a fact about memory, not yet a leak (a cache warming up grows too): information.
  return l.kind === 'direct' ? 'warning' : 'info';
}

function stackRelated(
  l: MeasuredLeak,
  lines: Lines,
  root: string,
  display: (file: string) => string,
): RelatedLocation[] {
  const related: RelatedLocation[] = [];
  const at = l.at!;
  const here = lines.at(at.file, at.line);
  l.stack.forEach((f, i) => {
    const name = f.function ?? '??';
    const file = f.file ? (isAbsolute(f.file) ? f.file : resolve(root, f.file)) : undefined;
    if (file && f.line && !relative(root, file).startsWith('..')) {
      related.push({ file: display(file), location: lines.at(file, f.line), message: `#${i} ${name}` });
    } else {
      // Outside the project (allocator, libc) or unsymbolized: named, shown at the finding itself.
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : f.module ? `(${f.module})` : '(no symbol)';
      related.push({ file: display(at.file), location: here, message: `#${i} ${name} ${where}` });
    }
  });
  return related;
}

/**
 * Findings of the `measured-leak` rule, one per allocation site (leaks with the same site are summed),
 * grouped into one FileResult per file. Leaks with no frame in the project are returned apart.
 */
export function measuredFindings(
  leaks: MeasuredLeak[],
  root: string,
  display: (file: string) => string,
  config?: LeakLensConfig,
): { results: FileResult[]; outside: MeasuredLeak[] } {
  const lines = new Lines();
  const bySite = new Map<string, MeasuredLeak[]>();
  const outside: MeasuredLeak[] = [];
  for (const l of leaks) {
    if (!l.at) {
      outside.push(l);
      continue;
    }
    const key = `${l.at.file}\0${l.at.line}`;
    bySite.set(key, [...(bySite.get(key) ?? []), l]);
  }
  const byFile = new Map<string, Finding[]>();
  for (const group of bySite.values()) {
    const first = group[0];
    const at = first.at!;
    // The strongest kind first: a direct leak outranks an indirect one at the same site.
    group.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || b.bytes - a.bytes);
    const top = group[0];
    // Several records of one report at this site add up (the same line leaking in several call
    // paths); several reports of the same run (a sanitizer log and a Valgrind XML) must not: the
    // message takes the report that measured the most.
    const perReport = new Map<string, { bytes: number; blocks: number }>();
    for (const g of group.filter((x) => x.kind === top.kind)) {
      const t = perReport.get(g.report) ?? { bytes: 0, blocks: 0 };
      perReport.set(g.report, { bytes: t.bytes + g.bytes, blocks: t.blocks + (g.blocks ?? 0) });
    }
    const most = [...perReport.values()].sort((a, b) => b.bytes - a.bytes)[0];
    const total = { ...top, bytes: most.bytes, blocks: top.kind === 'growth' ? undefined : most.blocks };
    const where = at.function ? ` in \`${at.function}\`` : '';
    const message =
      top.kind === 'growth'
        ? `Memory allocated here${where} grew ${describeLeak(total)} (${top.source})`
        : `${capitalise(KIND_LABEL[top.kind])} of ${describeLeak(total)} allocated here${where} (${top.source})`;
    const finding: Finding = {
      ruleId: MEASURED_RULE,
      severity: severityOf(top, config),
      message,
      location: lines.at(at.file, at.line),
      related: stackRelated(top, lines, root, display),
      fixes: [],
      evidence: group.map(evidenceOf),
    };
    byFile.set(at.file, [...(byFile.get(at.file) ?? []), finding]);
  }
  const results: FileResult[] = [...byFile].map(([file, findings]) => ({
    file: display(file),
    language: languageOfPath(file) ?? 'cpp',
    findings,
    errors: [],
    parseMs: 0,
    rulesMs: 0,
  }));
  return { results, outside };
}

/**
 * Attaches each measured leak to the static findings that start on its allocation line, and returns
 * the leaks no static finding explains (they become `measured-leak` findings).
 */
export function attachEvidence(
  results: Array<FileResult & { path?: string }>,
  leaks: MeasuredLeak[],
  absolute: (r: FileResult) => string,
): MeasuredLeak[] {
  const index = new Map<string, Finding[]>();
  for (const r of results) {
    const file = absolute(r);
    for (const f of r.findings) {
      const key = `${file}\0${f.location.startPoint.line + 1}`;
      index.set(key, [...(index.get(key) ?? []), f]);
    }
  }
  const unexplained: MeasuredLeak[] = [];
  for (const l of leaks) {
    const hits = l.at ? index.get(`${l.at.file}\0${l.at.line}`) : undefined;
    if (!hits?.length) {
      unexplained.push(l);
      continue;
    }
    for (const f of hits) f.evidence = [...(f.evidence ?? []), evidenceOf(l)];
  }
  return unexplained;
}

function kindRank(k: MeasuredLeak['kind']): number {
  return { direct: 0, growth: 1, possible: 2, indirect: 3 }[k];
}

function capitalise(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
