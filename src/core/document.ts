// An open document: keeps its tree between analyses so an edit re-parses incrementally
// (`tree.edit` + parse with the old tree), and its findings so an edit re-analyses only the
// definitions it can change (incremental.ts). Used by the extension's analysis worker.
import type { Tree } from 'web-tree-sitter';
import { configHash } from './cache';
import type { LeakLensConfig } from './config';
import { DEFAULT_TIME_BUDGET_MS, type Engine } from './engine';
import {
  changedSpans,
  editedLayout,
  fileLayout,
  planIncremental,
  writtenSpans,
  type EditStep,
  type FileLayout,
} from './incremental';
import { languageModule } from './languages';
import { LineIndex } from './location';
import { ParseBudgetError } from './parser';
import { dependsOnWholeFile, type Rule } from './rule';
import { mentionsSuppression } from './suppression';
import type { Finding, FileResult, LanguageId, Point } from './types';

/** One change as VS Code reports it: offsets into the text before the change. */
export interface ContentChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** How the last update was analysed: all of it, or the definitions an edit could change. */
export interface UpdateInfo {
  incremental: boolean;
  /** Set when only part of the file was analysed again: how many top-level definitions, of how many. */
  partial?: { dirty: number; definitions: number };
}

export class DocumentSession {
  private tree: Tree | undefined;
  private text = '';
  private lines: LineIndex | undefined;
  private layout: FileLayout | undefined;
  /** The last result, and what it was computed under (its findings are kept when nothing they depend on changed). */
  private previous: { findings: Finding[]; config: LeakLensConfig; rules: readonly Rule[] } | undefined;

  constructor(
    private readonly engine: Engine,
    readonly language: LanguageId,
    readonly file: string,
  ) {}

  /**
   * Analyses the new `text`. With `changes` (applied in order to the previous text) the old tree is
   * edited and reused, and only what the edit can change is analysed again (incremental.ts); if the
   * changes do not reproduce `text`, it falls back to a full parse and analysis (`refresh` analyses
   * all of the current text).
   */
  update(text: string, config: LeakLensConfig, changes?: ContentChange[]): FileResult & UpdateInfo {
    let incremental = false;
    const steps: EditStep[] = [];
    // Whether an edit touched a suppression comment, or a line holding a whole-file fact a rule reads.
    let factsEdited = false;
    const facts = this.factRules(config);
    if (this.tree && changes?.length) {
      let current = this.text;
      for (const c of changes) {
        const before = current === this.text && this.lines ? this.lines : new LineIndex(current);
        const start = c.rangeOffset;
        const oldEnd = c.rangeOffset + c.rangeLength;
        const startPoint = before.point(start);
        const oldEndPoint = before.point(oldEnd);
        this.tree.edit({
          startIndex: start,
          oldEndIndex: oldEnd,
          newEndIndex: start + c.text.length,
          startPosition: toTs(startPoint),
          oldEndPosition: toTs(oldEndPoint),
          newEndPosition: toTs(advance(startPoint, c.text)),
        });
        steps.push({ start, oldEnd, newEnd: start + c.text.length });
        const oldLines = linesAround(current, start, oldEnd);
        current = current.slice(0, start) + c.text + current.slice(oldEnd);
        // After the last change `current` should be `text`: read that one, it is flat already.
        const after = c === changes[changes.length - 1] && current.length === text.length ? text : current;
        const newLines = linesAround(after, start, start + c.text.length);
        if (!factsEdited)
          factsEdited =
            mentionsSuppression(oldLines) ||
            mentionsSuppression(newLines) ||
            facts.some((r) => r.fileFacts!(oldLines, this.language) !== r.fileFacts!(newLines, this.language));
      }
      incremental = current === text;
    }
    const t0 = performance.now();
    let tree: Tree;
    try {
      tree = this.engine.grammars.parse(
        this.language,
        text,
        incremental ? this.tree : undefined,
        DEFAULT_TIME_BUDGET_MS,
        this.file,
      );
    } catch (e) {
      if (!(e instanceof ParseBudgetError)) throw e;
      this.dispose();
      const errors = [{ file: this.file, message: e.message }];
      return {
        file: this.file,
        language: this.language,
        findings: [],
        errors,
        parseMs: performance.now() - t0,
        rulesMs: 0,
        incremental,
      };
    }
    const parseMs = performance.now() - t0;
    const lines =
      incremental && steps.length === 1 && this.lines
        ? this.lines.edited(text, steps[0].start, steps[0].oldEnd, steps[0].newEnd)
        : new LineIndex(text);
    const layoutOf = languageModule(this.language).layout;
    const changed = incremental && this.tree ? changedSpans(this.tree, tree) : [];
    const newLayout =
      (incremental && this.layout
        ? editedLayout(this.layout, steps, [...writtenSpans(steps), ...changed], tree.rootNode, layoutOf)
        : undefined) ??
      fileLayout(tree.rootNode, layoutOf, incremental && this.layout ? { previous: this.layout, steps } : undefined);
    const previous = this.previous;
    const plan =
      incremental &&
      this.tree &&
      this.layout &&
      this.lines &&
      previous &&
      (previous.config === config || configHash(previous.config) === configHash(config)) &&
      previous.rules === this.engine.rules
        ? planIncremental({
            oldText: this.text,
            oldLines: this.lines,
            oldLayout: this.layout,
            newText: text,
            newLayout,
            steps,
            changedRanges: changed,
            previous: previous.findings,
            wholeFile: new Map(
              this.engine.rules
                .filter((r) => dependsOnWholeFile(r))
                .filter((r) => r.languages.includes(this.language) && config.rules[r.id]?.enabled !== false)
                .map((r) => [r.id, r.affectedBy?.(this.language, text, config)] as const),
            ),
            newLines: lines,
            factsEdited,
          })
        : undefined;
    const { result } = this.engine.analyzeText(text, this.language, {
      file: this.file,
      config,
      tree,
      lines,
      restrict: plan?.spans,
      skipRules: plan?.unaffected,
    });
    this.tree?.delete();
    this.tree = tree;
    this.text = text;
    this.lines = lines;
    this.layout = newLayout;
    const findings = plan ? mergeFindings(result.findings, plan.keep) : result.findings;
    this.previous = { findings, config, rules: this.engine.rules };
    return {
      ...result,
      findings,
      parseMs,
      incremental,
      ...(plan ? { partial: { dirty: plan.dirty, definitions: plan.definitions } } : {}),
    };
  }

  /**
   * Analyses the current text again in full, on the tree it has: after partial analyses, what a
   * fact gathered from the whole file may have changed. Undefined when there is nothing analysed.
   */
  refresh(config: LeakLensConfig): (FileResult & UpdateInfo) | undefined {
    if (!this.tree) return undefined;
    const { result } = this.engine.analyzeText(this.text, this.language, {
      file: this.file,
      config,
      tree: this.tree,
      lines: this.lines,
    });
    this.previous = { findings: result.findings, config, rules: this.engine.rules };
    return { ...result, parseMs: 0, incremental: true };
  }

  /** The enabled rules that read whole-file facts (`fileFacts`). */
  private factRules(config: LeakLensConfig): Rule[] {
    return this.engine.rules.filter(
      (r) => r.fileFacts && r.languages.includes(this.language) && config.rules[r.id]?.enabled !== false,
    );
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.lines = undefined;
    this.layout = undefined;
    this.previous = undefined;
  }
}

/** The whole lines of `text` that [start, end] lies on. */
function linesAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to < 0 ? text.length : to);
}

/** New findings first, then the kept ones at sites not found again; in the engine's order. */
function mergeFindings(fresh: Finding[], kept: Finding[]): Finding[] {
  const key = (f: Finding) => `${f.ruleId}:${f.location.start}:${f.location.end}`;
  const seen = new Set(fresh.map(key));
  const all = [...fresh, ...kept.filter((f) => !seen.has(key(f)))];
  return all.sort((a, b) => a.location.start - b.location.start || a.ruleId.localeCompare(b.ruleId));
}

function toTs(p: Point): { row: number; column: number } {
  return { row: p.line, column: p.column };
}

/** Where `text` ends when inserted at `start`. */
function advance(start: Point, text: string): Point {
  const lines = text.split('\n');
  if (lines.length === 1) return { line: start.line, column: start.column + text.length };
  return { line: start.line + lines.length - 1, column: lines[lines.length - 1].length };
}
