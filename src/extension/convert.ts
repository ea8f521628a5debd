// Engine findings -> VS Code diagnostics and edits.
import * as vscode from 'vscode';
import { DOCS_BASE, splitMessage } from '../core/report';
import { measuredLabel } from '../profile/measured';
import type { Finding, Location, TextEdit } from '../core/types';

export const SOURCE = 'LeakLens';

export function toRange(l: Location): vscode.Range {
  return new vscode.Range(l.startPoint.line, l.startPoint.column, l.endPoint.line, l.endPoint.column);
}

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Custom rules' documentation (their `doc` header, else the rule file), by rule id. */
export const customRuleDocs = new Map<string, vscode.Uri>();

export function docUri(ruleId: string): vscode.Uri {
  return customRuleDocs.get(ruleId) ?? vscode.Uri.parse(`${DOCS_BASE}${ruleId}.md`);
}

export function toDiagnostic(f: Finding, uri: vscode.Uri): vscode.Diagnostic {
  // The Problems view shows one row per diagnostic: its headline there, the why as the first related entry.
  const { headline, detail } = splitMessage(f.message);
  // A static finding a report or profile measured says so on its row: "… — measured: 64 B in 1 block (LeakSanitizer)".
  const measured = f.ruleId !== 'measured-leak' && f.evidence?.length ? ` — ${measuredLabel(f.evidence[0])}` : '';
  const d = new vscode.Diagnostic(toRange(f.location), headline + measured, SEVERITY[f.severity]);
  d.source = SOURCE;
  d.code = { value: f.ruleId, target: docUri(f.ruleId) };
  const related = f.related.map(
    (r) =>
      new vscode.DiagnosticRelatedInformation(
        new vscode.Location(r.file ? vscode.Uri.file(r.file) : uri, toRange(r.location)),
        r.message,
      ),
  );
  if (detail)
    related.unshift(new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(f.location)), detail));
  if (related.length) d.relatedInformation = related;
  return d;
}

/** Whether two lists show the same thing: same order, ranges, messages, severities, rules, related entries. */
export function sameDiagnostics(a: readonly vscode.Diagnostic[], b: readonly vscode.Diagnostic[]): boolean {
  if (a.length !== b.length) return false;
  const code = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);
  return a.every((x, i) => {
    const y = b[i];
    const rx = x.relatedInformation ?? [];
    const ry = y.relatedInformation ?? [];
    return (
      x.range.isEqual(y.range) &&
      x.message === y.message &&
      x.severity === y.severity &&
      x.source === y.source &&
      code(x) === code(y) &&
      rx.length === ry.length &&
      rx.every(
        (r, j) =>
          r.message === ry[j].message &&
          r.location.uri.toString() === ry[j].location.uri.toString() &&
          r.location.range.isEqual(ry[j].location.range),
      )
    );
  });
}

export function ruleIdOf(d: vscode.Diagnostic): string | undefined {
  if (d.source !== SOURCE) return undefined;
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : c === undefined ? undefined : String(c);
}

/** A WorkspaceEdit of engine edits (offsets into `doc`'s current text). */
export function toWorkspaceEdit(doc: vscode.TextDocument, edits: TextEdit[]): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  for (const e of edits)
    we.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
  return we;
}

/** One edit turning `before` into `after`: the differing middle, between common prefix and suffix. */
export function minimalEdit(before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end))
    end++;
  // Don't split a surrogate pair or a CRLF.
  while (start > 0 && (isLow(before.charCodeAt(start)) || (before[start] === '\n' && before[start - 1] === '\r')))
    start--;
  while (
    end > 0 &&
    (isLow(before.charCodeAt(before.length - end)) ||
      (before[before.length - end] === '\n' && before[before.length - end - 1] === '\r'))
  )
    end--;
  return { start, end: before.length - end, newText: after.slice(start, after.length - end) };
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Where a number the fix inserts (a `maxsize=N` default) ends up after the fix is applied, so the
 * editor can select it for the user to type over: [start, end) offsets in the new text.
 */
export function placeholderAfter(edits: TextEdit[]): [number, number] | undefined {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let delta = 0;
  for (const e of sorted) {
    const base = e.start + delta;
    if (/^\d+$/.test(e.newText)) return [base, base + e.newText.length];
    const m = e.newText.includes('\n') ? null : /maxsize=(\d+)/.exec(e.newText); // not in an inserted helper
    if (m) {
      const at = base + m.index + 'maxsize='.length;
      return [at, at + m[1].length];
    }
    delta += e.newText.length - (e.end - e.start);
  }
  return undefined;
}
