// growing-global: a module-level (or class-level) list/dict/set that functions add to and that
// nothing ever removes from: it grows for the life of the process (seed 004's registry of views).
import { enclosingHeaders, headerKeyword } from '../languages/python';
import {
  ADD_METHODS,
  CONTAINER_ASSIGNMENT,
  constructedOnlyAtImport,
  isMemo,
  longLivedContainers,
  onlyGrows,
} from '../python/module-state';
import type { Node } from 'web-tree-sitter';
import { isTestTree } from '../python/test-code';
import { defineRule, type RuleContext } from '../rule';
import { isScript, readsToEnd, runsBounded } from '../python/run-once';
import { ancestors, findAll } from '../tree';

/** Runs at import or class creation (registration), not per request: its additions are bounded by the code. */
const IMPORT_TIME =
  /^(__new__|__init_subclass__|__set_name__|__class_getitem__|_?register\w*|_?add_\w*(handler|hook|plugin|option|setting|type)s?)$/;

/**
 * An addition that cannot grow without bound: a literal key (`HEADERS['Referer'] = ...`), or one made
 * by code that runs once per class, plugin or registration rather than per call.
 */
function boundedAdd(add: Node, ctx: RuleContext): boolean {
  const left = add.type === 'assignment' || add.type === 'augmented_assignment' ? add.childForFieldName('left') : null;
  const sub = add.type === 'subscript' ? add : left?.type === 'subscript' ? left : null;
  const key = sub?.childForFieldName('subscript');
  if (key && (key.type === 'string' || key.type === 'integer' || key.type === 'true' || key.type === 'false'))
    return true;
  // `table[ord('-')] = ...`: a key computed from literals only.
  if (key?.type === 'call' && findAll(key, 'identifier').length <= 1 && /^\w+\((['"].*['"]|\d+)\)$/.test(key.text))
    return true;
  // Filled by a script's own run (a generator's main(), a table built at import): bounded by its data.
  if (runsBounded(add, ctx)) return true;
  for (const a of ancestors(add)) {
    // `for a, b in REPLACEMENTS: table[ord(a)] = b`: one entry per element of a constant collection.
    if (a.type === 'for_statement' && constantCollection(a.childForFieldName('right'), ctx)) return true;
    if (a.type !== 'function_definition') continue;
    // A metaclass's `__init__`/`__new__` runs once per class statement: a registry of the code's classes.
    if (/^__(init|new)__$/.test(a.childForFieldName('name')?.text ?? '') && inMetaclass(a)) return true;
    if (IMPORT_TIME.test(a.childForFieldName('name')?.text ?? '')) return true;
    // `Context.benchmarks.append(self)` in `__init__` of a class built only by the module's own
    // top-level statements (`CommandRunner('startup', ...)`): one entry per declared instance.
    if (
      /^__(init|post_init)__$/.test(a.childForFieldName('name')?.text ?? '') &&
      constructedOnlyAtImport([...ancestors(a)].find((x) => x.type === 'class_definition'))
    )
      return true;
    // A decorator: a function whose inner function is returned, or that returns its argument.
    const inner = a.childForFieldName('body')?.namedChildren.find((c) => c?.type === 'function_definition');
    const returns = a.childForFieldName('body')?.namedChildren.filter((c) => c?.type === 'return_statement') ?? [];
    if (inner && returns.some((r) => r?.namedChildren[0]?.text === inner.childForFieldName('name')?.text)) return true;
  }
  return false;
}

/** Handler names: code that runs once per request, message or event. */
const HANDLER_NAME =
  /^(__call__|handle\w*|_?on_\w+|_?on[A-Z]\w*|do_[A-Z]+|dispatch\w*|\w*_?callback|\w*_handler|emit|process_\w+|serve\w*|receive\w*|recv\w*|(\w*_)?request|(\w*_)?response|message|event)$/;
/** Parameters that carry one request, message or event. */
const EVENT_PARAMETER =
  /^(request|req|environ|scope|event|evt|message|msg|packet|frame|record|conn|connection|client|sock|data|payload|update|ctx|context)$/;
/** Decorators that bind a function to a route, signal or event (`@app.route(...)`, `@receiver(...)`). */
const EVENT_DECORATOR =
  /^@\s*[\w.]*\b(route|get|post|put|patch|delete|websocket|on|on_event|receiver|listens_for|handler|callback|subscribe|task)\b/;

/**
 * Whether an addition runs once per event of a long-running process, where growth adds up: in
 * `__init__` (one entry per instance made: seed 004's registry of views), in a handler (by name,
 * by a request or message parameter, or by a route/signal decorator), or in a `while` loop. An
 * addition in any other function is taken as configuration (`attach(*packages)`, `addApiVersion`,
 * a memo of a few keys): real code is full of those, and they were almost never leaks.
 */
function perEventAdd(add: Node, ctx: RuleContext): boolean {
  for (const a of ancestors(add)) {
    if (a.type === 'while_statement' && !(isScript(ctx) && readsToEnd(a))) return true;
    if (a.type !== 'function_definition') continue;
    const name = a.childForFieldName('name')?.text ?? '';
    if (/^__(init|post_init)__$/.test(name) || HANDLER_NAME.test(name)) return true;
    const params = a.childForFieldName('parameters')?.namedChildren ?? [];
    if (params.some((p) => p && EVENT_PARAMETER.test((p.type === 'identifier' ? p : p.namedChild(0))?.text ?? '')))
      return true;
    const decorated = a.parent?.type === 'decorated_definition' ? a.parent : null;
    if (decorated?.namedChildren.some((d) => d?.type === 'decorator' && EVENT_DECORATOR.test(d.text))) return true;
    return false; // the innermost function decides
  }
  return false; // module level: runs at import
}

/** A literal collection, or a module-level name bound once to one (`REPLACEMENTS = [('-', r'\-'), ...]`). */
function constantCollection(n: Node | null, ctx: RuleContext): boolean {
  if (!n) return false;
  if (/^(list|tuple|set|dictionary|string)$/.test(n.type)) return true;
  if (n.type !== 'identifier') return false;
  const bindings = ctx.root.namedChildren.filter(
    (s) =>
      s?.type === 'expression_statement' &&
      s.firstNamedChild?.type === 'assignment' &&
      s.firstNamedChild.childForFieldName('left')?.text === n.text,
  );
  if (bindings.length !== 1) return false;
  const value = bindings[0]!.firstNamedChild!.childForFieldName('right');
  return !!value && /^(list|tuple|set|dictionary)$/.test(value.type);
}

/** A method of a class that derives from `type` (or another metaclass, `ABCMeta`, `FooMeta`). */
function inMetaclass(method: Node): boolean {
  const cls = [...ancestors(method)].find((a) => a.type === 'class_definition');
  const bases = cls?.childForFieldName('superclasses')?.namedChildren ?? [];
  return bases.some((b) => b && /^(type|\w*Meta(class)?|abc\.ABCMeta)$/.test(b.text));
}

const CONTAINER_NAMES = new RegExp(CONTAINER_ASSIGNMENT.source.replace('[A-Za-z_]\\w*', '([A-Za-z_]\\w*)'), 'gm');
const ADD_OPS = `(?:${[...ADD_METHODS].join('|')})`;

/** Whether some assigned container's name is later added to (a method call or a subscript store). */
function containersAddedTo(text: string): boolean {
  for (const m of text.matchAll(CONTAINER_NAMES)) {
    const name = m[1];
    if (!mayBeModuleOrClassLevel(text, m.index!)) continue;
    // The additions longLivedContainers counts: an adding method, a subscript store (`c[k] = v`,
    // `c[k] += 1`), or `c += [...]` / `c |= {...}`.
    if (new RegExp(`\\b${name}\\s*(?:\\.\\s*${ADD_OPS}\\s*\\(|\\[[^\\]\\n]+\\]\\s*[-+*/|&^%]?=(?!=)|[+|]=)`).test(text))
      return true;
  }
  return false;
}

/**
 * Whether the line at `lineStart` may sit at module level or directly in a class body, where the
 * rule's containers live: only the header of its block plainly opening something else (a function,
 * a loop, an `if`) rules it out, before any parsing.
 */
function mayBeModuleOrClassLevel(text: string, lineStart: number): boolean {
  const header = enclosingHeaders(text, lineStart).next();
  if (header.done) return true;
  const keyword = headerKeyword(header.value);
  return keyword === undefined || keyword === 'class';
}

const CONTAINER_VALUES =
  /=\s*(?:\[\s*\]|\{\s*\}|set\(\s*\)|list\(\s*\)|dict\(\s*\)|(?:collections\.)?(?:defaultdict|OrderedDict|Counter)\()/g;
const CONTAINER_NAMES_LINE = new RegExp(`${CONTAINER_NAMES.source}$`);

export const growingGlobal = defineRule({
  id: 'growing-global',
  summary: 'A module- or class-level container that functions only ever add to: it grows for the life of the process.',
  languages: ['python'],
  defaultSeverity: 'warning',
  optIn:
    'On 217 real projects 1 of its 4 findings was judged a real leak risk: module registries are mostly filled once, by code, not per event.',
  accumulates: true,
  // No query: the module-state analysis finds top-level and class-level containers itself.
  query: {},
  captures: {},
  // A container assignment is not enough: one of the containers must also be added to somewhere
  // (`NAME.append(`, `self.NAME[key] =`, ...). Most modules build lists only inside functions.
  mayMatch: (text) => CONTAINER_ASSIGNMENT.test(text) && containersAddedTo(text),
  // A definition that assigns a container, or names one that is assigned somewhere (the uses it reads).
  // The names: the value first (`= []`, `= dict()`), then the line's `NAME =` before it.
  affectedBy: (_language, text) => {
    const names = new Set<string>();
    for (const m of text.matchAll(CONTAINER_VALUES)) {
      const line = text.slice(text.lastIndexOf('\n', m.index!) + 1, m.index! + m[0].length);
      const name = CONTAINER_NAMES_LINE.exec(line)?.[1];
      if (name) names.add(`\\b${name}\\b`);
    }
    return new RegExp([CONTAINER_ASSIGNMENT.source, ...names].join('|'), 'm');
  },
  check() {},
  checkFile(ctx) {
    // A container in test code lives for one test run.
    if (isTestTree(ctx.file)) return;
    for (const c of longLivedContainers(ctx)) {
      // A set holds each distinct value once: real registries of files, names and handlers.
      if (c.kind === 'set') continue;
      if (!onlyGrows(c) || isMemo(c)) continue; // memos: keys are rarely unbounded, see unbounded-cache
      const adds = c.adds.filter((a) => !boundedAdd(a, ctx) && perEventAdd(a, ctx));
      if (adds.length === 0) continue;
      const where = c.owner
        ? `class attribute \`${c.owner}.${c.name}\` (shared by every instance)`
        : `module-level ${c.kind} \`${c.name}\``;
      ctx.report({
        at: c.assignment,
        message: `${where} is only ever added to (${adds.length} place${adds.length > 1 ? 's' : ''}) and never removed from: everything put in it stays alive for the life of the process. Remove entries when done, bound it, or hold weak references.`,
        related: adds.slice(0, 5).map((a) => ({ at: a, message: 'added to here' })),
      });
    }
  },
});
