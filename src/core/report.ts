// Output formats: the JSON document of `--format json`, plain text, and the helpers they share.
import type { AnalysisError, FileResult, Finding } from './types';

export const DOCS_BASE = 'https://github.com/leaklens/leaklens/blob/main/docs/rules/';

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  ruleId: string;
  severity: string;
  message: string;
  related: Array<{ line: number; column: number; endLine: number; endColumn: number; message: string }>;
  fixable: boolean;
}

export function toJsonFinding(file: string, f: Finding): JsonFinding {
  return {
    file,
    line: f.location.startPoint.line + 1,
    column: f.location.startPoint.column + 1,
    endLine: f.location.endPoint.line + 1,
    endColumn: f.location.endPoint.column + 1,
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    related: f.related.map((r) => ({
      line: r.location.startPoint.line + 1,
      column: r.location.startPoint.column + 1,
      endLine: r.location.endPoint.line + 1,
      endColumn: r.location.endPoint.column + 1,
      message: r.message,
    })),
    fixable: f.fixes.some((x) => x.isPreferred),
  };
}

export function toJson(results: FileResult[], errors: AnalysisError[]): string {
  const doc = {
    version: 1,
    findings: results.flatMap((r) => r.findings.map((f) => toJsonFinding(r.file, f))),
    errors: [...errors, ...results.flatMap((r) => r.errors)],
  };
  return JSON.stringify(doc, null, 2);
}

/** `path:line:col: severity [rule-id] message`, like compilers and ruff, so editors can jump to it. */
export function toText(results: FileResult[], errors: AnalysisError[], color: boolean): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      const sev = f.severity === 'error' ? paint('31', 'error') : f.severity === 'warning' ? paint('33', 'warning') : paint('36', 'info');
      lines.push(`${paint('1', `${r.file}:${f.location.startPoint.line + 1}:${f.location.startPoint.column + 1}`)}: ${sev} ${paint('35', `[${f.ruleId}]`)} ${f.message}`);
      for (const rel of f.related) lines.push(`    ${r.file}:${rel.location.startPoint.line + 1}:${rel.location.startPoint.column + 1}: note: ${rel.message}`);
    }
  }
  for (const e of [...errors, ...results.flatMap((r) => r.errors)]) lines.push(`${e.file}${e.line ? `:${e.line}` : ''}: ${paint('31', 'error')}: ${e.message}`);
  const count = results.reduce((n, r) => n + r.findings.length, 0);
  const fixable = results.reduce((n, r) => n + r.findings.filter((f) => f.fixes.some((x) => x.isPreferred)).length, 0);
  lines.push(count === 0 ? 'No leak risks found.' : `Found ${count} leak risk${count === 1 ? '' : 's'} in ${results.filter((r) => r.findings.length).length} file(s)${fixable ? ` (${fixable} fixable with --fix)` : ''}.`);
  return lines.join('\n');
}
