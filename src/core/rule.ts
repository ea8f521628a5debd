// A rule is data (id, languages, a tree-sitter query per language, the captures the query declares,
// its options) plus a small check that reads the tree around each match and reports findings.
// Built-in rules are written with `defineRule`, which types each match's captures from the rule's
// `captures`: `match.captures.get('call')` of an undeclared capture does not compile.
import type { ProjectSources } from './project';
import type { Node } from 'web-tree-sitter';
import type { LeakLensConfig, RuleOptionValues } from './config-types';
import type { LineIndex } from './location';
import type { Fix, LanguageId, Severity, Span } from './types';

export interface RuleMeta {
  id: string;
  /** One line: what the rule flags. Shown in SARIF and the docs index. */
  summary: string;
  languages: LanguageId[];
  defaultSeverity: Severity;
  /** Where the rule is documented; built-in rules use docs/rules/<id>.md. */
  helpUri?: string;
  /**
   * Its findings are about what piles up over a process's life: in code that runs once per
   * invocation (one-shot.ts: build scripts, converters) they are not reported outside loops.
   */
  accumulates?: boolean;
  /**
   * Off unless a config file, a VS Code setting or `--select` turns it on, as clang-tidy and ruff ship
   * their noisy checks: why, as measured on real code (shown by `leaklens rule` and the docs).
   */
  optIn?: string;
  /**
   * The same check in other tools, as `tool:code` (`ruff:SIM115`, `pylint:consider-using-with`,
   * `clang-tidy:clang-analyzer-unix.Malloc`, `cppcheck:memleak`, `coverity:leaked_storage`): a
   * suppression of one of them a project already wrote silences this rule there too (suppression.ts).
   */
  equivalents?: string[];
  /**
   * What the rule lets a project configure: `rules.<id>.options.<name>` in `.leaklens.json` (or
   * `[tool.leaklens.rules.<id>.options]`). The config schema and the docs' Options section are
   * generated from these (`npm run schema`); the rule reads the value as `ctx.config.<name>`.
   */
  options?: RuleOption[];
  /**
   * What a finding depends on, for the editor's incremental analysis (incremental.ts). `definition`:
   * the top-level definition it is in, the definitions linked to that one by name, and the code
   * outside definitions; after an edit elsewhere it is kept. `file`: anything in the file; its
   * findings are computed afresh after every edit. Default: `file` for rules with `checkFile`.
   */
  dependsOn?: 'definition' | 'file';
  /**
   * The whole-file facts its findings read beyond their definition (the file's indentation step, the
   * names closed anywhere), summarised from a stretch of text as a string. The editor compares it on
   * the lines an edit changed, before and after: when it differs, the whole file is analysed again
   * instead of the edited definitions alone. So it must read the text line by line.
   */
  fileFacts?(text: string, language: LanguageId): string;
  /**
   * For a rule whose findings depend on the whole file: what an edited definition must contain,
   * before or after the edit, for them to change (the names and forms the rule reads, found in the
   * file's new `text`). An edit elsewhere keeps its findings without running it. Without it, every
   * edit runs the rule again.
   */
  affectedBy?(language: LanguageId, text: string, config: LeakLensConfig): RegExp;
}

/** A JSON-schema fragment (draft-07) for one option's value. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** One option of one rule; `name` is a key of RuleOptionValues, so its value is typed for the rule. */
export interface RuleOptionOf<K extends keyof RuleOptionValues> {
  name: K;
  /** One line: what it changes. The schema's description, the docs' table, `leaklens rule ID`. */
  doc: string;
  /** The value's schema, without `default` (a missing value means "nothing added"). */
  schema: JsonSchema;
  default: RuleOptionValues[K];
  /** For the docs when the default is too long to print (`the pairs of src/core/resources.ts`). */
  defaultDoc?: string;
  /** A value for the docs' example; the schema test validates it. */
  example: RuleOptionValues[K];
  /**
   * How a config file's value combines with the one it inherits (the defaults, or a config further
   * up): `append` adds to the list, `union` too but without repeats, `replace` replaces it.
   */
  merge: 'append' | 'union' | 'replace';
  /** Also accepted as a top-level key of the same name: how it was set before options were per rule. */
  topLevelAlias?: boolean;
}

export type RuleOption = { [K in keyof RuleOptionValues]: RuleOptionOf<K> }[keyof RuleOptionValues];

/**
 * The node kinds a capture takes: one kind, several, or per language (`{ cpp: 'call_expression',
 * python: 'call' }`, which also says in which languages' queries it is). An empty list: any kind.
 * A kind or list alone applies to every language the rule has a query for.
 */
export type CaptureKinds = string | readonly string[] | { readonly [L in LanguageId]?: string | readonly string[] };

/** A rule's captures by name, as its queries write them (`@call`). */
export type CaptureSpec = { readonly [name: string]: CaptureKinds };

export type CaptureName<C extends CaptureSpec> = Extract<keyof C, string>;

/**
 * The first node of each capture of one match, by name. A rule written with `defineRule` sees only
 * its declared names (another does not compile); an untyped rule (custom rules) sees a Map.
 */
export type Captures<C extends CaptureSpec = CaptureSpec> =
  string extends CaptureName<C> ? Map<string, Node> : TypedCaptures<CaptureName<C>>;

export interface TypedCaptures<Name extends string> {
  get(name: Name): Node | undefined;
  has(name: Name): boolean;
}

export interface RuleMatch<C extends CaptureSpec = CaptureSpec> {
  patternIndex: number;
  captures: Captures<C>;
}

export interface Rule<C extends CaptureSpec = CaptureSpec> extends RuleMeta {
  /** The query per language; a function when names from the config go into its predicates. */
  query: Partial<Record<LanguageId, string | ((config: LeakLensConfig) => string)>>;
  /**
   * The captures its queries declare, with their node kinds. When a query compiles, the engine
   * checks that it has each capture declared for its language (a rule that lacks one is skipped
   * with an error naming it).
   */
  captures?: C;
  /**
   * A cheap test on the file's text: false means the rule cannot match, and its query is skipped.
   * Running a query materialises every candidate node across the wasm boundary; most files have
   * no `Queue(` or `malloc(` at all, and a regex over the text says so in microseconds.
   */
  mayMatch?(text: string, language: LanguageId, config: LeakLensConfig): boolean;
  /**
   * A global regex for the places in the text where a match can start (`malloc(`, `.cleanup(`).
   * When given, the engine runs this rule's query only on the statements around its hits instead
   * of walking the whole tree: web-tree-sitter evaluates text predicates (`#any-of?`) in JS after
   * materialising every candidate node, which for "every call" patterns dominated the run.
   * `text` is the file's: an anchor may name what the file itself binds (import aliases, names it
   * closes by hand). It must be given for a language whenever the rule has a query for it.
   */
  anchor?(language: LanguageId, config: LeakLensConfig, text: string): RegExp | undefined;
  check(match: RuleMatch<C>, ctx: RuleContext): void;
  /** Once per file after the query's matches, for analyses of the whole module. */
  checkFile?(ctx: RuleContext): void;
}

/**
 * A rule whose `check` sees its matches' captures typed from its `captures`. It is a plain `Rule`
 * too (what the engine and BUILTIN_RULES take): the engine hands `check` a Map of the captures.
 */
export function defineRule<const C extends CaptureSpec>(rule: Rule<C> & { captures: C }): Rule<C> & Rule {
  return rule as Rule<C> & Rule;
}

/** The node kinds `kinds` allows in `language`'s query; undefined when the capture is not in that query. */
export function captureKinds(
  kinds: CaptureKinds,
  language: LanguageId,
  rule: Pick<Rule, 'query'>,
): readonly string[] | undefined {
  if (typeof kinds === 'string') return rule.query[language] !== undefined ? [kinds] : undefined;
  if (isKindList(kinds)) return rule.query[language] !== undefined ? kinds : undefined;
  const own = kinds[language];
  return own === undefined ? undefined : typeof own === 'string' ? [own] : own;
}

function isKindList(kinds: CaptureKinds): kinds is readonly string[] {
  return Array.isArray(kinds);
}

/** The captures `rule` declares for its `language` query. */
export function declaredCaptures(rule: Pick<Rule, 'query' | 'captures'>, language: LanguageId): string[] {
  return Object.entries(rule.captures ?? {})
    .filter(([, kinds]) => captureKinds(kinds, language, rule) !== undefined)
    .map(([name]) => name);
}

/** The captures `rule` declares for `language` that are not among `used` (the query's capture names). */
export function missingCaptures(
  rule: Pick<Rule, 'query' | 'captures'>,
  language: LanguageId,
  used: ReadonlySet<string>,
): string[] {
  return declaredCaptures(rule, language).filter((name) => !used.has(name));
}

/**
 * Why `rule`'s `language` query does not fit its declaration (a declared capture it lacks), given
 * the capture names the compiled query uses; undefined when it fits.
 */
export function captureMismatch(
  rule: Pick<Rule, 'id' | 'query' | 'captures'>,
  language: LanguageId,
  used: ReadonlySet<string>,
): string | undefined {
  const missing = missingCaptures(rule, language, used);
  if (missing.length === 0) return undefined;
  const list = (names: string[]) => names.map((n) => `@${n}`).join(', ') || 'none';
  return (
    `rule ${rule.id} declares ${missing.length > 1 ? 'captures' : 'capture'} ${list(missing)} that its ` +
    `${language} query does not have (the query captures ${list([...used].sort())})`
  );
}

export interface Report {
  at: Node | Span;
  /** Lower than the rule's default for a less certain finding (a hint); the user's setting wins. */
  severity?: Severity;
  message: string;
  related?: Array<{ at: Node | Span; message: string }>;
  fixes?: Fix[];
}

export interface RuleContext {
  /** The file as displayed (relative to the working directory in a check run). */
  readonly file: string;
  /** The file's path on disk, when the engine knows it. */
  readonly path?: string;
  readonly language: LanguageId;
  /** A `.c` file: nothing can throw, only explicit exits skip a release. */
  readonly plainC: boolean;
  readonly text: string;
  readonly lines: LineIndex;
  readonly root: Node;
  /**
   * The same text parsed again with its conditional directive lines (`#if`, `#else`, `#endif`)
   * blanked, offsets unchanged: for functions whose branches the directives split (`#ifdef` between
   * `} else if` arms), which tree-sitter cannot parse. Undefined when the text has no directives.
   */
  treeWithoutDirectives?(): Node | undefined;
  readonly config: LeakLensConfig;
  /** Per-file memo shared by the rules, for analyses several matches need (imports, scopes). */
  memo<T>(key: string, compute: () => T): T;
  /**
   * The other files of the project (project.ts), for what one file cannot say (who calls a function);
   * undefined when the file belongs to no project the engine can find.
   */
  project?(): ProjectSources | undefined;
  report(report: Report): void;
}

/** Whether `rule`'s findings can change with an edit anywhere in the file (see `dependsOn`). */
export function dependsOnWholeFile(rule: Pick<Rule, 'dependsOn' | 'checkFile'>): boolean {
  return (rule.dependsOn ?? (rule.checkFile ? 'file' : 'definition')) === 'file';
}

export function spanOf(at: Node | Span): Span {
  return 'startIndex' in at ? { start: at.startIndex, end: at.endIndex } : at;
}

/**
 * Whether a global `anchor` regex finds a place in `text`, from its start and leaving it at the start
 * (rules cache their anchor per text; a `test()` would otherwise move where the next use begins).
 */
export function anchorFinds(anchor: RegExp, text: string): boolean {
  anchor.lastIndex = 0;
  const found = anchor.test(text);
  anchor.lastIndex = 0;
  return found;
}

/** Global regexes for `anchor`, built once per name list. */
const anchorRegexes = new WeakMap<string[], RegExp>();
export function anchorForCalls(names: string[], receiver = false): RegExp {
  let re = anchorRegexes.get(names);
  if (!re) {
    const alt = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    re = new RegExp(receiver ? `(?:\\.|->)\\s*(?:${alt})\\s*\\(` : `\\b(?:${alt})\\s*\\(`, 'g');
    anchorRegexes.set(names, re);
  }
  return re;
}

/** A regex matching any of `names` as a word followed by `(` (a call), built once per list. */
const callRegexes = new WeakMap<string[], RegExp>();
export function callsAny(names: string[]): RegExp {
  let re = callRegexes.get(names);
  if (!re) {
    re = new RegExp(`\\b(?:${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\s*\\(`);
    callRegexes.set(names, re);
  }
  return re;
}

/** A `(#any-of? @capture "a" "b")` predicate listing `names`, for use inside a query. */
export function anyOf(capture: string, names: string[]): string {
  return `(#any-of? @${capture} ${names.map((n) => JSON.stringify(n)).join(' ')})`;
}
