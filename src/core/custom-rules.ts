// Custom rules: `.leaklens/rules/*.scm` files, each a tree-sitter query preceded by a `;;` header.
// They become ordinary Rule objects, so they run in the same combined query as the built-in rules
// and report through the same findings, JSON, SARIF and suppression comments.
//
//   ;; id: ncnn-gpu-instance
//   ;; language: cpp
//   ;; severity: warning
//   ;; message: `{{call}}` creates an ncnn GPU instance that this function never destroys
//   ;; report: call
//   ;; unless-followed-by: (call_expression function: (qualified_identifier) @destroy (#eq? @destroy "ncnn::destroy_gpu_instance"))
//   ;; within: function
//   ;; not-inside: lambda_expression
//   (call_expression function: (qualified_identifier) @fn (#eq? @fn "ncnn::create_gpu_instance")) @call
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Node, Query } from 'web-tree-sitter';
import { languageForAlias, languageModule } from './languages';
import type { Grammars } from './parser';
import { missingCaptures, type CaptureKinds, type Rule, type RuleContext, type RuleMatch } from './rule';
import { BUILTIN_RULES } from './rules';
import { ancestors, contains } from './tree';
import type { LanguageId, Severity } from './types';

export const RULES_DIR = join('.leaklens', 'rules');

export interface RuleFileError {
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
}

export interface CustomRule extends Rule {
  file: string;
  docUrl?: string;
  /** Frees the condition query's wasm memory. */
  dispose(): void;
}

const HEADER_KEYS = new Set([
  'id',
  'language',
  'severity',
  'message',
  'doc',
  'report',
  'summary',
  'unless-followed-by',
  'within',
  'not-inside',
]);
const SEVERITIES = new Set(['error', 'warning', 'info']);
const SCOPES = new Set(['function', 'block', 'file']);

interface Header {
  values: Map<string, { value: string; line: number; column: number }>;
  /** Offset where the query itself starts (after the header lines). */
  queryStart: number;
}

function parseHeader(text: string, file: string, errors: RuleFileError[]): Header {
  const values = new Map<string, { value: string; line: number; column: number }>();
  const lines = text.split('\n');
  let offset = 0;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const m = /^;;\s*([\w-]+)\s*:\s*(.*)$/.exec(line);
    if (m) {
      const key = m[1].toLowerCase();
      const column = line.indexOf(m[1]) + 1;
      if (!HEADER_KEYS.has(key))
        errors.push(
          at(file, i + 1, column, m[1].length, `unknown header key "${m[1]}" (known: ${[...HEADER_KEYS].join(', ')})`),
        );
      else if (values.has(key)) errors.push(at(file, i + 1, column, m[1].length, `"${key}" is given twice`));
      else values.set(key, { value: m[2].trim(), line: i + 1, column: line.indexOf(m[2]) + 1 });
    } else if (!/^\s*(;.*)?$/.test(line)) {
      break; // the first line that is neither a header nor a comment starts the query
    }
    offset += lines[i].length + 1;
  }
  return { values, queryStart: Math.min(offset, text.length) };
}

function at(file: string, line: number, column: number, length: number, message: string): RuleFileError {
  return { file, line, column, endLine: line, endColumn: column + Math.max(length, 1), message };
}

function pointAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Compiles `source` for `language`, turning a QueryError into an error at its place in the file. */
function compile(
  grammars: Grammars,
  language: LanguageId,
  source: string,
  file: string,
  text: string,
  base: number,
  what: string,
  errors: RuleFileError[],
): Query | undefined {
  try {
    return grammars.query(language, source);
  } catch (e) {
    const err = e as { index?: number; length?: number; message: string };
    const p = pointAt(text, base + (err.index ?? 0));
    errors.push({
      file,
      line: p.line,
      column: p.column,
      endLine: p.line,
      endColumn: p.column + Math.max(err.length ?? 1, 1),
      message: `${what}: ${err.message.replace(/ at offset \d+/, '').replace(/:? ?'?'?\.\.\.$/, '')}`,
    });
    return undefined;
  }
}

/** Parses and compiles one rule file; returns the rule, or the errors that prevent it. */
export function compileRuleFile(
  grammars: Grammars,
  text: string,
  file: string,
): { rule?: CustomRule; errors: RuleFileError[] } {
  const errors: RuleFileError[] = [];
  const header = parseHeader(text, file, errors);
  const get = (k: string) => header.values.get(k);
  const id = get('id');
  if (!id) errors.push(at(file, 1, 1, 1, 'missing header ";; id: my-rule-id"'));
  else if (!/^[a-z0-9][a-z0-9-]*$/.test(id.value))
    errors.push(
      at(
        file,
        id.line,
        id.column,
        id.value.length,
        `rule id "${id.value}" must be lowercase letters, digits and dashes`,
      ),
    );
  else if (BUILTIN_RULES.some((r) => r.id === id.value))
    errors.push(at(file, id.line, id.column, id.value.length, `"${id.value}" is a built-in rule's id`));
  const lang = get('language');
  const language = lang ? languageForAlias(lang.value)?.id : undefined;
  if (!lang) errors.push(at(file, 1, 1, 1, 'missing header ";; language: cpp" (or python)'));
  else if (!language)
    errors.push(
      at(file, lang.line, lang.column, lang.value.length, `unknown language "${lang.value}" (cpp or python)`),
    );
  const sev = get('severity');
  if (sev && !SEVERITIES.has(sev.value))
    errors.push(
      at(file, sev.line, sev.column, sev.value.length, `severity must be error, warning or info, not "${sev.value}"`),
    );
  const message = get('message');
  if (!message) errors.push(at(file, 1, 1, 1, 'missing header ";; message: what leaks and why"'));
  const within = get('within');
  if (within && !SCOPES.has(within.value))
    errors.push(
      at(
        file,
        within.line,
        within.column,
        within.value.length,
        `within must be function, block or file, not "${within.value}"`,
      ),
    );
  const source = text.slice(header.queryStart);
  if (!source.trim()) errors.push(at(file, pointAt(text, header.queryStart).line, 1, 1, 'no query after the header'));
  if (!language || !id || errors.length) return { errors };

  const query = compile(grammars, language, source, file, text, header.queryStart, 'query', errors);
  const unless = get('unless-followed-by');
  // The condition's offset in the file: its header line's start plus the value's column.
  const unlessBase = unless
    ? text
        .split('\n')
        .slice(0, unless.line - 1)
        .join('\n').length +
      (unless.line > 1 ? 1 : 0) +
      unless.column -
      1
    : 0;
  const unlessQuery = unless
    ? compile(grammars, language, unless.value, file, text, unlessBase, 'unless-followed-by', errors)
    : undefined;
  const notInside = (get('not-inside')?.value ?? '').split(/[\s,]+/).filter(Boolean);
  const nodeTypes = new Set(grammars.language(language).types);
  for (const t of notInside) {
    if (!nodeTypes.has(t)) {
      const h = get('not-inside')!;
      errors.push(
        at(
          file,
          h.line,
          h.column + h.value.indexOf(t),
          t.length,
          `not-inside: unknown node type "${t}" for ${language}`,
        ),
      );
    }
  }
  if (!query || errors.length) {
    query?.delete();
    unlessQuery?.delete();
    return { errors };
  }
  const captures = new Set(query.captureNames);
  const report = get('report');
  const reportCapture =
    report?.value.replace(/^@/, '') ??
    (captures.has('report') ? 'report' : query.captureNames[query.captureNames.length - 1]);
  // The captures the header uses (report, message) are the rule's declared ones, of any node kind:
  // checked here with the header's positions, and by the engine like every rule's.
  const placeholders = [...message!.value.matchAll(/\{\{\s*@?([\w.-]+)\s*\}\}/g)];
  const declared: Record<string, CaptureKinds> = Object.fromEntries(
    [reportCapture, ...placeholders.map((m) => m[1])].filter(Boolean).map((name) => [name, []]),
  );
  const missing = new Set(missingCaptures({ query: { [language]: source }, captures: declared }, language, captures));
  if (!reportCapture || missing.has(reportCapture)) {
    errors.push(
      report
        ? at(
            file,
            report.line,
            report.column,
            report.value.length,
            `report: the query has no capture @${reportCapture}`,
          )
        : at(file, pointAt(text, header.queryStart).line, 1, 1, 'the query captures nothing to report'),
    );
  }
  for (const m of placeholders) {
    if (missing.has(m[1]))
      errors.push(
        at(file, message!.line, message!.column + m.index!, m[0].length, `message: the query has no capture @${m[1]}`),
      );
  }
  const literals = requiredLiterals(query, source);
  query.delete();
  if (errors.length) {
    unlessQuery?.delete();
    return { errors };
  }
  const scope = (within?.value ?? 'function') as 'function' | 'block' | 'file';
  const rule: CustomRule = {
    id: id.value,
    file,
    docUrl: get('doc')?.value,
    helpUri: get('doc')?.value ?? pathToFileURL(file).href,
    summary: get('summary')?.value ?? message!.value.replace(/\{\{\s*@?([\w.-]+)\s*\}\}/g, '$1'),
    languages: [language],
    defaultSeverity: (sev?.value ?? 'warning') as Severity,
    query: { [language]: source },
    captures: declared,
    // A file with none of the names the query's `#eq?`/`#any-of?`/`#match?` predicates demand cannot match:
    // the check command then need not even parse it.
    mayMatch: literals ? (text) => literals.some((l) => text.includes(l)) : undefined,
    check(match: RuleMatch, ctx: RuleContext) {
      const node = match.captures.get(reportCapture!);
      if (!node) return;
      if (notInside.length && [...ancestors(node)].some((a) => notInside.includes(a.type))) return;
      if (unlessQuery && followedBy(unlessQuery, node, match, scope, ctx)) return;
      ctx.report({ at: node, message: interpolate(message!.value, match) });
    },
    dispose() {
      unlessQuery?.delete();
    },
  };
  return { rule, errors };
}

function interpolate(message: string, match: RuleMatch): string {
  return message.replace(/\{\{\s*@?([\w.-]+)\s*\}\}/g, (_m, name: string) => {
    const text = match.captures.get(name)?.text.replace(/\s+/g, ' ') ?? '';
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  });
}

/** A match of `condition` after `node` in its scope; captures it shares with the rule must agree. */
function followedBy(
  condition: Query,
  node: Node,
  match: RuleMatch,
  scope: 'function' | 'block' | 'file',
  ctx: RuleContext,
): boolean {
  const container = scopeOf(node, scope, ctx);
  for (const m of condition.matches(container)) {
    const first = m.captures[0]?.node;
    if (!first || first.startIndex < node.endIndex || !contains(container, first)) continue;
    const agrees = m.captures.every(
      (c) => !match.captures.has(c.name) || match.captures.get(c.name)!.text === c.node.text,
    );
    if (agrees) return true;
  }
  return false;
}

function scopeOf(node: Node, scope: 'function' | 'block' | 'file', ctx: RuleContext): Node {
  if (scope === 'file') return ctx.root;
  const k = languageModule(ctx.language).kinds;
  const types = scope === 'function' ? [k.functions, k.lambdas] : [k.blocks, k.functions];
  for (const a of ancestors(node)) if (types.some((t) => t.has(a.type))) return a;
  return ctx.root;
}

/** The `.leaklens/rules` folder at or above `from`, if any. */
export function findRulesDir(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, RULES_DIR);
    try {
      if (statSync(candidate).isDirectory()) return candidate;
    } catch {
      // keep looking upward
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Compiles every `*.scm` in `dir`; a broken file yields errors and the other rules still load. */
export function loadRuleDir(grammars: Grammars, dir: string): { rules: CustomRule[]; errors: RuleFileError[] } {
  const rules: CustomRule[] = [];
  const errors: RuleFileError[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.scm'))
      .sort();
  } catch {
    return { rules, errors };
  }
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      errors.push({
        file,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        message: `cannot read: ${(e as Error).message}`,
      });
      continue;
    }
    const compiled = compileRuleFile(grammars, text, file);
    errors.push(...compiled.errors);
    if (compiled.rule) {
      const clash = rules.find((r) => r.id === compiled.rule!.id);
      if (clash)
        errors.push({
          file,
          line: 1,
          column: 1,
          endLine: 1,
          endColumn: 1,
          message: `rule id "${clash.id}" is also defined in ${clash.file}`,
        });
      else rules.push(compiled.rule);
    }
  }
  return { rules, errors };
}

/**
 * Strings one of which must occur in a file for the query to match there: every pattern has an
 * `#eq? @c "x"` or `#any-of? @c "x" "y"` predicate, or a `#match? @c "Writer$"` whose regex is a
 * literal (or `^(a|b)$`, literals in a group), on a capture the pattern always has, outside any
 * alternation. Undefined when some pattern has none. Read from the query's source: web-tree-sitter
 * keeps these predicates as closures, not data.
 */
function requiredLiterals(query: Query, source: string): string[] | undefined {
  const bytes = Buffer.from(source, 'utf8');
  const all: string[] = [];
  for (let i = 0; i < query.patternCount(); i++) {
    const end = i + 1 < query.patternCount() ? query.startIndexForPattern(i + 1) : bytes.length;
    const text = bytes.subarray(query.startIndexForPattern(i), end).toString('utf8');
    let group: string[] | undefined;
    for (const m of text.matchAll(TEXT_PREDICATE)) {
      if (depthAt(text, m.index!) !== 0) continue; // inside [ ... ]: one alternative's, maybe
      const capture = query.captureNames.indexOf(m[2]);
      // Only a capture the pattern always has: a predicate on a missing optional one passes.
      if (capture < 0 || ![3, 4].includes(query.captureQuantifiers[i]?.[capture] ?? 0)) continue;
      const values = Array.from(m[3].matchAll(/"((?:[^"\\]|\\.)*)"/g), (v) => JSON.parse(`"${v[1]}"`) as string);
      const literals = m[1] === 'match' ? values.length === 1 && regexLiterals(values[0]) : values.filter(Boolean);
      if (literals && literals.length && !literals.includes('')) {
        group = literals;
        break;
      }
    }
    if (!group) return undefined;
    all.push(...group);
  }
  return all.length ? all : undefined;
}

const TEXT_PREDICATE = /\(#(eq|any-of|match)\?\s+@([\w.-]+)((?:\s+"(?:[^"\\]|\\.)*")+)\s*\)/g;

/** How deep in `[ ... ]` alternations `at` is (brackets in strings and comments do not count). */
function depthAt(text: string, at: number): number {
  let depth = 0;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < at && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === ';') {
      while (i < at && text[i] !== '\n') i++;
    } else if (c === '[') depth++;
    else if (c === ']') depth--;
  }
  return depth;
}

/**
 * The strings a text matching `source` must contain when the regex is a literal, anchored or not
 * (`Writer$`, `^__init__$`, `ns\.close`), or a group of literals (`^(open|fopen)$`); else undefined.
 */
export function regexLiterals(source: string): string[] | undefined {
  const body = source.replace(/^\^/, '').replace(/(?<!\\)\$$/, '');
  const group = /^\(([^()]*)\)$/.exec(body);
  const parts = group ? group[1].split('|') : [body];
  const literals = parts.map((part) => {
    // Escaped punctuation stands for itself; any other operator makes it a pattern.
    const plain = part.replace(/\\([.\-/:])/g, '');
    return plain && !/[\\.*+?^${}()|[\]]/.test(plain) ? part.replace(/\\([.\-/:])/g, '$1') : undefined;
  });
  return literals.every((l): l is string => l !== undefined) ? literals : undefined;
}
