// Parses one text, runs the enabled rules' queries over it, and turns their reports into findings,
// minus suppressed ones and anything inside a syntax error (tree-sitter recovers; we do not guess).
import { reclaimedAtExit } from './one-shot';
import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import type { Node, Query, QueryMatch, Tree } from 'web-tree-sitter';
import { defaultConfig, type LeakLensConfig } from './config';
import { LineIndex } from './location';
import { ProjectSources, projectRootFor } from './project';
import { Grammars, isPlainC, languageOfFile, ParseBudgetError } from './parser';
import { captureMismatch, dependsOnWholeFile, spanOf, type Report, type Rule, type RuleContext } from './rule';
import { BUILTIN_RULES } from './rules';
import { suppressionFix } from './fixes/suppress';
import { ForeignSuppressions, isSuppressed } from './suppression';
import type { AnalysisError, FileResult, Finding, LanguageId, Span } from './types';

interface CombinedQuery {
  query: Query;
  owners: Array<{ rule: number; pattern: number }>;
  /** Rules whose query lacks a capture they declare: they do not run, and each file says why. */
  mismatches: Array<{ rule: number; message: string }>;
}

/** Stands in for a rule that takes no part in a combined query. */
const NO_QUERY: Rule = { id: '', summary: '', languages: [], defaultSeverity: 'info', query: {}, check() {} };

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Containers too large to query around an anchor: stop climbing below them. */
const TOO_LARGE = new Set([
  'compound_statement',
  'block',
  'translation_unit',
  'module',
  'declaration_list',
  'field_declaration_list',
  'class_body',
]);

/** The smallest statement or declaration around `offset`: where an anchored rule's query runs. */
function statementAround(root: Node, offset: number): Node | null {
  let node: Node | null = root.descendantForIndex(offset);
  let last: Node | null = node;
  while (node && !TOO_LARGE.has(node.type)) {
    if (/(_statement|declaration|_definition|decorator)$/.test(node.type)) return node;
    last = node;
    node = node.parent;
  }
  return last;
}

export interface AnalyzeOptions {
  file: string;
  config?: LeakLensConfig;
  /** A previous tree of this document, already `edit()`ed: enables incremental parsing. */
  oldTree?: Tree;
  /** `text` already parsed (the caller keeps and deletes it): the engine does not parse again. */
  tree?: Tree;
  /** `text`'s line index, when the caller has one. */
  lines?: LineIndex;
  /** Return the tree instead of deleting it (the caller must `delete()` it). */
  keepTree?: boolean;
  /** Do not even parse when every enabled rule's `mayMatch` rules the text out (check runs). */
  skipUnmatched?: boolean;
  /** Milliseconds for the whole file; past it the parse is cancelled, or the remaining rules skipped. */
  timeBudgetMs?: number;
  /**
   * Run the rules that depend on their definition only (`dependsOn`) on matches within these spans
   * (an incremental plan, incremental.ts); whole-file rules still see everything.
   */
  restrict?: Span[];
  /** Rules not to run at all (whole-file rules an incremental plan found the edit cannot affect). */
  skipRules?: ReadonlySet<string>;
  /**
   * The project the file belongs to when no `.git` or `.leaklens.json` above it says (the CLI's
   * working directory): where rules look for callers in other files.
   */
  projectRoot?: string;
  /** The file's path on disk when `file` is only how it is displayed. */
  sourcePath?: string;
}

/** A project's files are read again after this long: an editor's engine outlives many edits. */
const PROJECT_TTL_MS = 60_000;

/** Per file: thousands of times what a real source file needs, so only a pathological input meets it. */
export const DEFAULT_TIME_BUDGET_MS = 10_000;

export interface AnalyzeOutput {
  result: FileResult;
  tree?: Tree;
}

export class Engine {
  private readonly queries = new Map<string, CombinedQuery>();
  /** Milliseconds spent in each rule (query + check) since the engine was created: for --stats. */
  readonly ruleMs = new Map<string, number>();
  private readonly projects = new Map<string, { sources: ProjectSources; at: number }>();

  /** The other files of `file`'s project, read when a rule first asks and kept a while. */
  projectOf(file: string, fallback?: string): ProjectSources | undefined {
    const root = projectRootFor(file, fallback);
    if (!root) return undefined;
    const cached = this.projects.get(root);
    if (cached && performance.now() - cached.at < PROJECT_TTL_MS) return cached.sources;
    cached?.sources.dispose();
    const sources = new ProjectSources(root, this.grammars);
    this.projects.set(root, { sources, at: performance.now() });
    return sources;
  }

  private constructor(
    readonly grammars: Grammars,
    private readonly builtin: Rule[],
  ) {
    this.rules = builtin;
  }

  /** The rules that run: the built-in ones, then the custom ones (`setCustomRules`). */
  rules: Rule[];
  private custom: Rule[] = [];

  /** Replaces the custom rules (e.g. after a rule file changed); built-in rules stay. */
  setCustomRules(rules: Rule[]): void {
    for (const r of this.custom) (r as { dispose?: () => void }).dispose?.();
    this.custom = rules;
    this.rules = [...this.builtin, ...rules];
    this.clearQueries();
  }

  private clearQueries(): void {
    for (const q of this.queries.values()) q.query.delete();
    this.queries.clear();
  }

  static async create(options: { grammarDir?: string; rules?: Rule[] } = {}): Promise<Engine> {
    return new Engine(await Grammars.load(options.grammarDir), options.rules ?? BUILTIN_RULES);
  }

  private querySource(rule: Rule, language: LanguageId, config: LeakLensConfig): string | undefined {
    const spec = rule.query[language];
    return spec === undefined ? undefined : typeof spec === 'function' ? spec(config) : spec;
  }

  /**
   * The rules' queries compiled as one. Which rule owns a pattern comes from where the pattern
   * starts in the combined source (`startIndexForPattern`), so nothing is compiled twice: query
   * compilation is the most expensive thing tree-sitter does for the C++ grammar.
   */
  private combinedQuery(rules: Rule[], language: LanguageId, config: LeakLensConfig): CombinedQuery | undefined {
    const sources = rules.map((r) => this.querySource(r, language, config));
    const key = `${language}\0${sources.map((x) => x ?? '').join('\0\0')}`;
    const cached = this.queries.get(key);
    if (cached) return cached;
    const ranges: Array<{ rule: number; start: number; end: number }> = [];
    let offset = 0;
    const parts: string[] = [];
    sources.forEach((source, rule) => {
      if (!source) return;
      const bytes = utf8Length(source);
      ranges.push({ rule, start: offset, end: offset + bytes });
      parts.push(source);
      offset += bytes + 1;
    });
    if (parts.length === 0) return undefined;
    const query = this.grammars.query(language, parts.join('\n'));
    const owners: CombinedQuery['owners'] = [];
    const seen = new Map<number, number>();
    for (let i = 0; i < query.patternCount(); i++) {
      const at = query.startIndexForPattern(i);
      const range = ranges.find((r) => at >= r.start && at < r.end) ?? ranges[ranges.length - 1];
      const local = seen.get(range.rule) ?? 0;
      seen.set(range.rule, local + 1);
      owners.push({ rule: range.rule, pattern: local });
    }
    const entry = { query, owners, mismatches: captureMismatches(query, owners, rules, sources, language) };
    this.queries.set(key, entry);
    return entry;
  }

  analyzeText(text: string, language: LanguageId, options: AnalyzeOptions): AnalyzeOutput {
    const config = options.config ?? defaultConfig();
    const t0 = performance.now();
    // Which enabled rules can match this text at all (a regex each, microseconds).
    const enabled = this.rules.filter((r) => r.languages.includes(language) && config.rules[r.id]?.enabled !== false);
    const ruledOut = new Set(
      enabled.filter(
        (r) => options.skipRules?.has(r.id) || (r.mayMatch !== undefined && !r.mayMatch(text, language, config)),
      ),
    );
    if (options.skipUnmatched && !options.oldTree && !options.keepTree && ruledOut.size === enabled.length) {
      // No rule can report anything here: a check run need not parse the file (most files of a
      // large tree have no malloc(, Queue( or lru_cache at all).
      return {
        result: { file: options.file, language, findings: [], errors: [], parseMs: 0, rulesMs: performance.now() - t0 },
      };
    }
    const budgetMs = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
    const restrict = options.restrict;
    let tree: Tree;
    try {
      tree = options.tree ?? this.grammars.parse(language, text, options.oldTree, budgetMs, options.file);
    } catch (e) {
      if (!(e instanceof ParseBudgetError)) throw e;
      const parseMs = performance.now() - t0;
      return {
        result: {
          file: options.file,
          language,
          findings: [],
          errors: [{ file: options.file, message: e.message }],
          parseMs,
          rulesMs: 0,
        },
      };
    }
    const t1 = performance.now();
    const lines = options.lines ?? new LineIndex(text);
    const findings: Finding[] = [];
    const errors: AnalysisError[] = [];
    const errorSpans = tree.rootNode.hasError ? collectErrorSpans(tree.rootNode) : [];
    const memo = new Map<string, unknown>();
    let blanked: Tree | null | undefined;
    const treeWithoutDirectives = () => {
      if (blanked === undefined) {
        const text2 = language === 'cpp' ? blankConditionalDirectives(text) : text;
        blanked = text2 === text ? null : this.grammars.parse(language, text2, undefined, Infinity, options.file);
      }
      return blanked?.rootNode;
    };
    // Every enabled rule takes part in the one combined query (so it compiles once per config);
    // a rule whose mayMatch() rules the file out simply has its matches ignored.
    const active: Array<{ rule: Rule; ctx: RuleContext; skip: boolean; anchor: RegExp | undefined }> = [];
    for (const rule of enabled) {
      const skip = ruledOut.has(rule);
      const configured = config.rules[rule.id]?.severity;
      const reported = new Set<string>();
      const ctx: RuleContext = {
        file: options.file,
        path: options.sourcePath,
        language,
        plainC: isPlainC(options.file),
        text,
        lines,
        root: tree.rootNode,
        treeWithoutDirectives,
        config,
        memo<T>(key: string, compute: () => T): T {
          if (!memo.has(key)) memo.set(key, compute());
          return memo.get(key) as T;
        },
        project: () =>
          memo.has('engine.project')
            ? (memo.get('engine.project') as ProjectSources | undefined)
            : this.rememberProject(memo, options),
        report: (r: Report) => {
          const span = spanOf(r.at);
          if (errorSpans.some((e) => overlaps(e, span)) && !inCleanDefinition(r.at, span, tree.rootNode)) return;
          if (rule.accumulates) {
            const at = 'startIndex' in r.at ? r.at : tree.rootNode.descendantForIndex(span.start, span.end);
            if (at && reclaimedAtExit(at, ctx)) return;
          }
          // One finding per rule and site, however many patterns or paths lead to it.
          const key = `${span.start}:${span.end}`;
          if (reported.has(key)) return;
          reported.add(key);
          const finding = {
            ruleId: rule.id,
            severity: configured ?? r.severity ?? rule.defaultSeverity,
            message: r.message,
            location: lines.location(span),
            related: (r.related ?? []).map((rel) => ({
              location: lines.location(spanOf(rel.at)),
              message: rel.message,
            })),
          };
          findings.push({ ...finding, fixes: [...(r.fixes ?? []), suppressionFix(lines, language, finding)] });
        },
      };
      active.push({ rule, ctx, skip, anchor: rule.anchor?.(language, config, text) });
    }
    const failed = new Set<string>();
    /** Marks the rules whose query lacks a declared capture as failed; true when there are any. */
    const skipMismatched = (q: CombinedQuery): boolean => {
      for (const { rule, message } of q.mismatches) {
        if (failed.has(active[rule].rule.id)) continue;
        failed.add(active[rule].rule.id);
        errors.push({ file: options.file, message });
      }
      return q.mismatches.length > 0;
    };
    let overBudget = false;
    const guarded = (rule: Rule, run: () => void) => {
      if (failed.has(rule.id) || overBudget) return;
      const start = performance.now();
      if (start - t0 > budgetMs) {
        // Rules run in this thread and cannot be interrupted: the budget is checked between them.
        overBudget = true;
        errors.push({
          file: options.file,
          message: `analysis took longer than the time budget (${budgetMs} ms); rules from ${rule.id} on were skipped`,
        });
        return;
      }
      try {
        run();
      } catch (e) {
        // A rule bug must not take the others (or the editor) down with it.
        failed.add(rule.id);
        errors.push({ file: options.file, message: `rule ${rule.id} failed: ${(e as Error).message}` });
      }
      this.ruleMs.set(rule.id, (this.ruleMs.get(rule.id) ?? 0) + performance.now() - start);
    };
    // Rules with an anchor run their own query only around the anchor's hits in the text; the
    // others share one query, so tree-sitter walks the tree once, not once per rule.
    for (const [index, { rule, ctx, skip, anchor }] of active.entries()) {
      if (!anchor || skip) continue;
      const single = this.combinedQuery(
        active.map((a, i) => (i === index ? a.rule : NO_QUERY)),
        language,
        config,
      );
      if (!single || skipMismatched(single)) continue;
      const tq = performance.now();
      const seen = new Set<string>();
      const containers = new Map<number, Node>();
      const within = restrict && !dependsOnWholeFile(rule) ? restrict : undefined;
      for (const at of anchorHits(anchor, text, within)) {
        const container = statementAround(tree.rootNode, at);
        if (container) containers.set(container.id, container);
      }
      const found: QueryMatch[] = [];
      for (const container of containers.values()) {
        for (const m of single.query.matches(container)) {
          const key = matchKey(m);
          if (!seen.has(key)) {
            seen.add(key);
            found.push(m);
          }
        }
      }
      found.sort((a, b) => (a.captures[0]?.node.startIndex ?? 0) - (b.captures[0]?.node.startIndex ?? 0));
      this.ruleMs.set('(queries)', (this.ruleMs.get('(queries)') ?? 0) + performance.now() - tq);
      for (const match of found) {
        const captures = new Map<string, Node>();
        for (const c of match.captures) if (!captures.has(c.name)) captures.set(c.name, c.node);
        guarded(rule, () => rule.check({ patternIndex: single.owners[match.patternIndex].pattern, captures }, ctx));
      }
    }
    // The rules without an anchor share one query over the tree; with `restrict`, those that depend
    // on their definition only share another, run over the restricted spans alone.
    const unanchored = (a: (typeof active)[number]) => !a.anchor;
    const groups: Array<{ member: (a: (typeof active)[number]) => boolean; spans?: Span[] }> = restrict
      ? [
          // Without the rules mayMatch() ruled out: with few rules a group's query is often empty.
          { member: (a) => unanchored(a) && !a.skip && dependsOnWholeFile(a.rule) },
          { member: (a) => unanchored(a) && !a.skip && !dependsOnWholeFile(a.rule), spans: restrict },
        ]
      : [{ member: unanchored }];
    for (const group of groups) {
      const combined = this.combinedQuery(
        active.map((a) => (group.member(a) ? a.rule : NO_QUERY)),
        language,
        config,
      );
      if (!combined) continue;
      skipMismatched(combined);
      const tq = performance.now();
      const matches = group.spans
        ? matchesWithin(combined.query, tree.rootNode, group.spans, lines)
        : combined.query.matches(tree.rootNode);
      this.ruleMs.set('(queries)', (this.ruleMs.get('(queries)') ?? 0) + performance.now() - tq);
      for (const match of matches) {
        const owner = combined.owners[match.patternIndex];
        const { rule, ctx, skip } = active[owner.rule];
        if (skip) continue;
        const captures = new Map<string, Node>();
        for (const c of match.captures) if (!captures.has(c.name)) captures.set(c.name, c.node);
        guarded(rule, () => rule.check({ patternIndex: owner.pattern, captures }, ctx));
      }
    }
    for (const { rule, ctx, skip } of active)
      if (rule.checkFile && !skip && (!restrict || dependsOnWholeFile(rule))) guarded(rule, () => rule.checkFile!(ctx));
    const t2 = performance.now();
    const foreign = findings.length > 0 ? ForeignSuppressions.of(text, lines) : undefined;
    // Other tools' suppressions are read only in a file that has some (most files name none).
    const equivalents = foreign && new Map(active.map((a) => [a.rule.id, a.rule.equivalents]));
    const kept = dedupe(findings.filter((f) => !isSuppressed(lines, f, equivalents?.get(f.ruleId), foreign)));
    kept.sort((a, b) => a.location.start - b.location.start || a.ruleId.localeCompare(b.ruleId));
    const result: FileResult = {
      file: options.file,
      language,
      findings: kept,
      errors,
      parseMs: t1 - t0,
      rulesMs: t2 - t1,
      ...(memo.get('engine.project') ? { readOtherFiles: true } : {}),
    };
    blanked?.delete();
    if (options.keepTree || options.tree) return { result, tree };
    tree.delete();
    return { result };
  }

  /** Reads and analyses a file; every problem with the input becomes an error, never an exception. */
  analyzeFile(path: string, displayPath: string, config: LeakLensConfig, projectRoot?: string): FileResult {
    const language = languageOfFile(path);
    const empty = (message: string): FileResult => ({
      file: displayPath,
      language: language ?? 'cpp',
      findings: [],
      errors: [{ file: displayPath, message }],
      parseMs: 0,
      rulesMs: 0,
    });
    if (!language) return empty('not a C, C++ or Python file');
    const read = readSource(path, config.maxFileSize);
    if (typeof read !== 'string') return empty(read.error);
    return this.analyzeText(read, language, {
      file: displayPath,
      sourcePath: path,
      config,
      skipUnmatched: true,
      projectRoot,
    }).result;
  }

  private rememberProject(memo: Map<string, unknown>, options: AnalyzeOptions): ProjectSources | undefined {
    const sources = this.projectOf(options.sourcePath ?? options.file, options.projectRoot);
    memo.set('engine.project', sources);
    return sources;
  }

  dispose(): void {
    for (const p of this.projects.values()) p.sources.dispose();
    this.projects.clear();
    this.setCustomRules([]);
    this.clearQueries();
    this.grammars.dispose();
  }
}

/** The file's text, or why it cannot be analysed: missing, unreadable, too large, binary, not UTF-8. */
export function readSource(path: string, maxFileSize: number): string | { error: string } {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { error: 'not a regular file' };
    size = st.size;
  } catch (e) {
    return { error: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  if (size > maxFileSize)
    return { error: `skipped: ${size} bytes is over the ${maxFileSize}-byte limit (maxFileSize)` };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return { error: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  return decodeSource(bytes);
}

export function decodeSource(bytes: Uint8Array): string | { error: string } {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { error: 'skipped: binary file (contains NUL bytes)' };
  if (isUtf8(bytes)) return new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  // Older C sources (and Python 2 modules) are often Latin-1 or another 8-bit code page, where only
  // comments and strings use the high bytes: read byte for byte, code keeps its meaning. A fix is
  // written back the same way (check.ts).
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** How a file's text is written back: as read by decodeSource. */
export function sourceEncoding(bytes: Uint8Array): 'utf8' | 'latin1' {
  return isUtf8(bytes) ? 'utf8' : 'latin1';
}

/** For each rule in `rules`, its declared captures that its patterns in `query` do not have. */
function captureMismatches(
  query: Query,
  owners: CombinedQuery['owners'],
  rules: Rule[],
  sources: Array<string | undefined>,
  language: LanguageId,
): CombinedQuery['mismatches'] {
  const used = new Map<number, Set<string>>();
  owners.forEach(({ rule }, pattern) => {
    const names = used.get(rule) ?? new Set<string>();
    query.captureQuantifiers[pattern]?.forEach((q, i) => q !== 0 && names.add(query.captureNames[i]));
    used.set(rule, names);
  });
  const mismatches: CombinedQuery['mismatches'] = [];
  rules.forEach((rule, index) => {
    if (!sources[index]) return;
    const message = captureMismatch(rule, language, used.get(index) ?? new Set());
    if (message) mismatches.push({ rule: index, message });
  });
  return mismatches;
}

/**
 * Whether a report sits in a function that parsed cleanly, though an ERROR around it (a whole
 * `#ifdef USE_OPENCL` region the grammar could not fit together) overlaps it: the function's own
 * tree is sound, and so is what the rules read from it.
 */
function inCleanDefinition(at: Report['at'], span: Span, root: Node): boolean {
  let n: Node | null = 'startIndex' in at ? at : root.descendantForIndex(span.start, span.end);
  for (; n; n = n.parent) {
    if (n.type === 'ERROR') return false;
    if (n.type === 'function_definition') return !n.hasError;
  }
  return false;
}

function collectErrorSpans(root: Node): Span[] {
  const spans: Span[] = [];
  const cursor = root.walk();
  // Depth-first walk that only descends into subtrees containing an error.
  let descend = true;
  for (;;) {
    const node = cursor.currentNode;
    if (descend && (node.type === 'ERROR' || node.isMissing)) {
      spans.push({ start: node.startIndex, end: Math.max(node.endIndex, node.startIndex + 1) });
      descend = false;
    }
    if (descend && node.hasError && cursor.gotoFirstChild()) continue;
    descend = true;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        return spans;
      }
    }
  }
}

/** Where the global regex `anchor` matches in `text`, or only within `spans` (sorted, disjoint): not scanning the rest. */
function anchorHits(anchor: RegExp, text: string, spans?: readonly Span[]): number[] {
  // From the start whatever `lastIndex` a rule's own test() left behind (matchAll starts where it says).
  anchor.lastIndex = 0;
  if (!spans) return Array.from(text.matchAll(anchor), (m) => m.index!);
  const out: number[] = [];
  const re = new RegExp(anchor.source, anchor.flags.includes('g') ? anchor.flags : `${anchor.flags}g`);
  for (const s of spans) {
    re.lastIndex = s.start;
    for (let m = re.exec(text); m && m.index < s.end; m = re.exec(text)) {
      out.push(m.index);
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  return out;
}

/** What makes a match the same match when two query runs find it: its pattern and its nodes. */
function matchKey(m: QueryMatch): string {
  return `${m.patternIndex}:${m.captures.map((c) => c.node.id).join(',')}`;
}

/**
 * The query's matches on the lines of `spans`, each once (a match can reach into two spans). By
 * rows, not offsets: web-tree-sitter takes a query's index range in bytes of its UTF-16 text, while
 * nodes report their offsets in code units.
 */
function matchesWithin(query: Query, root: Node, spans: readonly Span[], lines: LineIndex): QueryMatch[] {
  const seen = new Set<string>();
  const out: QueryMatch[] = [];
  for (const s of spans) {
    const startPosition = { row: lines.point(s.start).line, column: 0 };
    const endPosition = { row: lines.point(s.end).line + 1, column: 0 };
    for (const m of query.matches(root, { startPosition, endPosition })) {
      const key = matchKey(m);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(m);
    }
  }
  // In span order: the spans are disjoint and sorted, so this is the whole-tree query's order.
  return out;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}:${f.location.start}:${f.location.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `#if`/`#ifdef`/`#elif`/`#else`/`#endif` lines (with their continuations) turned into spaces. */
export function blankConditionalDirectives(text: string): string {
  return text.replace(/^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif|else|endif)\b(?:[^\n]*\\\r?\n)*[^\n]*/gm, (m) =>
    m.replace(/[^\r\n]/g, ' '),
  );
}
