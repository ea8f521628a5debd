// Output formats of `leaklens check`: JSON, text grouped by file, GitHub workflow annotations,
// GitLab Code Quality, JUnit XML, and per-rule statistics. SARIF lives in sarif.ts.
import { createHash } from 'node:crypto';
import { autoFix, type AnalysisError, type FileResult, type Finding, type Fix, type Location } from './types';

export const DOCS_BASE = 'https://github.com/leaklens/leaklens/blob/main/docs/rules/';

interface JsonRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface JsonFix {
  title: string;
  applicability: 'safe' | 'unsafe';
  edits: Array<JsonRange & { newText: string }>;
}

export interface JsonFinding extends JsonRange {
  file: string;
  ruleId: string;
  severity: string;
  message: string;
  related: Array<JsonRange & { message: string; file?: string }>;
  /** The finding has a fix `--fix` (safe) or `--fix --unsafe-fixes` applies. */
  fixable: boolean;
  /** That fix, with 1-based edit ranges; null when the finding has none. */
  fix: JsonFix | null;
  /** Measurements that confirm it (`check --evidence`, `import`). */
  evidence?: Finding['evidence'];
}

function range(l: Location): JsonRange {
  return {
    line: l.startPoint.line + 1,
    column: l.startPoint.column + 1,
    endLine: l.endPoint.line + 1,
    endColumn: l.endPoint.column + 1,
  };
}

export function toJsonFinding(
  file: string,
  f: Finding,
  lineStarts?: (offset: number) => { line: number; column: number },
): JsonFinding {
  const fix = f.fixes.find((x) => x.isPreferred);
  return {
    file,
    ...range(f.location),
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    related: f.related.map((r) => ({ ...range(r.location), message: r.message, ...(r.file ? { file: r.file } : {}) })),
    ...(f.evidence?.length ? { evidence: f.evidence } : {}),
    fixable: fix !== undefined,
    fix: fix ? jsonFix(fix, lineStarts) : null,
  };
}

function jsonFix(fix: Fix, at?: (offset: number) => { line: number; column: number }): JsonFix {
  return {
    title: fix.title,
    applicability: fix.applicability === 'safe' ? 'safe' : 'unsafe',
    edits: fix.edits.map((e) => {
      const s = at?.(e.start) ?? { line: 0, column: 0 };
      const t = at?.(e.end) ?? { line: 0, column: 0 };
      return {
        line: s.line + 1,
        column: s.column + 1,
        endLine: t.line + 1,
        endColumn: t.column + 1,
        newText: e.newText,
      };
    }),
  };
}

export interface ResultWithPoints extends FileResult {
  /** Offset → 0-based line/column in the analysed text, for fix edits in JSON. */
  pointAt?: (offset: number) => { line: number; column: number };
}

export function toJson(results: ResultWithPoints[], errors: AnalysisError[]): string {
  const doc = {
    version: 1,
    findings: results.flatMap((r) => r.findings.map((f) => toJsonFinding(r.file, f, r.pointAt))),
    errors: allErrors(results, errors),
  };
  return JSON.stringify(doc, null, 2);
}

function allErrors(results: FileResult[], errors: AnalysisError[]): AnalysisError[] {
  return [...errors, ...results.flatMap((r) => r.errors)];
}

/** Files in path order, findings in position order: the order every format uses. */
export function sorted(results: FileResult[]): FileResult[] {
  return [...results]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((r) => ({
      ...r,
      findings: [...r.findings].sort((x, y) => x.location.start - y.location.start || x.ruleId.localeCompare(y.ruleId)),
    }));
}

export interface FixCounts {
  safe: number;
  unsafe: number;
}

export function fixCounts(results: FileResult[]): FixCounts {
  let safe = 0;
  let unsafe = 0;
  for (const r of results) {
    for (const f of r.findings) {
      if (autoFix(f, false)) safe++;
      else if (autoFix(f, true)) unsafe++;
    }
  }
  return { safe, unsafe };
}

/**
 * `path:line:col: severity [rule-id] message`, like compilers and ruff (editors and terminals jump
 * to it), grouped by file with a blank line between files, notes indented, and one summary line.
 */
export function toText(
  results: FileResult[],
  errors: AnalysisError[],
  color: boolean,
  options: { showFixes?: boolean } = {},
): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const blocks: string[] = [];
  for (const r of sorted(results)) {
    if (!r.findings.length) continue;
    const lines: string[] = [];
    for (const f of r.findings) {
      const sev =
        f.severity === 'error'
          ? paint('31', 'error')
          : f.severity === 'warning'
            ? paint('33', 'warning')
            : paint('36', 'info');
      const fix = autoFix(f, true);
      const mark = fix ? (fix.applicability === 'safe' ? ' [*]' : ' [-]') : '';
      lines.push(
        `${paint('1', `${r.file}:${f.location.startPoint.line + 1}:${f.location.startPoint.column + 1}`)}: ${sev} ${paint('35', `[${f.ruleId}]`)}${mark} ${f.message}`,
      );
      for (const e of f.evidence ?? [])
        lines.push(`    ${paint('32', e.summary)} (${e.report}, ${e.when.slice(0, 16).replace('T', ' ')})`);
      for (const rel of f.related)
        lines.push(
          `    ${rel.file ?? r.file}:${rel.location.startPoint.line + 1}:${rel.location.startPoint.column + 1}: note: ${rel.message}`,
        );
      if (options.showFixes && fix)
        lines.push(`    ${paint('32', 'fix')} (${fix.applicability === 'safe' ? 'safe' : 'unsafe'}): ${fix.title}`);
    }
    blocks.push(lines.join('\n'));
  }
  const errs = allErrors(results, errors);
  if (errs.length)
    blocks.push(
      errs
        .map(
          (e) =>
            `${e.file}${e.line ? `:${e.line}` : ''}${e.column ? `:${e.column}` : ''}: ${paint('31', 'error')}: ${e.message}`,
        )
        .join('\n'),
    );
  blocks.push(summaryLine(results, errs.length));
  return blocks.join('\n\n');
}

export function summaryLine(results: FileResult[], errorCount: number): string {
  const count = results.reduce((n, r) => n + r.findings.length, 0);
  const files = results.filter((r) => r.findings.length).length;
  const { safe, unsafe } = fixCounts(results);
  const fixes = [safe ? `${safe} fixable with --fix` : '', unsafe ? `${unsafe} more with --fix --unsafe-fixes` : '']
    .filter(Boolean)
    .join(', ');
  const errs = errorCount ? ` ${errorCount} file error${errorCount === 1 ? '' : 's'}.` : '';
  const checked = `${results.length} file${results.length === 1 ? '' : 's'} checked`;
  if (count === 0) return `No leak risks found (${checked}).${errs}`;
  return `Found ${count} leak risk${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} (${checked}${fixes ? `; ${fixes}` : ''}).${errs}`;
}

/** `--statistics`: one row per rule, most frequent first, as ruff prints it. */
export function toStatistics(results: FileResult[], summaries: Map<string, string>): string {
  const rows = new Map<string, { count: number; fixable: 'safe' | 'unsafe' | '' }>();
  for (const r of results) {
    for (const f of r.findings) {
      const row = rows.get(f.ruleId) ?? { count: 0, fixable: '' };
      row.count++;
      const fix = autoFix(f, true);
      if (fix) row.fixable = fix.applicability === 'safe' || row.fixable === 'safe' ? 'safe' : 'unsafe';
      rows.set(f.ruleId, row);
    }
  }
  const list = [...rows].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  if (!list.length) return 'No leak risks found.';
  const w = Math.max(...list.map(([, r]) => String(r.count).length));
  const idW = Math.max(...list.map(([id]) => id.length));
  return list
    .map(([id, r]) =>
      `${String(r.count).padStart(w)}  ${id.padEnd(idW)}  ${r.fixable === 'safe' ? '[*]' : r.fixable === 'unsafe' ? '[-]' : '   '}  ${summaries.get(id) ?? ''}`.trimEnd(),
    )
    .join('\n');
}

// --- GitHub Actions workflow commands --------------------------------------------------------

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** `::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`, one per finding. */
export function toGithub(results: FileResult[], errors: AnalysisError[]): string {
  const out: string[] = [];
  for (const r of sorted(results)) {
    for (const f of r.findings) {
      const level = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
      const l = range(f.location);
      const props = [
        `file=${escapeProperty(r.file)}`,
        `line=${l.line}`,
        `col=${l.column}`,
        `endLine=${l.endLine}`,
        `endColumn=${l.endColumn}`,
        `title=${escapeProperty(`LeakLens (${f.ruleId})`)}`,
      ];
      out.push(`::${level} ${props.join(',')}::${escapeData(`${f.ruleId}: ${f.message}`)}`);
    }
  }
  for (const e of allErrors(results, errors)) {
    const props = [
      `file=${escapeProperty(e.file)}`,
      ...(e.line ? [`line=${e.line}`] : []),
      `title=${escapeProperty('LeakLens: file not analysed')}`,
    ];
    out.push(`::error ${props.join(',')}::${escapeData(e.message)}`);
  }
  return out.join('\n');
}

// --- GitLab Code Quality ------------------------------------------------------------------------

const GITLAB_SEVERITY = { error: 'major', warning: 'minor', info: 'info' } as const;

/**
 * The Code Quality report (a JSON array). Fingerprints hash rule, path, message and the finding's
 * rank among identical ones, not its line, so an edit above a finding does not make it "new".
 */
export function toGitlab(results: FileResult[]): string {
  const issues: unknown[] = [];
  for (const r of sorted(results)) {
    const seen = new Map<string, number>();
    for (const f of r.findings) {
      const base = `${f.ruleId}\0${r.file}\0${f.message.replace(/\b(line|lines) \d+(, \d+)*/g, '$1')}`;
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      issues.push({
        description: `${f.ruleId}: ${f.message}`,
        check_name: f.ruleId,
        fingerprint: createHash('md5').update(`${base}\0${n}`).digest('hex'),
        severity: GITLAB_SEVERITY[f.severity],
        location: { path: r.file, lines: { begin: f.location.startPoint.line + 1, end: f.location.endPoint.line + 1 } },
      });
    }
  }
  return JSON.stringify(issues, null, 2);
}

// --- JUnit XML --------------------------------------------------------------------------------

const xml = (s: string) =>
  // Characters XML 1.0 cannot carry at all are dropped; the five specials escaped.
  // eslint-disable-next-line no-control-regex
  s
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/**
 * One test suite per checked file: a failing test case per finding (named after the rule), or one
 * passing case when the file is clean; files that could not be analysed are errors.
 */
export function toJunit(results: FileResult[], errors: AnalysisError[]): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errorCount = 0;
  const byFile = new Map<string, AnalysisError[]>();
  for (const e of allErrors(results, errors)) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const files = new Set([...sorted(results).map((r) => r.file), ...byFile.keys()]);
  const resultOf = new Map(results.map((r) => [r.file, r]));
  for (const file of files) {
    const r = resultOf.get(file);
    const cases: string[] = [];
    const fileErrors = byFile.get(file) ?? [];
    for (const f of r?.findings ?? []) {
      const l = range(f.location);
      cases.push(
        `    <testcase name="${xml(`leaklens.${f.ruleId}`)}" classname="${xml(file)}" file="${xml(file)}" line="${l.line}">\n` +
          `      <failure message="${xml(f.message)}" type="${xml(f.severity)}">${xml(`${file}:${l.line}:${l.column}: ${f.message}`)}</failure>\n    </testcase>`,
      );
    }
    for (const e of fileErrors)
      cases.push(
        `    <testcase name="leaklens" classname="${xml(file)}" file="${xml(file)}">\n      <error message="${xml(e.message)}"/>\n    </testcase>`,
      );
    if (!cases.length) cases.push(`    <testcase name="leaklens" classname="${xml(file)}" file="${xml(file)}"/>`);
    const nFail = r?.findings.length ?? 0;
    tests += cases.length;
    failures += nFail;
    errorCount += fileErrors.length;
    suites.push(
      `  <testsuite name="${xml(file)}" tests="${cases.length}" failures="${nFail}" errors="${fileErrors.length}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="leaklens" tests="${tests}" failures="${failures}" errors="${errorCount}">\n${suites.join('\n')}\n</testsuites>`;
}

/**
 * A message as a headline that fits a Problems-view row and the rest: split at the first `: ` or
 * `. ` outside backticks after at least 20 characters. Short messages stay whole.
 */
export function splitMessage(message: string, max = 100): { headline: string; detail?: string } {
  if (message.length <= max) return { headline: message };
  let code = false;
  for (let i = 0; i < message.length - 1; i++) {
    const c = message[i];
    if (c === '`') code = !code;
    if (code || i < 20 || message[i + 1] !== ' ' || (c !== ':' && c !== '.')) continue;
    const rest = message.slice(i + 2).trim();
    if (!rest) break;
    return { headline: message.slice(0, c === '.' ? i + 1 : i), detail: rest[0].toUpperCase() + rest.slice(1) };
  }
  return { headline: message };
}
