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
  /** Another file than the finding's (a frame of an allocation stack); absent: the same file. */
  file?: string;
}

/** A measurement that confirms a finding: a leak a sanitizer or Valgrind reported, or a profile's growth. */
export interface Evidence {
  source: string;
  kind: 'direct' | 'indirect' | 'possible' | 'growth';
  bytes: number;
  blocks?: number;
  bytesPerSecond?: number;
  seconds?: number;
  /** The report file and when it was written (ISO time). */
  report: string;
  when: string;
  /** One line: "confirmed by LeakSanitizer: 64 B in 1 block". */
  summary: string;
}

/** A replacement of `span` in the original text by `newText`. Edits of one fix never overlap. */
export interface TextEdit extends Span {
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The finding's own fix (at most one per finding); the others are alternatives and the suppression. */
  isPreferred?: boolean;
  /**
   * As in ruff: a `safe` fix keeps what the program means and is applied by `--fix` and
   * `source.fixAll.leaklens`; an `unsafe` one can change behaviour (a `put()` that now blocks, a cache
   * that now evicts, a pointer handed to a call that may keep it) and is applied only with
   * `--unsafe-fixes`, or one at a time from the editor. Absent means unsafe.
   */
  applicability?: Applicability;
}

export type Applicability = 'safe' | 'unsafe';

/** The fix `--fix` applies for this finding: its preferred one, if safe enough for the run. */
export function autoFix(f: Finding, unsafe: boolean): Fix | undefined {
  return f.fixes.find((x) => x.isPreferred && (unsafe || x.applicability === 'safe'));
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  location: Location;
  related: RelatedLocation[];
  fixes: Fix[];
  /** Measurements of this leak (`check --evidence`, imported reports). */
  evidence?: Evidence[];
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
  /** The rules read other files of the project (callers elsewhere): the result depends on them too. */
  readOtherFiles?: boolean;
}
