// A rule is data (id, languages, a tree-sitter query per language) plus a small check that reads
// the tree around each match and reports findings.
import type { Node } from 'web-tree-sitter';
import type { LeakLensConfig } from './config';
import type { LineIndex } from './location';
import type { Fix, LanguageId, Severity, Span } from './types';

export interface RuleMeta {
  id: string;
  /** One line: what the rule flags. Shown in SARIF and the docs index. */
  summary: string;
  languages: LanguageId[];
  defaultSeverity: Severity;
}

export interface RuleMatch {
  patternIndex: number;
  /** First node of each capture, by capture name. */
  captures: Map<string, Node>;
}

export interface Rule extends RuleMeta {
  /** The query per language; a function when names from the config go into its predicates. */
  query: Partial<Record<LanguageId, string | ((config: LeakLensConfig) => string)>>;
  check(match: RuleMatch, ctx: RuleContext): void;
}

export interface Report {
  at: Node | Span;
  message: string;
  related?: Array<{ at: Node | Span; message: string }>;
  fixes?: Fix[];
}

export interface RuleContext {
  readonly file: string;
  readonly language: LanguageId;
  /** A `.c` file: nothing can throw, only explicit exits skip a release. */
  readonly plainC: boolean;
  readonly text: string;
  readonly lines: LineIndex;
  readonly root: Node;
  readonly config: LeakLensConfig;
  /** Per-file memo shared by the rules, for analyses several matches need (imports, scopes). */
  memo<T>(key: string, compute: () => T): T;
  report(report: Report): void;
}

export function spanOf(at: Node | Span): Span {
  return 'startIndex' in at ? { start: at.startIndex, end: at.endIndex } : at;
}

/** A `(#any-of? @capture "a" "b")` predicate listing `names`, for use inside a query. */
export function anyOf(capture: string, names: string[]): string {
  return `(#any-of? @${capture} ${names.map((n) => JSON.stringify(n)).join(' ')})`;
}
