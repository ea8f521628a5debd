// Messages between the extension host (src/extension/extension.ts) and the analysis worker
// (src/extension/analysis-worker.ts). No `vscode` import: the worker shares this file.
import type { RuleFileError } from '../core/custom-rules';
import type { ContentChange } from '../core/document';
import type { ResourcePair } from '../core/resources';
import type { AnalysisError, Finding, LanguageId, Severity } from '../core/types';

/** The part of the VS Code settings that merges over `.leaklens.json`. */
export interface SettingsOverlay {
  /** Per-rule override: `off` or a severity; rules not listed keep the config's setting. */
  rules: Record<string, 'off' | Severity>;
  /** Bytes; null: keep the config's `maxFileSize`. */
  maxFileSize: number | null;
  /** Extra acquire/release pairs, appended to the config's. */
  resources: ResourcePair[];
  /** Debounce of on-change analysis, ms. */
  debounceMs: number;
  /** Fix all (and fix on save) applies unsafe fixes too, like ruff's `unsafe-fixes = true`. */
  unsafeFixes: boolean;
}

export interface ConfigProblem {
  /** Absolute path of the bad .leaklens.json. */
  file: string;
  /** Dotted key path ("rules.foo"), or "" for the whole file. */
  key: string;
  message: string;
}

/** A custom rule file's text (saved, or the editor's unsaved contents). */
export interface RuleFileText {
  file: string;
  /** Workspace folder whose documents the rule applies to (undefined: all). */
  folder?: string;
  text: string;
  /** false: only compiled for its error diagnostics (a draft outside `.leaklens/rules/`). */
  active: boolean;
}

/** A custom rule that runs. */
export interface RuleInfo {
  id: string;
  file: string;
  helpUri?: string;
}

export type ToWorker =
  | { type: 'configure'; settings: SettingsOverlay }
  | { type: 'open'; uri: string; file: string; language: LanguageId; version: number; text: string }
  | { type: 'change'; uri: string; version: number; changes: ContentChange[] }
  /** Analyse now (skip the debounce); `text` (on save) re-synchronises the worker's copy. */
  | { type: 'flush'; uri: string; text?: string; version?: number }
  | { type: 'close'; uri: string }
  | { type: 'fixAll'; id: number; uri: string }
  | { type: 'scan'; id: number; folders: string[]; allowed: string[] | null; cacheDir?: string; version?: string }
  | { type: 'cancel'; id: number }
  | { type: 'stats'; id: number }
  /** The full set of custom rule files (replaces the previous set). */
  | { type: 'rules'; files: RuleFileText[] }
  /** A rule skeleton matching [start, end) of `text` (see rule-tools.ts). */
  | {
      type: 'newRule';
      id: number;
      language: LanguageId;
      text: string;
      start: number;
      end: number;
      source: string;
      ruleId?: string;
    }
  | { type: 'syntaxTree'; id: number; language: LanguageId; text: string };

export interface DocResult {
  uri: string;
  version: number;
  findings: Finding[];
  errors: AnalysisError[];
  /** Analysis skipped (over maxFileSize, ignored by the config): why. */
  skipped?: string;
  incremental: boolean;
  /** Only the definitions an edit could change were analysed: how many, of how many. */
  partial?: { dirty: number; definitions: number };
  /** Time spent in the worker on this analysis, ms. */
  ms: number;
}

export interface ScanFileResult {
  file: string;
  findings: Finding[];
  errors: AnalysisError[];
}

export type FromWorker =
  | { type: 'ready'; ms: number }
  | { type: 'result'; result: DocResult }
  | { type: 'configProblems'; problems: ConfigProblem[] }
  | { type: 'fixAll'; id: number; version: number; text: string | null; applied: number; error?: string }
  | { type: 'scanProgress'; id: number; done: number; total: number; results: ScanFileResult[] }
  | {
      type: 'scanDone';
      id: number;
      cancelled: boolean;
      files: number;
      error?: string;
      cacheHits?: number;
      /** Files whose findings read other files of the project (callers, callees): never cached. */
      readOtherFiles?: number;
    }
  /** wasmBytes: the worker's ArrayBuffers, which include web-tree-sitter's wasm memory (trees). */
  | { type: 'stats'; id: number; docs: number; heapUsed: number; rss: number; wasmBytes: number }
  | { type: 'log'; message: string }
  /** After each `rules`: the custom rules that run, and every rule file's errors. */
  | { type: 'rulesStatus'; rules: RuleInfo[]; errors: RuleFileError[] }
  | {
      type: 'newRule';
      id: number;
      rule?: { id: string; text: string; start: number; end: number; type: string };
      error?: string;
    }
  | { type: 'syntaxTree'; id: number; text: string; lines: number; truncated: boolean; error?: string };
