// Shared vocabulary of the analysis engine. No `vscode` import anywhere under src/core.

export type LanguageId = 'cpp' | 'python';
export type Severity = 'error' | 'warning' | 'info';

/** A half-open span of UTF-16 code-unit offsets into the analysed text (what JS strings index). */
export interface Span {
  start: number;
  end: number;
}

/** 0-based line and UTF-16 column, as VS Code's Position and LSP use. */
export interface Point {
  line: number;
  column: number;
}

export interface Location extends Span {
  startPoint: Point;
  endPoint: Point;
}

export interface RelatedLocation {
  location: Location;
  message: string;
}

/** A replacement of `span` in the original text by `newText`. Edits of one fix never overlap. */
export interface TextEdit extends Span {
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix `--fix` and `source.fixAll.leaklens` apply; at most one per finding. */
  isPreferred?: boolean;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  location: Location;
  related: RelatedLocation[];
  fixes: Fix[];
}

/** A problem with an input rather than with the code in it (unreadable, binary, too large, ...). */
export interface AnalysisError {
  file: string;
  message: string;
  line?: number;
  column?: number;
}

export interface FileResult {
  file: string;
  language: LanguageId;
  findings: Finding[];
  errors: AnalysisError[];
  /** Milliseconds spent parsing and in rules, for --stats and the bench. */
  parseMs: number;
  rulesMs: number;
}
