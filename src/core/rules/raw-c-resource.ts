// raw-c-resource: a C resource (malloc, fopen, stbi_load, WebPPictureInit, sqlite3_open, ...) acquired
// and released by hand with no RAII owner, where an exit or a call that may throw lies between
// acquisition and release, or the release is missing or only on some paths (seed 000 #5, #7).
import type { Node } from 'web-tree-sitter';
import { raiiFixes } from '../fixes/cpp-raii';
import type { ResourcePair } from '../resources';
import { anchorForCalls, anyOf, callsAny, type Rule, type RuleContext } from '../rule';
import { ancestors, contains, findAll } from '../tree';

const SMART_OWNER = /\b(unique_ptr|shared_ptr|auto_ptr|scoped_ptr|unique_resource|scope_exit|ScopeGuard|scope_guard|finally|Cleanup|defer)\b/;
const ESCAPE_CALL = /(^|_|\b)(push|insert|emplace|add|append|set|register|store|attach|own|take|adopt|wrap|enqueue|submit)/i;
const BRANCHES = new Set(['if_statement', 'for_statement', 'for_range_loop', 'while_statement', 'do_statement', 'switch_statement', 'case_statement', 'try_statement', 'catch_clause', 'conditional_expression', 'else_clause']);
const LOOPS = new Set(['for_statement', 'for_range_loop', 'while_statement', 'do_statement']);
const CASTS = new Set(['cast_expression', 'parenthesized_expression', 'static_cast_expression']);

/** C functions that cannot throw; anything else called from C++ may. */
const NOTHROW_C = new Set(`memcpy memmove memset memcmp memchr strlen strnlen strcpy strncpy strcat strncat strcmp strncmp strcasecmp
  strchr strrchr strstr strtok strtok_r strerror sprintf snprintf vsnprintf printf fprintf vfprintf puts fputs fputc putc putchar
  fgetc getc fgets fread fwrite fseek fseeko ftell ftello rewind fflush feof ferror clearerr fileno setvbuf sscanf fscanf scanf
  atoi atol atoll atof strtol strtoul strtoll strtoull strtod strtof abs labs fabs floor ceil round sqrt pow exp log sin cos
  exit abort assert perror qsort bsearch toupper tolower isalpha isdigit isalnum isspace isupper islower time clock
  read write close open lseek stat fstat unlink getenv rand srand usleep sleep errno
  static_cast reinterpret_cast const_cast sizeof offsetof memcpy_s
  std::move std::forward std::min std::max std::swap std::memcpy std::memset std::strlen std::abs std::size std::begin std::end`.split(/\s+/));
const NOTHROW_PREFIX = /^(WebP|stbi_|av_|avcodec_|avformat_|sws_|swr_|png_|FT_|sqlite3_|SDL_|gl[A-Z]|vk[A-Z]|pthread_)/;
const NOTHROW_METHODS = new Set(['size', 'data', 'empty', 'get', 'c_str', 'length', 'begin', 'end', 'cbegin', 'cend', 'release', 'capacity', 'front', 'back']);

/** One array per resource list, so the regexes built from it are cached (WeakMap by identity). */
const acquireLists = new WeakMap<ResourcePair[], string[]>();
function acquireNames(resources: ResourcePair[]): string[] {
  let names = acquireLists.get(resources);
  if (!names) acquireLists.set(resources, (names = resources.flatMap((r) => r.acquire)));
  return names;
}

interface Acquisition {
  pair: ResourcePair;
  call: Node;
  /** The variable that holds the resource. */
  name: string;
  /** The statement (child of a block) containing the acquisition. */
  statement: Node;
  func: Node;
  /** The declaration of `name` when the acquisition initialises it (`T* p = acquire()`). */
  declaration?: Node;
}

export const rawCResource: Rule = {
  id: 'raw-c-resource',
  summary: 'A C resource is acquired and released by hand, with an exit or a throwing call in between, or no release on some path.',
  languages: ['cpp'],
  defaultSeverity: 'warning',
  query: {
    cpp: (config) => `(call_expression function: [(identifier) (qualified_identifier)] @fn ${anyOf('fn', config.resources.flatMap((r) => r.acquire))}) @call`,
  },
  mayMatch: (text, _language, config) => callsAny(acquireNames(config.resources)).test(text),
  anchor: (_language, config) => anchorForCalls(acquireNames(config.resources)),
  check(match, ctx) {
    const call = match.captures.get('call')!;
    const fnName = match.captures.get('fn')!.text;
    const pair = ctx.config.resources.find((r) => r.acquire.includes(fnName));
    if (!pair) return;
    const acq = describeAcquisition(call, pair);
    if (!acq || acq.func.hasError) return;
    analyse(acq, ctx);
  },
};

function describeAcquisition(call: Node, pair: ResourcePair): Acquisition | undefined {
  const func = enclosingFunctionBody(call);
  if (!func) return undefined;
  let name: string | undefined;
  let declaration: Node | undefined;
  if (pair.kind === 'returns') {
    let n: Node = call;
    while (n.parent && (CASTS.has(n.parent.type) || isCastCall(n.parent, n))) n = n.parent.type === 'argument_list' ? n.parent.parent! : n.parent;
    const parent = n.parent;
    if (!parent) return undefined;
    if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === n.id) {
      name = declaratorName(parent.childForFieldName('declarator'));
      declaration = parent.parent ?? undefined;
      if (!declaration || SMART_OWNER.test(declaration.childForFieldName('type')?.text ?? '')) return undefined;
    } else if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === n.id) {
      const left = parent.childForFieldName('left');
      if (left?.type !== 'identifier') return undefined; // a member or element: owned elsewhere
      // `data_ = malloc(n)` in a constructor: a member (or global), owned by the class.
      if (!declaredLocally(func, left.text)) return undefined;
      name = left.text;
    } else {
      return undefined; // returned, passed on, or wrapped in an owner at once
    }
  } else {
    const args = call.childForFieldName('arguments');
    const refs = (args?.namedChildren ?? []).filter((a): a is Node => a?.type === 'pointer_expression' && a.text.startsWith('&') && a.namedChild(0)?.type === 'identifier');
    const ref = pair.kind === 'inPlace' ? refs[0] : refs[refs.length - 1];
    if (!ref) return undefined;
    name = ref.namedChild(0)!.text;
  }
  if (!name) return undefined;
  const statement = statementOf(call);
  if (!statement) return undefined;
  return { pair, call, name, statement, func, declaration };
}

function analyse(acq: Acquisition, ctx: RuleContext): void {
  const { func, name, pair, statement } = acq;
  const uses = findAll(func, 'identifier', (n) => n.text === name);
  // Owned at once by a smart pointer, a scope guard or a lambda that releases it.
  if (uses.some((u) => ownedBy(u, func))) return;
  // An earlier acquisition of the same variable, not yet released, reports for both (Init + Alloc).
  const releasesAll = findAll(func, 'call_expression', (n) => pair.release.includes(n.childForFieldName('function')?.text ?? '') && mentions(n, name));
  const earlier = findAll(func, 'call_expression', (n) => n.startIndex < acq.call.startIndex && pair.acquire.includes(n.childForFieldName('function')?.text ?? '') && describeAcquisition(n, pair)?.name === name);
  if (earlier.some((e) => !releasesAll.some((r) => r.startIndex > e.startIndex && r.startIndex < acq.call.startIndex))) return;
  const next = findAll(func, 'call_expression', (n) => n.startIndex > statement.endIndex && pair.acquire.includes(n.childForFieldName('function')?.text ?? '') && describeAcquisition(n, pair)?.name === name)[0];
  const horizon = next ? next.startIndex : func.endIndex;
  const releases = releasesAll.filter((r) => r.startIndex > acq.call.endIndex && r.startIndex < horizon);
  // Ownership handed to the caller or stored elsewhere: not ours to release here.
  if (uses.some((u) => u.startIndex > acq.call.endIndex && isReturned(u))) return;
  // `re = realloc(in, n)`: ownership moves to the new pointer, which is tracked on its own.
  if (uses.some((u) => u.startIndex > acq.call.endIndex && u.parent?.type === 'argument_list' && pair.acquire.includes(u.parent.parent?.childForFieldName('function')?.text ?? ''))) return;
  const what = describe(acq);
  const block = statement.parent!;
  if (releases.length === 0) {
    if (uses.some((u) => u.startIndex > acq.call.endIndex && escapes(u))) return;
    ctx.report({
      at: acq.call,
      message: `${what} is never released with \`${pair.release[0]}()\` in this function and is not handed on: it leaks every time this runs.`,
      fixes: raiiFixes(ctx, acq, []),
    });
    return;
  }
  const unconditional = releases.find((r) => isUnconditional(r, block, name));
  if (!unconditional) {
    ctx.report({
      at: acq.call,
      message: `${what} is released with \`${pair.release[0]}()\` only on some paths: every other path leaks it.`,
      related: releases.map((r) => ({ at: r, message: 'released only here, on a conditional path' })),
      fixes: raiiFixes(ctx, acq, releases),
    });
    return;
  }
  const between = { start: statement.endIndex, end: unconditional.startIndex };
  const exit = findExit(func, between, acq, releases, unconditional, ctx.plainC);
  if (!exit) return;
  const kind = exit.type.replace(/_statement|_expression/, '');
  const message = exit.type === 'call_expression' || exit.type === 'new_expression'
    ? `${what} is released by hand with \`${pair.release[0]}()\`, but \`${shorten(exit.text)}\` may throw before that release, and then it leaks. Give it an RAII owner.`
    : `${what} is released by hand with \`${pair.release[0]}()\`, but the \`${kind}\` at line ${ctx.lines.point(exit.startIndex).line + 1} skips that release, and then it leaks. Give it an RAII owner.`;
  ctx.report({
    at: acq.call,
    message,
    related: [
      { at: exit, message: exit.type === 'call_expression' || exit.type === 'new_expression' ? 'may throw here' : `this ${kind} skips the release` },
      { at: unconditional, message: 'the manual release' },
    ],
    fixes: raiiFixes(ctx, acq, releases),
  });
}

export type { Acquisition };

function describe(acq: Acquisition): string {
  const fn = acq.call.childForFieldName('function')!.text;
  return acq.pair.kind === 'returns' ? `\`${acq.name}\` from \`${fn}()\`` : `\`${acq.name}\`, set up by \`${fn}()\`,`;
}

function shorten(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

function enclosingFunctionBody(node: Node): Node | null {
  for (const a of ancestors(node)) {
    if (a.type === 'function_definition' || a.type === 'lambda_expression') return a.childForFieldName('body');
  }
  return null;
}

function isCastCall(parent: Node, child: Node): boolean {
  // static_cast<T*>(malloc(n)) parses as a call of a template function.
  if (parent.type !== 'argument_list') return false;
  const call = parent.parent;
  const fn = call?.childForFieldName('function');
  return call?.type === 'call_expression' && /^(static_cast|reinterpret_cast|const_cast)\b/.test(fn?.text ?? '') && parent.namedChildCount === 1 && parent.namedChild(0)?.id === child.id;
}

function declaratorName(decl: Node | null): string | undefined {
  let n = decl;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator') ?? n.namedChild(0);
  return n?.text;
}

function statementOf(node: Node): Node | null {
  let child: Node = node;
  for (const a of ancestors(node)) {
    if (a.type === 'compound_statement') return child;
    child = a;
  }
  return null;
}

function mentions(node: Node, name: string): boolean {
  return findAll(node, 'identifier', (n) => n.text === name).length > 0;
}

/** `std::unique_ptr<T, D> o(p, ...)`, `o.reset(p)`, or a lambda (scope guard) that releases `p`. */
function ownedBy(use: Node, func: Node): boolean {
  for (const a of ancestors(use)) {
    if (a.id === func.id) return false;
    if (a.type === 'lambda_expression') return true;
    if ((a.type === 'declaration' || a.type === 'field_declaration') && SMART_OWNER.test(a.childForFieldName('type')?.text ?? '')) return true;
    if (a.type === 'call_expression') {
      const fn = a.childForFieldName('function')?.text ?? '';
      if (SMART_OWNER.test(fn) || /\.reset$|->reset$/.test(fn)) return true;
    }
  }
  return false;
}

/** Declared in the function (a local or a parameter), not a member or a global. */
function declaredLocally(body: Node, name: string): boolean {
  const fn = body.parent;
  const scope = fn?.type === 'function_definition' || fn?.type === 'lambda_expression' ? fn : body;
  return findAll(scope, ['init_declarator', 'declaration', 'parameter_declaration', 'pointer_declarator'], (n) => n.childForFieldName('declarator')?.text.replace(/^[*&\s]+/, '') === name, ['lambda_expression']).length > 0;
}

function isReturned(use: Node): boolean {
  let n: Node = use;
  // `return p;`, `return (char*)p;`, `return re == NULL ? in : re;`
  while (n.parent && (CASTS.has(n.parent.type) || n.parent.type === 'conditional_expression' && n.parent.childForFieldName('condition')?.id !== n.id)) n = n.parent;
  return n.parent?.type === 'return_statement';
}

/** Stored into a member/element/other variable, or handed to a function that sounds like it keeps it. */
function escapes(use: Node): boolean {
  const parent = use.parent;
  if (!parent) return false;
  if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === use.id) return true;
  if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === use.id) return true;
  if (parent.type === 'argument_list') {
    const fn = parent.parent?.childForFieldName('function');
    const name = fn?.type === 'field_expression' ? fn.childForFieldName('field')?.text : fn?.text;
    return ESCAPE_CALL.test(name ?? '') || parent.parent?.type !== 'call_expression';
  }
  return parent.type === 'initializer_list';
}

/**
 * A release that runs on every path through `block` once the resource exists: no branch between it
 * and `block`, except a null check of the resource (`if (p) free(p);`, or the `else` of
 * `if (p == NULL) {...} else {...}`). The release may sit in an enclosing block, after the branch
 * that acquired (`if (...) { p = malloc(n); } ... if (p) free(p);`).
 */
function isUnconditional(release: Node, block: Node, name: string): boolean {
  for (const a of ancestors(release)) {
    if (a.id === block.id || (a.type === 'compound_statement' && contains(a, block))) return true;
    if (a.type === 'if_statement' && !isNullCheck(a.childForFieldName('condition'), name)) return false;
    if (a.type === 'else_clause' && !isNullCheck(a.parent?.childForFieldName('condition') ?? null, name)) return false;
    if (BRANCHES.has(a.type) && a.type !== 'if_statement' && a.type !== 'else_clause') return false;
  }
  return false;
}

/** `if (!p)`, `if (p == NULL)`, `if (nullptr != p)`, `if (p)`: tests only whether `p` was acquired. */
function isNullCheck(condition: Node | null, name: string): boolean {
  if (!condition) return false;
  const t = condition.text.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
  const n = name.replace(/[$]/g, '\\$&');
  return new RegExp(`^(!?${n}|${n}(==|!=)(NULL|nullptr|0)|(NULL|nullptr|0)(==|!=)${n}|!\\(${n}\\))$`).test(t);
}

/** An if that tests the acquisition's own result (`if (!p)`, `if (sqlite3_open(...) != SQLITE_OK)`). */
function isFailureCheck(ifNode: Node, acq: Acquisition): boolean {
  const cond = ifNode.childForFieldName('condition');
  if (!cond) return false;
  if (isNullCheck(cond, acq.name)) return true;
  if (contains(cond, acq.call)) return true;
  // `int rc = sqlite3_open(...); if (rc != SQLITE_OK)`: the variable the acquisition's result went to.
  const resultDecl = acq.pair.kind !== 'returns' ? acq.statement : undefined;
  if (resultDecl?.type === 'declaration') {
    const v = declaratorName(resultDecl.namedChildren.find((c) => c?.type === 'init_declarator')?.childForFieldName('declarator') ?? null);
    return v !== undefined && findAll(cond, 'identifier', (n) => n.text === v).length > 0;
  }
  return false;
}

/** The first return/break/continue/throw, or (in C++) call that may throw, that skips the release. */
function findExit(func: Node, between: { start: number; end: number }, acq: Acquisition, releases: Node[], release: Node, plainC: boolean): Node | undefined {
  const types = ['return_statement', 'throw_statement', 'break_statement', 'continue_statement', 'call_expression', 'new_expression'];
  const candidates = findAll(func, types, (n) => {
    if (n.startIndex < between.start || n.startIndex >= between.end) return false;
    switch (n.type) {
      case 'return_statement':
      case 'throw_statement':
        return true;
      case 'break_statement':
      case 'continue_statement': {
        const target = [...ancestors(n)].find((a) => LOOPS.has(a.type) || (n.type === 'break_statement' && a.type === 'switch_statement'));
        // Leaving a loop or switch skips the release only if the release is inside it too.
        return target !== undefined && contains(target, acq.statement) && contains(target, release);
      }
      case 'call_expression':
      case 'new_expression':
        return !plainC && mayThrow(n, acq);
      default:
        return false;
    }
  });
  // `return fclose(f) == 0 && ok;` releases on its way out: not an exit that skips the release.
  return candidates.find((exit) => !contains(exit, release) && !onFailurePathOrInLambda(exit, func, acq) && !releasedBefore(exit, releases, acq));
}

/** Inside a lambda (runs elsewhere) or in the branch taken when the acquisition failed. */
function onFailurePathOrInLambda(exit: Node, func: Node, acq: Acquisition): boolean {
  for (let a = exit.parent; a && a.id !== func.id; a = a.parent) {
    if (a.type === 'lambda_expression') return true;
    if (a.type === 'if_statement' && isFailureCheck(a, acq)) return true;
  }
  return false;
}

/** A path that releases before it exits (`if (err) { free(p); return -1; }`) does not leak. */
function releasedBefore(exit: Node, releases: Node[], acq: Acquisition): boolean {
  for (const a of ancestors(exit)) {
    if (a.type === 'compound_statement' && releases.some((r) => r.startIndex < exit.startIndex && contains(a, r) && isUnconditional(r, a, acq.name))) return true;
    if (a.id === acq.statement.parent?.id) return false;
  }
  return false;
}

function mayThrow(call: Node, acq: Acquisition): boolean {
  if (call.type === 'new_expression') return true;
  const fn = call.childForFieldName('function');
  if (!fn) return false;
  const name = fn.text;
  if (acq.pair.release.includes(name) || acq.pair.acquire.includes(name)) return false;
  if (fn.type === 'identifier' || fn.type === 'qualified_identifier') {
    if (NOTHROW_C.has(name) || NOTHROW_PREFIX.test(name.replace(/^::/, ''))) return false;
    return true;
  }
  if (fn.type === 'template_function') return !/^(static_cast|reinterpret_cast|const_cast|std::move|std::forward|std::min|std::max)\b/.test(name);
  if (fn.type === 'field_expression') return !NOTHROW_METHODS.has(fn.childForFieldName('field')?.text ?? '');
  return false;
}
