// raw-c-resource: a C resource (malloc, fopen, stbi_load, WebPPictureInit, sqlite3_open, ...) acquired
// and released by hand with no RAII owner, where an exit or a call that may throw lies between
// acquisition and release, or the release is missing or only on some paths (seed 000 #5, #7).
import type { Node } from 'web-tree-sitter';
import { flagFacts } from '../flow/c-flags';
import { CPP_MARKERS, raiiFixes, SCOPE_GUARD_MARKER } from '../fixes/cpp-raii';
import { BUILTIN_RESOURCES, type ResourcePair } from '../resources';
import { anchorForCalls, anyOf, callsAny, defineRule, type Report, type RuleContext } from '../rule';
import { alwaysLeaves, buildCfg, inDisabledCode, type Cfg, type CfgBlock } from '../flow/cfg';
import {
  argumentVariable,
  borrowsHandle,
  caseHeld,
  cEffect,
  cHeldAlong,
  cLanguageFor,
  type COwnedResource,
  runsAtExit,
  runsOnceBeforeExit,
  takenInOtherFiles,
  functionName,
  localAliases,
  MAIN_DEFINITIONS,
  mentionsText,
  localDeclarationType,
  normalizeCondition,
  nullFacts,
  nullTest,
  preprocessorFacts,
  releasedAfterMacro,
  RELEASE_NAME,
  sameFileAdopters,
  sameFileFdBorrowers,
  sameFileFunctionNames,
  sameFileMacroReleases,
  sameFileReleasers,
  unwrap,
  wrapperLocals,
} from '../flow/c-ownership';
import { FACT_BITS, findLeakPath, packFacts, type PathFacts, type TrackedResource } from '../flow/lifetime';
import { ancestors, argumentsOf, callArguments, contains, findAll } from '../tree';
import { isCTestFile } from '../test-code';

// Owner types: the standard ones, and project wrappers named like them (`auto_fd`, `auto_mem<char>`,
// `ScopedHandle`, `FileGuard`, `UniqueFd`).
const SMART_OWNER =
  /\b(unique_ptr|shared_ptr|auto_ptr|scoped_ptr|unique_resource|scope_exit|ScopeGuard|scope_guard|finally|Cleanup|defer|auto_\w+|\w*_guard|\w*Guard|[Ss]coped\w*|[Uu]nique\w*|\w*Holder|\w*_holder)\b/;
const BRANCHES = new Set([
  'if_statement',
  'for_statement',
  'for_range_loop',
  'while_statement',
  'do_statement',
  'switch_statement',
  'case_statement',
  'try_statement',
  'catch_clause',
  'conditional_expression',
  'else_clause',
]);
const LOOPS = new Set(['for_statement', 'for_range_loop', 'while_statement', 'do_statement']);
const CASTS = new Set(['cast_expression', 'parenthesized_expression', 'static_cast_expression']);

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
  /** `rc` in `int rc = sqlite3_open(...)`. */
  status?: string;
  /** Read from the tree without preprocessor directives, every branch compiled one after another. */
  withoutDirectives?: boolean;
}

export const rawCResource = defineRule({
  id: 'raw-c-resource',
  equivalents: [
    'clang-tidy:clang-analyzer-unix.Malloc',
    'clang-tidy:clang-analyzer-unix.Stream',
    'clang-tidy:clang-analyzer-alpha.unix.Stream',
    'clang-tidy:clang-analyzer-cplusplus.NewDeleteLeaks',
    'cppcheck:memleak',
    'cppcheck:resourceLeak',
    'cppcheck:leakReturnValNotUsed',
    'cppcheck:memleakOnRealloc',
    'cppcheck:leakNoVarFunctionCall',
    'coverity:leaked_storage',
    'coverity:leaked_handle',
    'coverity:resource_leak',
  ],
  summary:
    'A C resource (or a C++ `new`) held by a raw local is not released or handed on along some path out of the function.',
  languages: ['cpp'],
  defaultSeverity: 'warning',
  accumulates: true,
  // What the fixes read from the whole text (includes, helpers already inserted, C++ in a header),
  // and whether the file defines main() (c-ownership.ts definesMain).
  fileFacts: (text) =>
    [
      Array.from(text.matchAll(MAIN_DEFINITIONS)).length,
      ...(text.match(/^[ \t]*#[ \t]*include\b[^\n]*/gm) ?? []),
      ...(text.match(/\bstruct\s+\w+/g) ?? []),
      text.includes(SCOPE_GUARD_MARKER),
      CPP_MARKERS.test(text),
    ].join('\n'),
  options: [
    {
      name: 'resources',
      doc: 'C acquire/release pairs: the functions that acquire a resource, those that release it, and its shape.',
      schema: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['acquire', 'release'],
          properties: {
            acquire: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_:]*$' }, minItems: 1 },
            release: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_:]*$' }, minItems: 1 },
            kind: {
              description:
                'returns: `T* p = acquire(...)`; inPlace: `acquire(&structVar)`; outParam: `acquire(..., &ptr)`.',
              enum: ['returns', 'inPlace', 'outParam'],
              default: 'returns',
            },
            releaseArg: {
              description:
                'Whether the release takes the pointer (`value`) or its address (`address`, e.g. av_frame_free(&f)).',
              enum: ['value', 'address'],
              default: 'value',
            },
          },
        },
      },
      default: BUILTIN_RESOURCES,
      defaultDoc: 'the pairs of `src/core/resources.ts` (malloc/free, fopen/fclose, open/close, SDL, FFmpeg, ...)',
      example: [{ acquire: ['pool_acquire'], release: ['pool_release'], kind: 'returns', releaseArg: 'value' }],
      merge: 'append',
      topLevelAlias: true,
    },
    {
      name: 'inferResourcePairs',
      doc:
        "Also follow a project's own allocator and release named as a pair (`x__calloc`/`x__free`, " +
        '`ctx_new`/`ctx_free`) in functions that release it on some path. More leaks found, more false ones: ' +
        'measured on real code at 43 % true against 76 % for the listed pairs, so off by default.',
      schema: { type: 'boolean' },
      default: false,
      example: true,
      merge: 'replace',
    },
  ],
  query: {
    cpp: (config) => `(call_expression function: [(identifier) (qualified_identifier)] @fn ${anyOf(
      'fn',
      config.resources.flatMap((r) => r.acquire),
    )}) @call
(call_expression function: (field_expression field: (field_identifier) @fn ${anyOf(
      'fn',
      distinctiveNames(config.resources),
    )})) @call
(init_declarator value: (new_expression) @new)
(assignment_expression right: (new_expression) @new)
(init_declarator value: (cast_expression value: (new_expression) @new))
${config.inferResourcePairs ? `(call_expression function: (identifier) @fn (#match? @fn "${INFERRED_ACQUIRE_QUERY}")) @call` : ''}`,
  },
  captures: {
    fn: ['identifier', 'qualified_identifier', 'field_identifier'],
    call: 'call_expression',
    new: 'new_expression',
  },
  mayMatch: (text, _language, config) =>
    callsAny(acquireNames(config.resources)).test(text) ||
    /\bnew\s+[A-Za-z_:]/.test(text) ||
    (config.inferResourcePairs && INFERRED_ANCHOR.test(text)),
  anchor: (_language, config) => anchorWithNew(config.resources, config.inferResourcePairs),
  check(match, ctx) {
    const newExpr = match.captures.get('new');
    if (newExpr) {
      let acq = describeNew(newExpr);
      if ((acq && misparsed(acq, ctx)) || (!acq && !enclosingFunctionBody(newExpr))) {
        const again = sameNodeWithoutDirectives(newExpr, ctx);
        acq = again && describeNew(again);
      }
      if (acq && !misparsed(acq, ctx)) analyse(acq, ctx);
      return;
    }
    const call = match.captures.get('call')!;
    const fnName = match.captures.get('fn')!.text;
    // A known name matches the built-in pattern and the inferred one: read each call once.
    const analysed = ctx.memo('c.analysedCalls', () => new Set<number>());
    if (analysed.has(call.id)) return;
    analysed.add(call.id);
    const pair =
      ctx.config.resources.find((r) => r.acquire.includes(fnName)) ??
      (ctx.config.inferResourcePairs ? inferredPair(call, fnName, ctx) : undefined);
    if (!pair || shadowedInFile(fnName, ctx)) return;
    // `realloc(p, 0)`: frees p (and what it returns, if anything, is not meant to be used).
    if (/^(std::)?realloc$/.test(fnName) && call.childForFieldName('arguments')?.namedChild(1)?.text.trim() === '0')
      return;
    let acq = describeAcquisition(call, pair);
    if (acq === 'discarded') return splitByDirective(call) ? undefined : reportDiscarded(call, pair, ctx);
    if ((acq && misparsed(acq, ctx)) || (!acq && !enclosingFunctionBody(call))) {
      // `#ifdef X { body } #else { stub } #endif` leaves the body outside any function for the grammar.
      // Directives that split the function's branches: analyse it as if every branch were compiled.
      const again = sameNodeWithoutDirectives(call, ctx);
      const redone = again && describeAcquisition(again, pair);
      acq = redone && redone !== 'discarded' ? { ...redone, withoutDirectives: true } : undefined;
    }
    if (!acq || misparsed(acq, ctx)) return;
    analyse(acq, ctx);
  },
});

/**
 * liblinear's `static char *readline(FILE *in)` refills a global buffer and returns it: a function of
 * this file named like a library acquisition is read from its body. It acquires when it returns what
 * it made (a local, a parameter it reallocated, a call's result), not when it returns a global.
 */
function shadowedInFile(fnName: string, ctx: RuleContext): boolean {
  // Most files define no function named like an acquisition: one walk for the names, bodies read only then.
  const definitions = ctx.memo('c.definitionsByName', () => {
    const out = new Map<string, Node>();
    for (const def of findAll(ctx.root, 'function_definition')) {
      const name = functionName(def);
      if (name && /^\w+$/.test(name)) out.set(name, def);
    }
    return out;
  });
  const def = definitions.get(fnName);
  const body = def?.childForFieldName('body');
  if (!def || !body) return false;
  const own = new Set(
    findAll(def, 'identifier', (n) => /(declarator|declaration)$/.test(n.parent?.type ?? '')).map((n) => n.text),
  );
  return !findAll(body, 'return_statement').some((r) => {
    let v = r.namedChild(0);
    while (v && /^(cast_expression|parenthesized_expression)$/.test(v.type))
      v = v.type === 'cast_expression' ? v.childForFieldName('value') : v.namedChild(0);
    return !!v && (v.type === 'call_expression' || (v.type === 'identifier' && own.has(v.text)));
  });
}

/**
 * Whether the function's parse errors may hide what happens to the resource. A declaration the
 * grammar cannot read (`SSL_METHOD_QUAL SSL_METHOD *m = NULL;`, a macro before a type) that does
 * not mention the resource, leave, or call a release is harmless: the rest of the body is sound.
 */
function misparsed(acq: Acquisition, ctx: RuleContext): boolean {
  if (!acq.func.hasError) return false;
  // Conditional compilation inside the body is what splits it: the directive-free retry reads it.
  if (findAll(acq.func, PREPROC_CONDITIONALS).length > 0) return true;
  const releases = releaseNamesOf(ctx);
  const bad = (text: string) =>
    mentionsText(text, acq.name) ||
    /\b(return|goto|break|continue|longjmp|exit|abort)\b/.test(text) ||
    [...releases].some((r) => mentionsText(text, r));
  for (const error of findAll(acq.func, 'ERROR').concat(findMissing(acq.func))) {
    if (formatMacroLiteral(error)) continue;
    if (typeArgument(error) && !bad(error.parent!.text)) continue;
    // Only inside a declaration: an error in a statement may have swallowed a brace, and the shape with it.
    const declaration = [...ancestors(error)].find((a) => a.type === 'declaration');
    // And on one line: a statement macro with no `;` (`DIAG_OFF_FORMAT_TRUNCATION`) reads the lines
    // after it into a declaration of its own.
    if (!declaration || !contains(acq.func, declaration) || /\n/.test(declaration.text) || bad(declaration.text))
      return true;
  }
  return false;
}

/**
 * `"wrote only %"PRIu64` in an argument list: C's format macro glued to a string, which C++ reads as a
 * user-defined literal and the C++ grammar cannot parse. The call around it is read whole; only
 * the format string is lost.
 */
function formatMacroLiteral(error: Node): boolean {
  return (
    (error.parent?.type === 'argument_list' || error.parent?.type === 'concatenated_string') &&
    /^(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*"[A-Za-z_]\w*$/.test(error.text)
  );
}

/**
 * `g_new0(struct avdtp, 1)`, `g_new(GList *, n)`, `g_slice_new0(char *)`: a macro given a type, which
 * the grammar cannot read as an argument. The error stays inside one line's argument list; the call
 * around it, and the rest of the body, are read whole.
 */
function typeArgument(error: Node): boolean {
  let args: Node | null = error.parent;
  if (args?.type === 'binary_expression') args = args.parent; // `GList *, n` read as a product
  return (
    args?.type === 'argument_list' &&
    args.parent?.type === 'call_expression' &&
    !/\n/.test(args.text) &&
    /^\(\s*(?:(?:struct|union|enum|const|unsigned|signed)\s+)*\w+[\s*]*[,)]/.test(args.text)
  );
}

const PREPROC_CONDITIONALS = ['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_else', 'preproc_elifdef'];

function findMissing(root: Node): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    if (n.isMissing) out.push(n);
    if (n.hasError) for (const c of n.children) if (c) walk(c);
  };
  walk(root);
  return out;
}

/**
 * Acquisitions called through a table of function pointers (`lib.TIFFClientOpen(...)`, SDL_image's
 * dynamically loaded libraries): only names no method would have, with an underscore or an inner
 * capital (`TIFFClientOpen`, `IMG_Load`), never `open` or `malloc`.
 */
const distinctive = new WeakMap<ResourcePair[], string[]>();
function distinctiveNames(resources: ResourcePair[]): string[] {
  let names = distinctive.get(resources);
  if (!names) {
    names = [...new Set(acquireNames(resources).filter((n) => /^[A-Za-z]\w*$/.test(n) && /_|.[A-Z]/.test(n)))];
    distinctive.set(resources, names);
  }
  return names;
}

const NEW_PAIR: ResourcePair = { acquire: ['new'], release: ['delete'], kind: 'returns', releaseArg: 'value' };
const newAnchors = new WeakMap<ResourcePair[], RegExp>();
const inferringAnchors = new WeakMap<ResourcePair[], RegExp>();
function anchorWithNew(resources: ResourcePair[], infer: boolean): RegExp {
  const anchors = infer ? inferringAnchors : newAnchors;
  let re = anchors.get(resources);
  // Not after `.` or `->`: `file.open(...)` is a method, not the C function.
  if (!re)
    anchors.set(
      resources,
      (re = new RegExp(
        `(?<![.>])${anchorForCalls(acquireNames(resources)).source}|(?<=[.>]\\s*)${
          anchorForCalls(distinctiveNames(resources)).source
        }|\\bnew\\s+[A-Za-z_:]${infer ? `|${INFERRED_ANCHOR.source}` : ''}`,
        'g',
      )),
    );
  return re;
}

/**
 * Containers and strings, standard and Qt: values with no parent, no registry and no `this` to hand
 * away. One made by `new` and never deleted, returned or stored is lost, whatever calls fill it.
 */
const VALUE_TYPE =
  /^(std::(vector|list|deque|map|multimap|set|multiset|unordered_map|unordered_set|string|wstring|[io]?stringstream|array|pair|tuple)|Q(List|Vector|Map|MultiMap|Hash|MultiHash|Set|String|StringList|ByteArray|VariantMap|VariantList|VariantHash|Queue|Stack|LinkedList))\b/;

/**
 * A project's own allocator and its release, named as a pair (`mosquitto__calloc`/`mosquitto__free`,
 * `parse_context_new`/`parse_context_free`, `EVP_PKEY_CTX_new_id`/`EVP_PKEY_CTX_free`, `SSH2_ALLOC`/
 * `SSH2_FREE`, `mx_msg_open`/`mx_msg_close`): the prefix and an acquiring verb, the same prefix and a
 * releasing one. Only a function that releases what it got on some path is read this way: that
 * release shows the value is the function's to free, as `delete` does for `new`.
 */
const ACQUIRE_VERBS = 'alloc|calloc|malloc|zalloc|realloc|strdup|strndup|new|create|open|fopen|mkstemp';
const RELEASE_VERBS = 'free|destroy|release|close|fclose|unref|delete|dispose';
const INFERRED_ACQUIRE = new RegExp(`^([A-Za-z][A-Za-z0-9_]*?)_*(${ACQUIRE_VERBS})(_[a-z0-9]+)?$`, 'i');
const INFERRED_RELEASE = new RegExp(`^([A-Za-z][A-Za-z0-9_]*?)_*(${RELEASE_VERBS})(_[a-z0-9]+)?$`, 'i');
// Tree-sitter's `#match?` takes no flags: both cases spelled out (`SSH2_ALLOC`, `parse_context_new`).
const INFERRED_ACQUIRE_QUERY = `^[A-Za-z][A-Za-z0-9_]*?_*(${ACQUIRE_VERBS}|${ACQUIRE_VERBS.toUpperCase()})(_[a-z0-9]+)?$`;
const INFERRED_ANCHOR = new RegExp(`\\b[A-Za-z]\\w*?(?:${ACQUIRE_VERBS})(?:_[a-z0-9]+)?\\s*\\(`, 'i');
const inferredPairs = new Map<string, ResourcePair>();
const inferredSet = new WeakSet<ResourcePair>();
function isInferredPair(pair: ResourcePair): boolean {
  return inferredSet.has(pair);
}

function inferredPair(call: Node, fnName: string, ctx: RuleContext): ResourcePair | undefined {
  const prefix = INFERRED_ACQUIRE.exec(fnName)?.[1].toLowerCase();
  if (!prefix || prefix.length < 2) return undefined;
  // Only a call whose result a local takes: `p = x_new(...)`, `T *p = x_new(...)`.
  let n: Node = call;
  while (n.parent && CASTS.has(n.parent.type)) n = n.parent;
  const up = n.parent;
  const target =
    up?.type === 'init_declarator'
      ? declaratorName(up.childForFieldName('declarator'))
      : up?.type === 'assignment_expression' && up.childForFieldName('left')?.type === 'identifier'
        ? up.childForFieldName('left')!.text
        : undefined;
  const func = enclosingFunctionBody(call);
  if (!target || !func) return undefined;
  const releases = new Set<string>();
  let address = false;
  for (const c of findAll(func, 'call_expression', (c) => c.startIndex > call.endIndex)) {
    const callee = c.childForFieldName('function');
    if (callee?.type !== 'identifier') continue;
    const m = INFERRED_RELEASE.exec(callee.text);
    if (!m || m[1].toLowerCase() !== prefix) continue;
    const arg = callArguments(c).find(
      (a) => a.text.replace(/\s+/g, '') === target || a.text.replace(/\s+/g, '') === `&${target}`,
    );
    if (!arg) continue;
    releases.add(callee.text);
    if (arg.text.trim().startsWith('&')) address = true;
  }
  if (
    releases.size === 0 ||
    ctx.config.resources.some((r) => r.release.some((x) => releases.has(x)) && r.acquire.includes(fnName))
  )
    return undefined;
  const key = `${fnName}/${[...releases].sort().join(',')}/${address}`;
  let pair = inferredPairs.get(key);
  if (!pair) {
    pair = { acquire: [fnName], release: [...releases], kind: 'returns', releaseArg: address ? 'address' : 'value' };
    inferredPairs.set(key, pair);
    inferredSet.add(pair);
  }
  return pair;
}

/** `T* p = new T(...)` held by a raw local pointer (not a member, not adopted at once by a parent). */
function describeNew(expr: Node): Acquisition | undefined {
  const func = enclosingFunctionBody(expr);
  if (!func) return undefined;
  // `Bit8u *buf = (Bit8u *)new Bit8u[n]`: a cast of what `new` made is the same pointer.
  let parent = expr.parent!;
  while (parent.parent && (parent.type === 'cast_expression' || parent.type === 'parenthesized_expression'))
    parent = parent.parent;
  let name: string | undefined;
  let declaration: Node | undefined;
  if (parent.type === 'init_declarator') {
    declaration = parent.parent ?? undefined;
    if (
      !declaration ||
      declaration.type !== 'declaration' ||
      SMART_OWNER.test(declaration.childForFieldName('type')?.text ?? '')
    )
      return undefined;
    if (declaration.namedChildren.some((c) => c?.type === 'storage_class_specifier')) return undefined; // static: lives on
    // `T *p = new T`, or `auto p = new T` (the placeholder deduces the raw pointer).
    const declarator = parent.childForFieldName('declarator');
    const deduced =
      declarator?.type === 'identifier' && declaration.childForFieldName('type')?.type === 'placeholder_type_specifier';
    if (declarator?.type !== 'pointer_declarator' && !deduced) return undefined;
    name = declaratorName(parent.childForFieldName('declarator'));
  } else {
    const left = parent.childForFieldName('left');
    if (left?.type !== 'identifier' || !declaredLocally(func, left.text)) return undefined;
    // `rows[i] = last = new PARA()`, `f(p = new T)`: stored elsewhere in the same breath.
    if (!/^(expression_statement|parenthesized_expression)$/.test(parent.parent?.type ?? '')) return undefined;
    name = left.text;
  }
  // Qt-style parents and other owners passed to the constructor adopt the new object.
  const args = callArguments(expr);
  if (args.some((a) => a && /^(this|parent|\w*[Pp]arent\w*|owner|\w*[Ww]idget|\w*[Ll]ayout)$/.test(a.text)))
    return undefined;
  const statement = statementOf(expr);
  if (!name || !statement) return undefined;
  if (constructorRegistersThis(expr)) return undefined;
  return { pair: NEW_PAIR, call: expr, name, statement, func, declaration };
}

/** The calls a constructor hands `this` to when it joins a list or registry. */
const REGISTERS =
  /^(push_back|push_front|emplace_back|emplace_front|append|prepend|insert|[Aa]dd\w*|[Rr]egister\w*|attach\w*)$/;

/**
 * `new ECBClass(seg, off)` whose constructor, in this file, links `this` into a list or registry
 * (`ECBList = this;`, `tail->next = this;`, `registry.push_back(this)`): the registry owns the object
 * from birth, and whoever walks it deletes it.
 */
function constructorRegistersThis(expr: Node): boolean {
  const type = expr.childForFieldName('type');
  const className = type?.text.replace(/<.*$/s, '').split('::').pop();
  if (!className || !/^[A-Za-z_]\w*$/.test(className)) return false;
  // Once per class and file: a file may hold hundreds of `new`s, and the search reads the whole tree.
  let known = registeringClasses.get(expr.tree);
  if (!known) registeringClasses.set(expr.tree, (known = new Map()));
  let registers = known.get(className);
  if (registers === undefined) known.set(className, (registers = registersThis(expr.tree.rootNode, className)));
  return registers;
}
const registeringClasses = new WeakMap<Node['tree'], Map<string, boolean>>();

function registersThis(root: Node, className: string): boolean {
  const constructors = findAll(root, 'function_definition', (f) => {
    const declarator = f.childForFieldName('declarator');
    const inner = declarator?.type === 'function_declarator' ? declarator.childForFieldName('declarator') : null;
    const named = inner?.text.replace(/\s+/g, '');
    return (
      named === `${className}::${className}` ||
      (named === className && !!f.parent && /^(field_declaration_list)$/.test(f.parent.type))
    );
  });
  return constructors.some(
    (c) =>
      findAll(c, 'this', (t) => {
        const up = t.parent;
        if (up?.type === 'assignment_expression') return up.childForFieldName('right')?.id === t.id;
        // `registry.push_back(this)`, `register_ecb(this)`; not `connect(…, this, …)`, which owns nothing.
        if (up?.type !== 'argument_list') return false;
        const callee = up.parent?.childForFieldName('function');
        const method = (callee?.type === 'field_expression' ? callee.childForFieldName('field') : callee)?.text ?? '';
        return REGISTERS.test(method.split('::').pop() ?? '');
      }).length > 0,
  );
}

/** `priv->avfc = avfc;`, `*out = p;`: the places outside the function's locals that it stores `name` into. */
function placesStoredInto(func: Node, name: string): Set<string> {
  return new Set(
    findAll(
      func,
      'assignment_expression',
      (a) =>
        a.childForFieldName('operator')?.text === '=' &&
        unwrap(a.childForFieldName('right')!).text === name &&
        /^(field_expression|pointer_expression|subscript_expression)$/.test(a.childForFieldName('left')?.type ?? ''),
    ).map((a) => normalizeCondition(a.childForFieldName('left')!.text)),
  );
}

/**
 * `if ((fd != -1) && (file != NULL)) fclose(file);` with the fdopen guarded by `fd != -1`: on the
 * false edge the first test is known true, so the second one failed and nothing is held. Likewise
 * the true edge of `A || file == NULL` with A known false.
 */
function heldAlongJunction(
  cond: Node,
  edge: string,
  res: COwnedResource,
  guards: Map<string, 'true' | 'false'>,
): boolean {
  const n = unwrap(cond);
  if (n.type !== 'binary_expression') return true;
  const op = n.childForFieldName('operator')?.text;
  const decided = op === '&&' ? 'false' : op === '||' ? 'true' : undefined;
  if (edge !== decided) return true;
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  if (!left || !right) return true;
  // The operand known (from the acquisition's guards) not to have decided the edge: the other did.
  for (const [known, other] of [
    [left, right],
    [right, left],
  ]) {
    if (!feasible(known, edge, guards))
      return cHeldAlong(other, edge, res) && heldAlongJunction(other, edge, res, guards);
  }
  return true;
}

/** `node`'s twin (same kind, same range) in the parse without conditional directives, if any. */
function sameNodeWithoutDirectives(node: Node, ctx: RuleContext): Node | undefined {
  const root = ctx.treeWithoutDirectives?.();
  for (let n = root?.descendantForIndex(node.startIndex, node.endIndex) ?? null; n; n = n.parent) {
    if (n.startIndex < node.startIndex || n.endIndex > node.endIndex) return undefined;
    if (n.type === node.type && n.startIndex === node.startIndex && n.endIndex === node.endIndex) return n;
  }
  return undefined;
}

/**
 * A `new` object returned or stored where the caller sees it (a field, `*out`, a non-local) after
 * its acquisition: the function hands it over on purpose.
 */
function handedToCaller(func: Node, acq: Acquisition): boolean {
  return findAll(func, 'identifier', (n) => n.text === acq.name && n.startIndex > acq.call.endIndex).some((use) => {
    const up = use.parent;
    if (up?.type === 'return_statement') return true;
    if (up?.type !== 'assignment_expression' || up.childForFieldName('right')?.id !== use.id) return false;
    const left = up.childForFieldName('left');
    if (!left) return false;
    if (left.type === 'identifier') return !declaredLocally(func, left.text);
    return /^(field_expression|pointer_expression|subscript_expression)$/.test(left.type);
  });
}

/**
 * `b->spellers =` / `#ifdef USE_ENCHANT` / `malloc(n * 8);` / `#else` / `malloc(n * 4);` / `#endif`: the
 * directives split one assignment, which the grammar reads as a broken statement and then a bare
 * call in each branch. The call is the right-hand side of what comes before the `#if`.
 */
function splitByDirective(call: Node): boolean {
  const statement = call.parent;
  if (statement?.type !== 'expression_statement') return false;
  let block: Node = statement;
  while (block.parent && /^preproc_(if|ifdef|else|elif|elifdef)$/.test(block.parent.type)) block = block.parent;
  if (block === statement) return false;
  const before = block.previousSibling;
  return before?.type === 'ERROR' && /(=|\(|,|\breturn)\s*$/.test(before.text);
}

/** A handle that is never stored: `if (opendir(p) == NULL)`, `malloc(n);`. Nothing can release it. */
function reportDiscarded(call: Node, pair: ResourcePair, ctx: RuleContext): void {
  const fn = call.childForFieldName('function')!.text;
  ctx.report({
    at: call,
    message: `The result of \`${fn}()\` is never stored, so it can never be released with \`${pair.release[0]}()\`: it leaks every time this runs.`,
  });
}

/**
 * How many arguments the C library's acquisitions take: a call with another count is a function of
 * the project's that shares the name (a connecter class's own `open ()` returning a status).
 */
const LIBC_ARITY: Record<string, [number, number]> = {
  open: [2, 3],
  openat: [3, 4],
  creat: [2, 2],
  socket: [3, 3],
  accept: [3, 3],
  accept4: [4, 4],
  mkstemp: [1, 1],
  dup: [1, 1],
  fopen: [2, 2],
  fdopen: [2, 2],
  popen: [2, 2],
  opendir: [1, 1],
  malloc: [1, 1],
  calloc: [2, 2],
  realloc: [2, 2],
  strdup: [1, 1],
  strndup: [2, 2],
  getcwd: [2, 2],
  realpath: [2, 2],
  // A project's own `readline(fd, buf, n)` is another function.
  readline: [1, 1],
  getaddrinfo: [4, 4],
};

/** Whether `call` is not the C library's function of that name: it takes another number of arguments. */
function notTheLibraryCall(call: Node, fn: string): boolean {
  const arity = LIBC_ARITY[fn];
  if (!arity) return false;
  const n = callArguments(call).length;
  return n < arity[0] || n > arity[1];
}

function describeAcquisition(call: Node, pair: ResourcePair): Acquisition | 'discarded' | undefined {
  const func = enclosingFunctionBody(call);
  if (!func) return undefined;
  if (notTheLibraryCall(call, call.childForFieldName('function')?.text ?? '')) return undefined;
  // `getcwd(buf, sizeof buf)`: fills the caller's buffer, allocates nothing.
  if (
    pair.allocatesWhenNull !== undefined &&
    !/^(NULL|nullptr|0|\(\s*char\s*\*\s*\)\s*(NULL|0))$/.test(
      callArguments(call)[pair.allocatesWhenNull]?.text.trim() ?? '',
    )
  )
    return undefined;
  let name: string | undefined;
  let declaration: Node | undefined;
  let status: string | undefined;
  if (pair.kind === 'returns') {
    let n: Node = call;
    while (n.parent && (CASTS.has(n.parent.type) || isCastCall(n.parent, n)))
      n = n.parent.type === 'argument_list' ? n.parent.parent! : n.parent;
    const parent = n.parent;
    if (!parent) return undefined;
    if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === n.id) {
      name = declaratorName(parent.childForFieldName('declarator'));
      declaration = parent.parent ?? undefined;
      if (!declaration || SMART_OWNER.test(declaration.childForFieldName('type')?.text ?? '')) return undefined;
      if (declaration.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static'))
        return undefined;
    } else if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === n.id) {
      const left = parent.childForFieldName('left');
      if (left?.type !== 'identifier') return undefined; // a member or element: owned elsewhere
      // `data_ = malloc(n)` in a constructor: a member (or global), owned by the class.
      if (!declaredLocally(func, left.text)) return undefined;
      // `auto_fd fd; ... fd = open(...)`: the variable is itself an owner.
      if (SMART_OWNER.test(localDeclarationType(func, left.text) ?? '')) return undefined;
      // `s->buf = p = malloc(n)`: stored at once.
      if (
        parent.parent?.type === 'assignment_expression' ||
        parent.parent?.type === 'init_declarator' ||
        parent.parent?.type === 'argument_list'
      )
        return undefined;
      name = left.text;
    } else if (
      parent.type === 'expression_statement' ||
      (parent.type === 'binary_expression' &&
        /^(==|!=)$/.test(parent.childForFieldName('operator')?.text ?? '') &&
        parent.parent?.type !== 'return_statement' &&
        !isLogicalOperand(parent))
    ) {
      // The handle itself is dropped: only a comparison or nothing sees it.
      return pair.release.includes('closedir') || pair.release.includes('fclose') || pair.release.includes('free')
        ? 'discarded'
        : undefined;
    } else {
      return undefined; // returned, passed on, or wrapped in an owner at once
    }
  } else {
    const args = call.childForFieldName('arguments');
    const argList = argumentsOf(args);
    const isRef = (a: Node | undefined) =>
      a?.type === 'pointer_expression' && a.text.startsWith('&') && a.namedChild(0)?.type === 'identifier';
    const refs = argList.filter((a) => isRef(a));
    if (pair.arrayHandle) {
      // `pipe(fds)`: a local array (`int fds[2]`), filled in place.
      const array = argList[pair.handleArg ?? 0];
      if (array?.type !== 'identifier' || !localArray(func, array.text)) return undefined;
      name = array.text;
    } else {
      const ref =
        pair.kind === 'inPlace'
          ? refs[0]
          : pair.handleArg !== undefined
            ? isRef(argList[pair.handleArg])
              ? argList[pair.handleArg]
              : undefined
            : refs[0];
      if (!ref) return undefined;
      name = ref.namedChild(0)!.text;
      if (!declaredLocally(func, name)) return undefined; // a member or global handle: owned elsewhere
    }
    status = statusVariable(call);
  }
  if (!name) return undefined;
  const statement = statementOf(call);
  if (!statement) return undefined;
  status ??= gerrorArgument(call, func);
  return { pair, call, name, statement, func, declaration, status };
}

/**
 * `s = g_key_file_get_string(kf, "G", "K", &err)`: GLib sets the GError exactly when it fails and
 * returns nothing to free, so `if (!err)` / `if (err)` test the acquisition's success (bluez's hog.c).
 */
function gerrorArgument(call: Node, func: Node): string | undefined {
  const last = argumentsOf(call.childForFieldName('arguments')).at(-1);
  if (last?.type !== 'pointer_expression' || !last.text.startsWith('&')) return undefined;
  const err = last.namedChild(0);
  if (err?.type !== 'identifier') return undefined;
  return /^GError\b/.test(localDeclarationType(func, err.text, true) ?? '') ? err.text : undefined;
}

/** For a preparing acquisition, the first later call that allocates into the same struct. */
function preparedUntil(acq: Acquisition, func: Node): { call: Node; status?: string } | undefined {
  const fn = acq.call.childForFieldName('function')?.text ?? '';
  if (!acq.pair.prepares?.includes(fn)) return undefined;
  const allocating = new Set([...acq.pair.acquire, ...(acq.pair.allocates ?? [])].filter((f) => f !== fn));
  const call = findAll(
    func,
    'call_expression',
    (n) =>
      n.startIndex > acq.call.endIndex &&
      allocating.has(n.childForFieldName('function')?.text ?? '') &&
      (n.childForFieldName('arguments')?.namedChildren ?? []).some(
        (a) => a?.text.replace(/\s+/g, '') === `&${acq.name}`,
      ),
  )[0];
  if (call) return { call, status: statusVariable(call) };
  // No known allocation: the project's own function that fills the picture (`WriteSinglePicture(..,
  // &picture, ..)`) may allocate into it, whatever it returns.
  const filler = findAll(
    func,
    'call_expression',
    (n) =>
      n.startIndex > acq.call.endIndex &&
      !acq.pair.release.includes(n.childForFieldName('function')?.text ?? '') &&
      (n.childForFieldName('arguments')?.namedChildren ?? []).some(
        (a) => a?.text.replace(/\s+/g, '') === `&${acq.name}`,
      ),
  )[0];
  return filler && { call: filler };
}

function isLogicalOperand(n: Node): boolean {
  const p = n.parent;
  return p?.type === 'binary_expression' && /^(&&|\|\|)$/.test(p.childForFieldName('operator')?.text ?? '');
}

/** `rc` in `int rc = acquire(...)` or `rc = acquire(...)`. */
function statusVariable(call: Node): string | undefined {
  const p = call.parent;
  if (p?.type === 'init_declarator' && p.childForFieldName('value')?.id === call.id)
    return declaratorName(p.childForFieldName('declarator'));
  if (
    p?.type === 'assignment_expression' &&
    p.childForFieldName('right')?.id === call.id &&
    p.childForFieldName('left')?.type === 'identifier'
  )
    return p.childForFieldName('left')!.text;
  return undefined;
}

function cfgFor(ctx: RuleContext, func: Node): Cfg {
  return ctx.memo(`cfg.c.${func.id}`, () =>
    buildCfg(
      func,
      ctx.memo('c.language', () => cLanguageFor(ctx)),
      false,
    ),
  );
}

function releaseNamesOf(ctx: RuleContext): Set<string> {
  return ctx.memo('c.releaseNames', () => new Set(ctx.config.resources.flatMap((r) => r.release)));
}

function releasersOf(ctx: RuleContext): Map<string, Set<number>> {
  return ctx.memo('c.releasers', () => sameFileReleasers(ctx.root, releaseNamesOf(ctx)));
}

/** `main()`: whatever it holds when it returns, the process gives back as it exits. */
function isEntryPoint(body: Node): boolean {
  return !!body.parent && /^(main|wmain|WinMain|wWinMain|_tmain)$/.test(functionName(body.parent) ?? '');
}

/**
 * Whether a call before the leaking exit hands the resource to a function another file of the project
 * defines, which keeps or releases that argument (`pcap_add_to_pcaps(p)`, `session_attach(s, buf)`):
 * as with a same-file helper, the resource is handed on there.
 */
function handedToOtherFile(acq: Acquisition, r: Report, ctx: RuleContext): boolean {
  const exit = r.related?.[0];
  const end =
    exit && 'startIndex' in exit.at && /returns here|skips the release|last statement/.test(exit.message)
      ? exit.at.startIndex
      : acq.func.endIndex;
  const releases = releaseNamesOf(ctx);
  for (const call of findAll(
    acq.func,
    'call_expression',
    (c) => c.startIndex > acq.statement.endIndex && c.startIndex < end,
  )) {
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier' || releases.has(callee.text)) continue;
    const at = callArguments(call).findIndex((a) => a.text === acq.name);
    if (at >= 0 && takenInOtherFiles(callee.text, ctx, releases).has(at)) return true;
  }
  return false;
}

function analyse(acq: Acquisition, fileCtx: RuleContext): void {
  const { func, name, pair } = acq;
  if (isEntryPoint(func) || inDisabledCode(acq.call) || runsAtExit(func, fileCtx)) return;
  // Asked only of a finding: whether the function runs once may need the project's other files.
  const ctx: RuleContext = {
    ...fileCtx,
    report: (r) => {
      // Only a leak on an error return is worth following to other files' callers: one the normal
      // path leaves every time is a bug wherever the function is called from.
      const errorReturn = r.message.includes('leaks on the path that returns at line');
      if (runsOnceBeforeExit(func, fileCtx, errorReturn) || handedToOtherFile(acq, r, fileCtx)) return;
      fileCtx.report(r);
    },
  };
  // `p = realloc(p, n)`: the same block grown (or moved), not a new one.
  // (`calloc(1, sizeof *e)` names e only for its size.)
  if (
    pair.kind === 'returns' &&
    acq.call.type === 'call_expression' &&
    findAll(
      acq.call.childForFieldName('arguments')!,
      'identifier',
      (n) => n.text === name && ![...ancestors(n)].some((a) => a.type === 'sizeof_expression'),
    ).length > 0
  )
    return;
  // A `new` never deleted here is often meant to live on (windows, singletons, parents that adopt
  // it later): only a function that deletes it on some paths shows that it owns it. Checked first:
  // `new` is everywhere in C++, and most functions never delete what they create.
  // Storing it where the caller sees it (`return p`, `this->m = p`, `*out = p`) shows ownership too:
  // then a path that returns early without it leaks (tesseract's `label32`, aria2's leftover node).
  const deletes =
    pair === NEW_PAIR
      ? findAll(func, 'delete_expression', (n) => n.startIndex > acq.call.endIndex && mentions(n, name))
      : [];
  const uses = findAll(func, 'identifier', (n) => n.text === name);
  const later = uses.filter((u) => u.startIndex > acq.call.startIndex);
  // Owned at once by a smart pointer, a scope guard or a lambda that releases it.
  const owners = later.map((u) => ownerOf(u, func));
  if (owners.some((o, i) => o === 'lambda' || (o && ownedAtOnce(later[i], acq)))) return;
  // Adopted by a smart pointer or kept in a container of the object's only later (`p->fill(); if (bad)
  // return; meshes.push_back(shared_ptr<T>(p));`): the function owns it until then, and an exit before leaks.
  const adoptedLater = later.filter((u, i) => owners[i] || (pair === NEW_PAIR && keptInContainer(u, func)));
  const storedForCaller =
    pair === NEW_PAIR && deletes.length === 0 && (adoptedLater.length > 0 || handedToCaller(func, acq));
  const valueObject = pair === NEW_PAIR && VALUE_TYPE.test(acq.call.childForFieldName('type')?.text ?? '');
  if (pair === NEW_PAIR && deletes.length === 0 && !storedForCaller && !valueObject) return;
  // Init + Alloc of the same struct in place are one resource: the first one reports.
  if (
    pair.kind === 'inPlace' &&
    findAll(
      func,
      'call_expression',
      (n) =>
        n.startIndex < acq.call.startIndex &&
        pair.acquire.includes(n.childForFieldName('function')?.text ?? '') &&
        mentions(n, name),
    ).length
  )
    return;
  const cfg = cfgFor(ctx, func);
  // `WebPPictureInit(&pic)` allocates nothing: the picture holds memory from the call that allocates
  // into it, and only when that call succeeds. The finding stays on the Init (where an owner goes).
  const allocation = preparedUntil(acq, func);
  const acquireBlock = blockOf(cfg, allocation?.call ?? acq.call);
  if (!acquireBlock) return;
  // Calls that make another resource of their argument. Not those that fill an array or a struct of the
  // caller's (`pipe(fds)`, `pcap_compile(p, &prog, ...)`): their other arguments are only read.
  const otherAcquires = ctx.memo(
    'c.allAcquires',
    () =>
      new Set(
        ctx.config.resources
          .filter((r) => !r.arrayHandle && !(r.kind === 'outParam' && r.releaseArg === 'address'))
          .flatMap((r) => r.acquire),
      ),
  );
  const wrappers = wrapperLocals(func, name, otherAcquires, (n) => declaredLocally(func, n));
  const res: COwnedResource = {
    pair,
    name,
    call: allocation?.call ?? acq.call,
    status: allocation ? allocation.status : acq.status,
    // Computed on first use: most resources never meet a call that needs it.
    get releasers() {
      return releasersOf(ctx);
    },
    get functions() {
      return ctx.memo('c.functionNames', () => sameFileFunctionNames(ctx.root));
    },
    get adopters() {
      return ctx.memo('c.adopters', () => sameFileAdopters(ctx.root));
    },
    get fdBorrowers() {
      return ctx.memo('c.fdBorrowers', () => sameFileFdBorrowers(ctx.root));
    },
    heldOnFailure: pair.heldOnFailure === true,
    zeroIsSuccess: pair.nonzeroIsSuccess !== true,
    isNew: pair === NEW_PAIR,
    isValueObject: valueObject,
    isInferred: isInferredPair(pair),
    deletedAfter: deletes.length ? (at) => deleteReachable(cfg, acquireBlock, at, deletes) : undefined,
    isRecord: pair !== NEW_PAIR && pair.kind === 'returns' && isRecordAllocation(acq.call, name, func),
    releasedAfter: (at) => {
      const releases = ctx.memo(`c.releasesOf.${acq.call.id}`, () =>
        findAll(
          func,
          'call_expression',
          (n) =>
            n.startIndex > acq.call.endIndex &&
            pair.release.includes(n.childForFieldName('function')?.text ?? '') &&
            mentions(n, name),
        ),
      );
      return releases.length > 0 && deleteReachable(cfg, acquireBlock, at, releases);
    },
    // On a path from the call, not merely later in the text (`if (created) add(rec); else update(rec);`).
    usedAfter: (at) => {
      const from = blockOf(cfg, at);
      const later = uses.filter((u) => u.startIndex > acq.call.endIndex && blockOf(cfg, u) !== from);
      return later.length > 0 && deleteReachable(cfg, acquireBlock, at, later);
    },
    isArray:
      pair === NEW_PAIR &&
      acq.call.type === 'new_expression' &&
      /^new\s*(\(.*?\)\s*)?[\w:<>\s,*]+\[/.test(acq.call.text),
    aliases: [
      ...localAliases(func, name, (n) => declaredLocally(func, n)),
      ...wrappers.map((w) => w.local),
      // `DawgArgs args(&v, updated)` for a `new` this function deletes itself: the local object only
      // carries the pointer, so where the object goes (`f(&args)`), the pointer goes with it.
      ...(deletes.length ? constructorHolders(func, name) : []),
    ],
    wrappers: wrappers.map((w) => w.local),
    macroReleases: ctx.memo('c.macroReleases', () => sameFileMacroReleases(ctx.root, releaseNamesOf(ctx))),
    isDescriptor: pair.release.includes('close'),
    cpp: !ctx.plainC,
    otherAcquires,
    knownTrue: new Set([...flagsSetAfter(acq.statement, name), ...flagsOfGuards(acq.call, func)]),
    storedAt: placesStoredInto(func, name),
    adoptedAt: new Set(adoptedLater.map((u) => u.id)),
  };
  const guards = guardsOf(acq.call, func);
  // A test of the resource's own variable says nothing about the branch it was acquired in: it changed.
  for (const key of guards.keys()) if (key === `null:${name}` || mentionsText(key, name)) guards.delete(key);
  const tracked: TrackedResource = {
    acquireBlock,
    effect: (b) => {
      const e = cEffect(b, res);
      // Init then Alloc of one struct: still the same resource.
      return e === 'reacquire' && pair.kind === 'inPlace' ? 'none' : e;
    },
    heldAlong: (cond, edge, to) =>
      (edge !== 'case' || caseHeld(cond, to, res)) &&
      !(edge === 'true' && formatCannotFail(cond, func)) &&
      feasible(cond, edge, guards) &&
      cHeldAlong(cond, edge, res) &&
      heldAlongJunction(cond, edge, res, guards) &&
      !adoptedOnSuccess(cond, edge, res),
    // `tmp = realloc(buf, n); ... buf = tmp;` round a loop: the same block moving, not a second one.
    overwriteOnLoop:
      LOOPS.has(acq.statement.parent?.parent?.type ?? '') &&
      !(res.aliases ?? []).some((a) => mentionsText(acq.call.text, a)),
    facts: pathFacts(func, acq.call, name, ctx),
  };
  const what = describe(acq);
  const releases = findAll(
    func,
    ['call_expression', 'delete_expression', 'declaration'],
    (n) => n.startIndex > acq.call.endIndex && isReleaseOf(n, res),
  );
  let leak = findLeakPath(cfg, tracked);
  // Owned only by what it is stored into: calls in between that may throw are C++'s everyday risk,
  // not this function's mistake; a `return` that skips the store is.
  if (storedForCaller && leak?.kind === 'throw') leak = undefined;
  // With every branch compiled in sequence, `#if A  p = malloc(32); ... #else  p = malloc(32); ...`
  // reads as two acquisitions in a row: they are alternatives, and only one is ever compiled.
  if (
    leak?.kind === 'overwrite' &&
    acq.withoutDirectives &&
    leak.at.node &&
    /^[ \t]*#[ \t]*(elif|else)\b/m.test(ctx.text.slice(acq.call.endIndex, leak.at.node.startIndex))
  )
    leak = undefined;
  // `head = curr; ... curr = calloc(...)` round a loop: a local copy still points at the old block,
  // which is linked or freed through it; overwriting the name does not lose it.
  if (leak?.kind === 'overwrite' && (res.aliases ?? []).some((a) => !res.wrappers?.includes(a))) leak = undefined;
  // Stored, returned or adopted on some path (`*out = p` on success): the leak is on the others.
  const handOffs =
    leak && releases.length === 0
      ? cfg.blocks.filter(
          (b) =>
            b.node &&
            b !== acquireBlock &&
            b.node.startIndex > acq.call.endIndex &&
            (tracked.effect(b) === 'escape' || wrappers.some((w) => contains(b.node!, w.call))),
        )
      : [];
  const handedOn = handOffs.length > 0;
  // A test that fails (or skips) early ends: only what it never lets go on its normal path counts.
  if (leak && leak.kind !== 'overwrite' && (releases.length > 0 || handedOn) && isCTestFile(ctx.file)) return;
  if (leak) {
    const line = (n: Node) => ctx.lines.point(n.startIndex).line + 1;
    const atNode = leak.at.node;
    const conditions = leak.path
      .filter((b) => b.kind === 'cond' && b.node)
      .slice(-3)
      .map((b) => ({ at: b.node!, message: 'the path to the leak goes through this condition' }));
    let message: string;
    let at: { at: Node; message: string } | undefined;
    const verb = handedOn ? 'handed on' : pair === NEW_PAIR ? 'deleted' : `released with \`${pair.release[0]}()\``;
    if (leak.kind === 'overwrite') {
      message = `${what} is acquired again${atNode ? ` at line ${line(atNode)}` : ''} while the previous one is still held: the previous one leaks.`;
      if (atNode) at = { at: atNode, message: 'acquired again here, the old one still held' };
    } else if (releases.length === 0 && !handedOn) {
      message = `${what} is never ${verb} or handed on in this function: it leaks every time this runs.`;
      if (atNode)
        at = {
          at: atNode,
          message:
            leak.kind === 'throw'
              ? 'leaves by this throw with it held'
              : atNode.type === 'return_statement'
                ? 'returns here with it held'
                : 'the function ends here with it held',
        };
    } else if (leak.kind === 'throw' && atNode) {
      message = `${what} leaks when the \`throw\` at line ${line(atNode)} is taken: it is ${verb} only on other paths.`;
      at = { at: atNode, message: 'leaves by this throw with it held' };
    } else if (atNode && atNode.type === 'return_statement') {
      message = `${what} leaks on the path that returns at line ${line(atNode)}: it is ${verb} only on other paths.`;
      at = { at: atNode, message: 'returns here with it held' };
    } else if (
      atNode &&
      (atNode.type === 'break_statement' || atNode.type === 'continue_statement' || atNode.type === 'goto_statement')
    ) {
      message = `${what} leaks on the path through the \`${atNode.type.replace('_statement', '')}\` at line ${line(atNode)}: it is ${verb} only on other paths.`;
      at = { at: atNode, message: 'this path skips the release' };
    } else {
      message = `${what} is still held when the function ends on some path: it is ${verb} only on other paths.`;
      if (atNode) at = { at: atNode, message: 'the last statement on the leaking path' };
    }
    ctx.report({
      at: acq.call,
      message,
      related: [
        ...(at ? [at] : []),
        ...conditions,
        ...releases.slice(0, 3).map((r) => ({ at: r, message: 'released here, on other paths' })),
        ...handOffs.slice(0, 3).map((b) => ({ at: b.node!, message: 'handed on here, on other paths' })),
      ],
      fixes:
        pair === NEW_PAIR
          ? []
          : raiiFixes(
              ctx,
              acq,
              releases.filter((r) => r.type === 'call_expression'),
            ),
    });
    return;
  }
  // Released on every path; in C++ an exception thrown by a standard container or `new` between
  // acquisition and release still leaks it. Only an allocation failure can throw there: a hint.
  if (ctx.plainC || pair === NEW_PAIR || releases.length === 0) return;
  const unconditional = releases.find((r) => isUnconditional(r, acq.statement.parent!, name));
  if (!unconditional) return;
  // Only a copy out of the resource itself (`out.assign(pixels, pixels + n)`): an unrelated allocation
  // failing between the two is a theoretical exit real projects do not guard against. Not `new
  // Handler(fd)`: the object built takes the resource, and a failed `new` ends the program.
  const throwing = findAll(
    func,
    ['call_expression'],
    (n) =>
      n.startIndex > acq.statement.endIndex &&
      n.startIndex < unconditional.startIndex &&
      throwsInCpp(n) &&
      mentions(n, name),
  )[0];
  // Qt code treats a failed allocation as fatal (qBadAlloc, Q_CHECK_PTR): nothing unwinds to leak it.
  if (!throwing || QT_CODE.test(ctx.text)) return;
  ctx.report({
    at: acq.call,
    severity: 'info',
    message: `${what} is released by hand with \`${pair.release[0]}()\`, but \`${shorten(throwing.text)}\` may throw before that release (allocation failure), and then it leaks. Give it an RAII owner.`,
    related: [
      { at: throwing, message: 'may throw here' },
      { at: unconditional, message: 'the manual release' },
    ],
    fixes: raiiFixes(
      ctx,
      acq,
      releases.filter((r) => r.type === 'call_expression'),
    ),
  });
}

/**
 * What the path search carries besides the resource: preprocessor answers, flags and status codes
 * (c-flags.ts), other pointers' nullness; in that order, as many of each as FACT_BITS leaves room for.
 */
function pathFacts(func: Node, call: Node, name: string, ctx: RuleContext): PathFacts | undefined {
  const memo = <T>(k: string, f: () => T) => ctx.memo(k, f);
  const pre = preprocessorFacts(func, call, memo, 4);
  const flags = flagFacts(func, call, name, 4, memo);
  const used = (pre?.bits ?? 0) + (flags?.bits ?? 0);
  const nulls = nullFacts(func, call, name, memo, Math.min(8, (FACT_BITS - used) / 2));
  return packFacts([pre, flags, nulls]);
}

/** `copied = true;` / `owned = 1;` in the statements right after the acquisition, before any branch. */
function flagsSetAfter(statement: Node, name: string): Set<string> {
  const out = new Set<string>();
  const nullTest = new RegExp(`^\\(?\\s*(!\\s*${name}|${name}\\s*==\\s*(NULL|nullptr|0))\\s*\\)?$`);
  for (let n = statement.nextNamedSibling; n; n = n.nextNamedSibling) {
    // `temp = convert(s); if (!temp) return error; temp_is_copy = true;`: past the failure exit. A
    // test of the resource's own failure (`if (pRes == NULL) { RET_OUT_OF_MEMORY; }`) holds nothing
    // whatever its body does.
    if (
      n.type === 'if_statement' &&
      !n.childForFieldName('alternative') &&
      (alwaysLeaves(n.childForFieldName('consequence')) ||
        nullTest.test(
          n
            .childForFieldName('condition')
            ?.text.replace(/^\((.*)\)$/s, '$1')
            .trim() ?? '',
        ))
    )
      continue;
    if (n.type !== 'expression_statement') break;
    const e = n.namedChild(0);
    const left = e?.childForFieldName('left');
    // `copied = true;`, `*pbMustBeFreed = 1;` (the caller's flag, set through its pointer).
    if (
      e?.type === 'assignment_expression' &&
      (left?.type === 'identifier' || (left?.type === 'pointer_expression' && left.text.startsWith('*'))) &&
      /^(true|1|TRUE|SDL_TRUE)$/.test(e.childForFieldName('right')?.text ?? '')
    )
      out.add(normalizeCondition(left!.text));
  }
  return out;
}

/**
 * Flags that hold the condition the acquisition ran under: `int closefile = (fp == NULL);` then
 * `if (fp == NULL && (fp = fopen(...)) == NULL) return 1;` ... `if (closefile) fclose(fp);`.
 */
function flagsOfGuards(call: Node, func: Node): string[] {
  const conditions = new Set<string>();
  let child: Node = call;
  for (const a of ancestors(call)) {
    if (a.id === func.id) break;
    if (a.type === 'if_statement' && a.childForFieldName('consequence')?.id === child.id) {
      const c = a.childForFieldName('condition');
      if (c) conditions.add(normalizeCondition(c.text));
    }
    if (
      a.type === 'binary_expression' &&
      a.childForFieldName('operator')?.text === '&&' &&
      a.childForFieldName('right')?.id === child.id
    )
      conditions.add(normalizeCondition(a.childForFieldName('left')!.text));
    child = a;
  }
  if (conditions.size === 0) return [];
  const out: string[] = [];
  for (const n of findAll(func, ['init_declarator', 'assignment_expression'], (n) => n.endIndex < call.startIndex)) {
    const value = n.childForFieldName(n.type === 'init_declarator' ? 'value' : 'right');
    const target =
      n.type === 'init_declarator'
        ? declaratorName(n.childForFieldName('declarator'))
        : n.childForFieldName('left')?.text;
    if (value && target && /^\w+$/.test(target) && conditions.has(normalizeCondition(value.text))) out.push(target);
  }
  return out;
}

/**
 * `if (redisInitiateSSL(c, ssl) == REDIS_ERR) { SSL_free(ssl); return C_ERR; }`: released only where
 * the call that was given it failed, so on success the call took it over.
 */
function adoptedOnSuccess(cond: Node, edge: string, res: COwnedResource): boolean {
  if (edge !== 'true' && edge !== 'false') return false;
  const stmt = cond.parent?.type === 'if_statement' ? cond.parent : cond.parent?.parent;
  if (stmt?.type !== 'if_statement') return false;
  const givenIt = (c: Node) =>
    // `adopt(p)`, `adopt(&p)`, `adopt((void *) p)`.
    (c.childForFieldName('arguments')?.namedChildren ?? []).some(
      (a) => a?.text.replace(/^[&(]+|\)+$/g, '') === res.name || argumentVariable(a) === res.name,
    );
  const status = statusCallBefore(stmt, cond);
  // `bool ok = request(q, file); if (!ok) free(file);`: the status the call left is what is tested.
  // Not a call that fills it (`r = enumerate(dev, &n, props); if (r != OK) { free(props); return 0; }`):
  // one that took it over leaves nothing of it to this function after the test.
  if (status && givenIt(status) && !usedAfter(stmt, res.name)) return failureBranchReleases(stmt, edge, res, [status]);
  const given = findAll(cond, 'call_expression', givenIt);
  if (given.length === 0) return false;
  // Only a call whose own result is the test (`if (!adopt(p))`, `if (adopt(p) != OK)`) says it failed;
  // `if (expected_bands(img) != needs_bands(p))` compares two queries.
  if (!given.every((c) => testsOwnStatus(cond, c))) return false;
  return failureBranchReleases(stmt, edge, res, given);
}

/** What a status is compared with: a number, an enumerator or macro (`SQLITE_OK`), a null or a boolean. */
const STATUS_CONSTANT = /^(-?\d+|[A-Z][A-Z0-9_]*|NULL|nullptr|true|false)$/;

/** `name` appears in the function after `stmt`. */
function usedAfter(stmt: Node, name: string): boolean {
  const func = [...ancestors(stmt)].find((a) => a.type === 'function_definition');
  if (!func) return true;
  return new RegExp(`\\b${name}\\b`).test(func.text.slice(stmt.endIndex - func.startIndex));
}

/** The function's last statement: a branch of it that falls through leaves the function. */
function endsFunction(stmt: Node): boolean {
  let next = stmt.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  return !next && stmt.parent?.type === 'compound_statement' && stmt.parent.parent?.type === 'function_definition';
}

/** The call whose result the statement before `stmt` kept in the variable `cond` tests (`ok = f(p); if (!ok)`). */
function statusCallBefore(stmt: Node, cond: Node): Node | undefined {
  let top = unwrap(cond);
  while (top.type === 'unary_expression' && top.child(0)?.text === '!') top = unwrap(top.namedChild(0)!);
  if (top.type === 'binary_expression' && /^(==|!=|<|<=|>|>=)$/.test(top.childForFieldName('operator')?.text ?? '')) {
    const right = top.childForFieldName('right');
    if (!right || !STATUS_CONSTANT.test(right.text.trim())) return undefined;
    top = unwrap(top.childForFieldName('left')!);
  }
  if (top.type !== 'identifier') return undefined;
  let before = stmt.previousNamedSibling;
  while (before?.type === 'comment') before = before.previousNamedSibling;
  if (!before) return undefined;
  let value: Node | null = null;
  if (before.type === 'declaration') {
    const init = before.namedChildren.find((c) => c?.type === 'init_declarator');
    if (init?.childForFieldName('declarator')?.text === top.text) value = init.childForFieldName('value');
  } else if (before.type === 'expression_statement') {
    const assign = before.namedChild(0);
    if (assign?.type === 'assignment_expression' && assign.childForFieldName('left')?.text === top.text)
      value = assign.childForFieldName('right');
  }
  return value?.type === 'call_expression' ? value : undefined;
}

/** On `edge` out of `stmt`'s condition the calls in `given` succeeded, when the failure branch releases and leaves. */
function failureBranchReleases(stmt: Node, edge: 'true' | 'false', res: COwnedResource, given: Node[]): boolean {
  // Not the resource's own library (`WebPPictureImportRGB(&pic)` failing is cleaned up after, not adopted).
  const adopter = (c: Node) => {
    const fn = c.childForFieldName('function')?.text ?? '';
    return (
      !isReleaseOf(c, res) &&
      !res.pair.acquire.includes(fn) &&
      !(res.pair.allocates ?? []).includes(fn) &&
      !borrowsHandle(fn, res.pair)
    );
  };
  if (!given.every(adopter)) return false;
  const branch = (which: 'consequence' | 'alternative') => stmt.childForFieldName(which);
  const releasesIn = (n: Node | null) =>
    !!n &&
    findAll(n, ['call_expression', 'delete_expression'], (c) => isReleaseOf(c, res)).length > 0 &&
    (alwaysLeaves(n) || endsFunction(stmt));
  // The failure branch releases and leaves; the other branch is the success, where the callee owns it.
  if (edge === 'false' && releasesIn(branch('consequence'))) return true;
  if (edge === 'true' && releasesIn(branch('alternative'))) return true;
  return false;
}

function testsOwnStatus(cond: Node, call: Node): boolean {
  const top = unwrap(cond);
  // Up from the call to the condition, through `!`, parentheses, a comparison with a constant, and
  // `||`/`&&` (`if (!ns || alloc_sock(ns) < 0)`): the call's own result is what is tested.
  for (let n: Node = call; n.id !== top.id;) {
    const p = n.parent;
    if (!p || !contains(cond, p)) return false;
    if (p.type === 'parenthesized_expression' || (p.type === 'unary_expression' && p.child(0)?.text === '!')) {
      n = p;
      continue;
    }
    if (p.type !== 'binary_expression') return false;
    const op = p.childForFieldName('operator')?.text ?? '';
    if (/^(\|\||&&|or|and)$/.test(op)) {
      n = p;
      continue;
    }
    if (!/^(==|!=|<|<=|>|>=)$/.test(op)) return false;
    const other = p.childForFieldName('left')?.id === n.id ? p.childForFieldName('right') : p.childForFieldName('left');
    if (!other || !STATUS_CONSTANT.test(other.text.trim())) return false;
    n = p;
  }
  return true;
}

/** The conditions of the ifs around the acquisition, with the branch it sits in (`if (big) p = malloc(n);`). */
function guardsOf(call: Node, func: Node): Map<string, 'true' | 'false'> {
  const out = new Map<string, 'true' | 'false'>();
  let child: Node = call;
  for (const a of ancestors(call)) {
    if (a.id === func.id) break;
    // `if ((capture_in && pipe(in) < 0) || ...)`: the acquisition runs only where `capture_in` held.
    if (a.type === 'binary_expression' && /^(&&|and)$/.test(a.childForFieldName('operator')?.text ?? '')) {
      const left = a.childForFieldName('left');
      if (left && a.childForFieldName('right')?.id === child.id && !contains(left, call))
        out.set(normalizeCondition(left.text), 'true');
    }
    if (a.type === 'if_statement') {
      const cond = a.childForFieldName('condition');
      // Only conditions that the acquisition does not itself take part in.
      if (cond && !contains(cond, call)) {
        const edge = a.childForFieldName('consequence')?.id === child.id ? 'true' : 'false';
        out.set(normalizeCondition(cond.text), edge);
        // `if (flags & JOB_PTY) ... else acquire` ... `if (~flags & JOB_PTY) release`: the same bit, negated.
        const bit = /^\(?([\w.>-]+)&([\w.>-]+)\)?$/.exec(normalizeCondition(cond.text));
        if (bit) out.set(`~${bit[1]}&${bit[2]}`, edge === 'true' ? 'false' : 'true');
        // `if ((B = A) == NULL) B = malloc(n);` ... `if (A == NULL) free(B);`: the same test of A.
        const copied = normalizeCondition(cond.text).replace(/^\((\w+)=(\w+)\)/, '$2');
        for (const key of [copied, normalizeCondition(cond.text)]) {
          const n = nullTest(key);
          if (n) out.set(`null:${n.subject}`, n.nullWhenTrue === (edge === 'true') ? 'true' : 'false');
        }
      }
    }
    child = a;
  }
  return out;
}

/** A later test of the same condition goes the way it went at the acquisition (`if (big) free(p);`). */
/**
 * `if (snprintf(buf, n, "%s-%d", name, i) < 0)`, or `err = snprintf(...); if (err < 0)`: a formatted
 * print fails only on a wide-character conversion (`%ls`, `%lc`) it cannot encode, so with a format
 * that has none (a literal, or a local set to one) that branch is never taken.
 */
function formatCannotFail(cond: Node, func: Node): boolean {
  const m = /^\(?\s*(.+?)\s*(<\s*0|==\s*-1|<=\s*-1)\s*\)?$/s.exec(cond.text.trim());
  if (!m) return false;
  let call = /^[\w:]*snprintf\s*\(/.test(m[1]) ? m[1] : undefined;
  if (!call && /^\w+$/.test(m[1])) {
    // The last assignment of the variable before the test.
    const before = func.text.slice(0, cond.startIndex - func.startIndex);
    const sets = [
      ...before.matchAll(new RegExp(`\\b${m[1]}\\s*=\\s*([\\w:]*snprintf\\s*\\([^;]*\\))\\s*;|\\b${m[1]}\\s*=`, 'g')),
    ];
    call = sets.at(-1)?.[1];
  }
  if (!call) return false;
  // The format: the third argument (after the buffer and its size).
  const format = call
    .slice(call.indexOf('(') + 1)
    .split(',')
    .map((a) => a.trim())[2];
  if (!format) return false;
  const literal = /^"/.test(format)
    ? format
    : new RegExp(`\\b${format.replace(/\W/g, '')}\\s*=\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(func.text)?.[1];
  return !!literal && !/%[-+ #0-9.*]*l[sc]/.test(literal);
}

function feasible(cond: Node, edge: string, guards: Map<string, 'true' | 'false'>): boolean {
  if (guards.size === 0 || (edge !== 'true' && edge !== 'false')) return true;
  const key = normalizeCondition(cond.text);
  const g = guards.get(key);
  if (g !== undefined) return g === edge;
  // `if (len == 0 && type == NOTIFICATION) return;` after `if (len > 0 && (data = malloc(len)) == NULL)`:
  // true only when both sides can be, false when either can.
  const e = unwrap(cond);
  if (e.type === 'binary_expression' && e.childForFieldName('operator')?.text === '&&') {
    const [l, r] = [e.childForFieldName('left')!, e.childForFieldName('right')!];
    return edge === 'true'
      ? feasible(l, 'true', guards) && feasible(r, 'true', guards)
      : feasible(l, 'false', guards) || feasible(r, 'false', guards);
  }
  const ordered = orderedFeasible(key, edge === 'true', guards);
  if (ordered !== undefined) return ordered;
  const among = amongConstantsFeasible(key, edge === 'true', guards);
  if (among !== undefined) return among;
  // `fd == -1` after a guard `fd != -1`: the same test, negated.
  if (!/&&|\|\|/.test(key) && (key.match(/[!=]=/g) ?? []).length === 1) {
    const negated = guards.get(key.includes('==') ? key.replace('==', '!=') : key.replace('!=', '=='));
    if (negated !== undefined) return negated !== edge;
  }
  // `if (strcmp(name, "-"))` after `if (!strcmp(name, "-")) fp = stdin; else fp = fopen(name, "r");`.
  const flipped = guards.get(key.startsWith('!') ? normalizeCondition(key.slice(1)) : `!${key}`);
  if (flipped !== undefined && !/&&|\|\|/.test(key)) return flipped !== edge;
  const tied = tiedGuard(cond.text, guards);
  if (tied !== undefined) return (edge === 'true') === tied;
  // The same null test written another way (`if (!A)` after `if (A == NULL)`).
  const n = nullTest(key);
  const isNull = n && guards.get(`null:${n.subject}`);
  if (!n || isNull === undefined) return true;
  return (edge === 'true') === (n.nullWhenTrue === (isNull === 'true'));
}

/** Where a value lies against a constant, for each comparison that holds: below, at, above. */
const ORDER_OUTCOMES: Record<string, number> = {
  '<': 0b001,
  '==': 0b010,
  '>': 0b100,
  '<=': 0b011,
  '>=': 0b110,
  '!=': 0b101,
};
const ORDERED_TEST = /^([\w.>\[\]-]+?)(==|!=|<=|>=|<|>)(-?\w+)$/;

/**
 * `len == 0` after a guard `len > 0` went true: the same value against the same constant, compared
 * another way. Whether `key` can go the way asked given the guards on that value; undefined if none.
 */
function orderedFeasible(key: string, want: boolean, guards: Map<string, 'true' | 'false'>): boolean | undefined {
  const m = ORDERED_TEST.exec(key);
  if (!m || m[1].endsWith('-')) return undefined;
  let possible = 0b111;
  let known = false;
  for (const [guard, went] of guards) {
    const g = ORDERED_TEST.exec(guard);
    if (!g || g[1] !== m[1] || g[3] !== m[3]) continue;
    possible &= went === 'true' ? ORDER_OUTCOMES[g[2]] : ~ORDER_OUTCOMES[g[2]] & 0b111;
    known = true;
  }
  if (!known) return undefined;
  return ((want ? ORDER_OUTCOMES[m[2]] : ~ORDER_OUTCOMES[m[2]] & 0b111) & possible) !== 0;
}

const EQUALS_CONSTANT = /^([\w.>-]+?)==(-?\d+|[A-Z][A-Z0-9_]*|'.')$/;

/**
 * `type == SEND` after a guard `type == RECV_ACTIVE || type == RECV_PASSIVE` went true: the value is one
 * of those constants, so equal to another it is not (distinct names of an enum or of macros stand for
 * distinct values). Undefined when no guard pins the value down that way.
 */
function amongConstantsFeasible(
  key: string,
  want: boolean,
  guards: Map<string, 'true' | 'false'>,
): boolean | undefined {
  const m = EQUALS_CONSTANT.exec(key.replace(/[()]/g, ''));
  if (!m) return undefined;
  for (const [guard, went] of guards) {
    if (went !== 'true') continue;
    const parts = guard
      .replace(/[()]/g, '')
      .split('||')
      .map((p) => EQUALS_CONSTANT.exec(p));
    if (!parts.every((p) => p && p[1] === m[1])) continue;
    const values = new Set(parts.map((p) => p![2]));
    return want ? values.has(m[2]) : !(values.size === 1 && values.has(m[2]));
  }
  return undefined;
}

/** `mesh->mNormals != nullptr`: the object tested, the words of what is tested, and whether it asks "present?". */
function memberTest(text: string): { base: string; words: Set<string>; present: boolean } | undefined {
  const t = normalizeCondition(text);
  const m = /^(!?)(\w+)(?:->|\.)(\w+)(\(\))?(?:(!=|==)(nullptr|NULL|0))?$/.exec(t);
  if (!m) return undefined;
  const words = new Set(
    m[3]
      .replace(/^m_?(?=[A-Z_])/, '')
      .split(/_|(?=[A-Z][a-z])/)
      .map((w) => w.toLowerCase())
      .filter((w) => w.length >= 4 && !/^(has|have|get|count|size|num|number|valid|enabled?)$/.test(w)),
  );
  if (words.size === 0) return undefined;
  const negated = (m[1] === '!') !== (m[5] === '==');
  return { base: m[2], words, present: !negated };
}

/**
 * A test of the same object's same part, written another way (`if (mesh->HasNormals())` at the
 * allocation, `if (mesh->mNormals != nullptr)` at the store): it goes the way the first one went.
 * Returns whether the later test is true on the acquisition's paths, or undefined when not tied.
 */
function tiedGuard(text: string, guards: Map<string, 'true' | 'false'>): boolean | undefined {
  const later = memberTest(text);
  if (!later) return undefined;
  for (const [key, edge] of guards) {
    const first = memberTest(key);
    if (!first || first.base !== later.base || ![...later.words].some((w) => first.words.has(w))) continue;
    const firstPresent = (edge === 'true') === first.present;
    return later.present === firstPresent;
  }
  return undefined;
}

/** Locals constructed with `name` among their arguments: `T obj(a, name)`. */
function constructorHolders(func: Node, name: string): string[] {
  return findAll(func, 'identifier', (n) => n.text === name)
    .map((use) => use.parent?.type === 'argument_list' && use.parent.parent)
    .filter((d): d is Node => !!d && d.type === 'init_declarator')
    .map((d) => d.childForFieldName('declarator'))
    .filter((d): d is Node => d?.type === 'identifier')
    .map((d) => d.text);
}

/** Element types of a single allocation that are buffers, not records. */
const SCALAR_TYPE =
  /^(void|char|signed char|unsigned char|u?int\d*(_t)?|g?u?char|g?u?int\d*|g?u?short|g?u?long|gsize|gssize|size_t|ssize_t|float|double|gfloat|gdouble|byte|BYTE|uchar|wchar_t|gunichar|bool|gboolean)$/;

/**
 * Whether `call` allocates one struct (`g_new0(IGNORE_REC, 1)`, `calloc(1, sizeof(struct x))`,
 * `malloc(sizeof *rec)`) rather than a buffer, or `name`'s fields are filled in `func` (`rec->mask = ...`).
 */
function isRecordAllocation(call: Node, name: string, func: Node): boolean {
  if (call.type !== 'call_expression') return false;
  const fn = call.childForFieldName('function')?.text ?? '';
  const args = callArguments(call);
  const one = (a: Node | undefined) => a?.text === '1';
  const structSize = (a: Node | undefined): boolean => {
    const m = /^sizeof\s*\(?\s*(.*?)\s*\)?$/.exec(a?.text ?? '');
    if (!m) return false;
    const of = m[1];
    return of.startsWith('*') || /^(struct|union)\s/.test(of) || (/^\w+$/.test(of) && !SCALAR_TYPE.test(of));
  };
  if (/^g_(try_)?new0?$|^g_slice_new0?$/.test(fn))
    return (
      !!args[0] &&
      !SCALAR_TYPE.test(args[0].text.replace(/\s+/g, ' ')) &&
      !args[0].text.includes('*') &&
      (fn.startsWith('g_slice') || one(args[1]))
    );
  if (
    /calloc$/.test(fn) &&
    args.length === 2 &&
    ((one(args[0]) && structSize(args[1])) || (one(args[1]) && structSize(args[0])))
  )
    return true;
  if (/malloc$|zalloc$/.test(fn) && args.length === 1 && structSize(args[0])) return true;
  // Fields assigned through the pointer: `rec->mask = g_strdup(mask);`.
  return (
    findAll(func, 'field_expression', (f) => {
      if (f.childForFieldName('argument')?.text !== name || !f.text.includes('->')) return false;
      const up = f.parent;
      return up?.type === 'assignment_expression' && up.childForFieldName('left')?.id === f.id;
    }).length > 0
  );
}

/** Whether a path from `at`'s block reaches one of `deletes` without passing the acquisition again. */
function deleteReachable(cfg: Cfg, acquireBlock: CfgBlock, at: Node, deletes: Node[]): boolean {
  const start = blockOf(cfg, at);
  if (!start) return false;
  const targets = new Set(deletes.map((d) => blockOf(cfg, d)).filter((b) => b !== undefined));
  const seen = new Set<CfgBlock>([start, acquireBlock]);
  const queue = [start];
  while (queue.length) {
    const b = queue.pop()!;
    if (targets.has(b)) return true;
    for (const e of b.succ) {
      // Only normal flow: a delete in a catch handler does not make the call before it a borrow.
      if (e.kind === 'exception' || seen.has(e.to)) continue;
      seen.add(e.to);
      queue.push(e.to);
    }
  }
  return false;
}

function blockOf(cfg: Cfg, node: Node): CfgBlock | undefined {
  for (let n: Node | null = node; n; n = n.parent) {
    const b = cfg.blockOf.get(n.id);
    if (b) return b;
  }
  return undefined;
}

function isReleaseOf(n: Node, res: COwnedResource): boolean {
  if (n.type === 'delete_expression') return res.isNew && mentions(n, res.name);
  if (n.type === 'declaration') return releasedAfterMacro(n, res);
  const fn = n.childForFieldName('function')?.text ?? '';
  // `free(buf)` after `buf = newbuf`: released through an alias. `lib.TIFFClose(t)`: through a table.
  // `tr_net_close_socket(fd)`: a project's release-named call, as the lifetime analysis reads it.
  const field = fn.replace(/^.*(\.|->)/, '');
  return (
    (res.pair.release.includes(fn) ||
      res.releasers.has(fn) ||
      res.pair.release.includes(field) ||
      RELEASE_NAME.test(field.replace(/^.*::/, ''))) &&
    [res.name, ...(res.aliases ?? [])].some((name) => mentions(n, name))
  );
}

const QT_CODE = /^[ \t]*#[ \t]*include[ \t]*<Qt?[A-Z]\w*>|\bQ(String|List|Map|Hash|Vector|ByteArray)\b[<:]/m;

/** Standard-library operations that allocate (and so may throw bad_alloc): the C++ hint's only sources. */
const STD_ALLOCATING = new Set([
  'push_back',
  'emplace_back',
  'push_front',
  'emplace_front',
  'insert',
  'emplace',
  'assign',
  'resize',
  'reserve',
  'append',
  'at',
]);
function throwsInCpp(n: Node): boolean {
  if (n.type === 'new_expression') return !/\bnothrow\b/.test(n.text);
  const fn = n.childForFieldName('function');
  if (fn?.type === 'field_expression' && fn.child(1)?.text === '.')
    return STD_ALLOCATING.has(fn.childForFieldName('field')?.text ?? '');
  return /^(std::make_unique|std::make_shared|std::to_string)\b/.test(fn?.text ?? '');
}

export type { Acquisition };

function describe(acq: Acquisition): string {
  if (acq.pair === NEW_PAIR) return `\`${acq.name}\` from \`new ${acq.call.childForFieldName('type')?.text ?? ''}\``;
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
  return (
    call?.type === 'call_expression' &&
    /^(static_cast|reinterpret_cast|const_cast)\b/.test(fn?.text ?? '') &&
    parent.namedChildCount === 1 &&
    parent.namedChild(0)?.id === child.id
  );
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

/**
 * `std::unique_ptr<T, D> o(p, ...)` or `o.reset(p)`: a smart pointer; a lambda (scope guard) that
 * releases `p`, wherever it is written: a lambda.
 */
function ownerOf(use: Node, func: Node): 'smart' | 'lambda' | undefined {
  let owner: 'smart' | undefined;
  for (const a of ancestors(use)) {
    if (a.id === func.id) break;
    if (a.type === 'lambda_expression') return 'lambda';
    if (owner) continue;
    if (
      (a.type === 'declaration' || a.type === 'field_declaration') &&
      SMART_OWNER.test(a.childForFieldName('type')?.text ?? '')
    )
      owner = 'smart';
    if (a.type === 'call_expression') {
      const fn = a.childForFieldName('function')?.text ?? '';
      if (SMART_OWNER.test(fn) || /\.reset$|->reset$/.test(fn)) owner = 'smart';
    }
  }
  return owner;
}

/** In the acquisition's statement or the one right after it: nothing can leave the function in between. */
function ownedAtOnce(use: Node, acq: Acquisition): boolean {
  const at = statementOf(use);
  return !!at && (at.id === acq.statement.id || acq.statement.nextNamedSibling?.id === at.id);
}

/** `meshes.push_back(p)`, `items.insert(key, p)`, `list->append(p)`: kept by a container that is not a local. */
const CONTAINER_ADD = /^(push_back|push_front|emplace_back|emplace_front|emplace|insert|append|prepend|add|push)$/;
function keptInContainer(use: Node, func: Node): boolean {
  const call = use.parent?.type === 'argument_list' ? use.parent.parent : undefined;
  const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
  if (fn?.type !== 'field_expression' || !CONTAINER_ADD.test(fn.childForFieldName('field')?.text ?? '')) return false;
  const container = fn.childForFieldName('argument');
  if (!container) return false;
  if (container.type === 'identifier') return !declaredLocally(func, container.text);
  return /^(field_expression|this)$/.test(container.type);
}

/** The type written in the local declaration of `name`, if any. */
/** `int fds[2];` in this body: an array of its own, not a parameter's, a static or a member. */
function localArray(body: Node, name: string): boolean {
  return findAll(body, 'array_declarator', (n) => n.childForFieldName('declarator')?.text === name).some((d) =>
    [...ancestors(d)].some(
      (a) =>
        a.type === 'declaration' &&
        !a.namedChildren.some((c) => c?.type === 'storage_class_specifier' && /^(static|extern)$/.test(c.text)),
    ),
  );
}

/** Declared in the function (a local or a parameter), not a member or a global. */
function declaredLocally(body: Node, name: string): boolean {
  const fn = body.parent;
  const scope = fn?.type === 'function_definition' || fn?.type === 'lambda_expression' ? fn : body;
  const decls = findAll(
    scope,
    ['init_declarator', 'declaration', 'parameter_declaration', 'pointer_declarator'],
    (n) => n.childForFieldName('declarator')?.text.replace(/^[*&\s]+/, '') === name,
    ['lambda_expression'],
  );
  // `static char* buf;` lives across calls: it is kept, not leaked; `extern char **environ;` is a global.
  const isStatic = (n: Node) =>
    [n, ...ancestors(n)].some(
      (a) =>
        a.type === 'declaration' &&
        a.namedChildren.some((c) => c?.type === 'storage_class_specifier' && /^(static|extern)$/.test(c.text)),
    );
  return decls.length > 0 && !decls.some(isStatic);
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
  const t = normalizeCondition(condition.text);
  const n = name.replace(/[$]/g, '\\$&');
  return new RegExp(`^(!?${n}|${n}(==|!=)(NULL|nullptr|0)|(NULL|nullptr|0)(==|!=)${n}|!\\(${n}\\))$`).test(t);
}
