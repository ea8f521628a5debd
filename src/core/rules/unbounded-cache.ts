// unbounded-cache: a cache with no bound keeps every key and value it ever saw (seed 003's Pipeline
// cache): lru_cache(maxsize=None), functools.cache, lru_cache on methods (keeps `self` alive),
// builder APIs whose cache size defaults to None, module/class dict memos only inserted into, and
// C++ static maps used as caches.
import type { Node } from 'web-tree-sitter';
import { argument, ensureImport, importsOf, qualify } from '../python/imports';
import { definesMain } from '../flow/c-ownership';
import { isTestTree } from '../python/test-code';
import { anchorFinds, defineRule, type RuleContext } from '../rule';
import { ancestors, findAll } from '../tree';
import type { Fix, TextEdit } from '../types';
import type { LeakLensConfig } from '../config-types';

export const DEFAULT_CACHE_BOUND = 1024;
const LRU = new Set(['functools.lru_cache']);
const UNBOUNDED = new Set(['functools.cache']);
const CPP_MAPS = new Set(['map', 'unordered_map']);

/** `from functools import lru_cache as memo`: the alias the decorator then goes by. */
const CACHE_ALIAS = /\b(?:lru_cache|cache|cached|cachedmethod)\s+as\s+([A-Za-z_]\w*)/g;

/**
 * Where a Python match can start: a decorator naming a cache (`@functools.cache`, a configured
 * decorator, an import alias of one), a `*cache(` call, or a `def *cache*(` with a size parameter.
 */
let lastAnchor: { text: string; config: LeakLensConfig; anchor: RegExp } | undefined;
function pythonAnchor(config: LeakLensConfig, text: string): RegExp {
  // mayMatch and the engine both ask, once each per file: built once.
  if (lastAnchor?.text === text && lastAnchor.config === config) return lastAnchor.anchor;
  const words = [
    '\\w*cache\\w*',
    ...config.cacheDecorators.map((d) =>
      d
        .split('.')
        .pop()!
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    ),
    ...Array.from(text.matchAll(CACHE_ALIAS), (m) => m[1]),
  ];
  const anchor = new RegExp(
    `@(?<=^[ \\t]*@)[ \\t]*[\\w.]*\\b(?:${words.join('|')})\\b|cache\\s*\\(|\\bdef\\s+\\w*cache`,
    'gim',
  );
  lastAnchor = { text, config, anchor };
  return anchor;
}

export const unboundedCache = defineRule({
  id: 'unbounded-cache',
  equivalents: ['ruff:B019', 'pylint:method-cache-max-size-none', 'pylint:W1518'],
  summary: 'A cache with no size bound (or one that keeps `self` alive) keeps every entry it ever saw.',
  languages: ['python', 'cpp'],
  defaultSeverity: 'warning',
  optIn:
    'On 217 real projects none of its 7 findings was judged a real leak risk: the caches were keyed by small fixed domains or sat on single long-lived instances.',
  accumulates: true,
  // Read from the whole text: `Cls.method.cache_clear()` anywhere, the helper a fix inserted.
  fileFacts: (text) =>
    [
      ...Array.from(text.matchAll(/\b(\w+)\s*\.\s*cache_clear\s*\(/g), (m) => m[1]),
      text.includes(`def ${INSTANCE_CACHE_HELPER}(`),
    ].join(','),
  options: [
    {
      name: 'cacheDecorators',
      doc: 'Python decorators (dotted, as written) that cache without a bound.',
      schema: { type: 'array', items: { type: 'string' } },
      default: [],
      example: ['memoize'],
      merge: 'append',
      topLevelAlias: true,
    },
  ],
  query: {
    // Separate top-level patterns, not one [alternation]: predicates apply to a whole pattern.
    python: `
      (decorator) @decorator
      (function_definition name: (identifier) @fname parameters: (parameters [(default_parameter name: (identifier) @param value: (none) @none) (typed_default_parameter name: (identifier) @param value: (none) @none)]))
      (call function: (attribute attribute: (identifier) @method) arguments: (argument_list (keyword_argument name: (identifier) @kw value: (none) @none)) (#match? @method "cache$") (#match? @kw "^(maxsize|max_size|size)$")) @builderCall
    `,
    cpp: `(declaration (storage_class_specifier) @storage type: (qualified_identifier scope: (namespace_identifier) @ns name: (template_type name: (type_identifier) @tname)) declarator: (identifier) @name (#eq? @storage "static") (#eq? @ns "std")) @decl`,
  },
  captures: {
    decorator: { python: 'decorator' },
    fname: { python: 'identifier' },
    param: { python: 'identifier' },
    none: { python: 'none' },
    method: { python: 'identifier' },
    kw: { python: 'identifier' },
    builderCall: { python: 'call' },
    storage: { cpp: 'storage_class_specifier' },
    ns: { cpp: 'namespace_identifier' },
    tname: { cpp: 'type_identifier' },
    name: { cpp: 'identifier' },
    decl: { cpp: 'declaration' },
  },
  // Every Python pattern starts where the anchor finds a place: a file with none cannot match.
  mayMatch: (text, language, config) =>
    language === 'python'
      ? anchorFinds(pythonAnchor(config, text), text)
      : /\bstatic\b[^;\n]*std::(unordered_)?map\b/.test(text),
  // Python matches start at a cache decorator, a `*cache(` call, or a `def *cache*(`: the query runs around
  // those, not over every node of the tree (the walk alone cost more than all the rules' checks).
  anchor: (language, config, text) => (language === 'python' ? pythonAnchor(config, text) : undefined),
  check(match, ctx) {
    const c = match.captures;
    if (ctx.language === 'cpp')
      return checkCppStaticMap(c.get('decl')!, c.get('tname')!.text, c.get('name')!.text, ctx);
    if (c.has('decorator')) return checkDecorator(c.get('decorator')!, ctx);
    if (c.has('fname')) return checkBuilderDefault(c.get('fname')!, c.get('param')!, c.get('none')!, ctx);
    if (c.has('builderCall')) {
      const none = c.get('none')!;
      // `@lru_cache(maxsize=None)` is the decorator's finding, not a builder call's.
      if (c.get('builderCall')!.parent?.type === 'decorator') return;
      return void ctx.report({
        at: c.get('builderCall')!,
        message: `\`${c.get('kw')!.text}=None\` makes this cache unbounded: every distinct key (e.g. per-frame parameters) adds an entry that is never evicted. Give it a size.`,
        fixes: [
          {
            title: `Bound the cache to ${DEFAULT_CACHE_BOUND} entries`,
            isPreferred: true,
            applicability: 'unsafe',
            edits: [{ start: none.startIndex, end: none.endIndex, newText: String(DEFAULT_CACHE_BOUND) }],
          },
        ],
      });
    }
  },
});

function checkDecorator(decorator: Node, ctx: RuleContext): void {
  const expr = decorator.namedChild(0);
  if (!expr) return;
  const imports = importsOf(ctx);
  const callee = expr.type === 'call' ? expr.childForFieldName('function')! : expr;
  const name = qualify(callee, imports);
  const extra = ctx.config.cacheDecorators.includes(callee.text) || ctx.config.cacheDecorators.includes(name);
  const isLru = LRU.has(name);
  // `@cachetools.cached(cache={})`: a plain dict as the cache never evicts.
  if (/^cachetools\.(cached|cachedmethod)$/.test(name) && expr.type === 'call') {
    const store = argument(expr.childForFieldName('arguments'), 0, 'cache');
    if (store && /^(\{\s*\}|dict\(\s*\))$/.test(store.text)) {
      ctx.report({
        at: decorator,
        message: `\`@${expr.text}\` stores results in a plain dict, which never evicts: every distinct argument and its result stay in memory forever. Use cachetools.LRUCache(maxsize=...) or TTLCache.`,
      });
    }
    return;
  }
  if (!isLru && !UNBOUNDED.has(name) && !extra) return;
  const args = expr.type === 'call' ? expr.childForFieldName('arguments') : null;
  const maxsize = isLru ? argument(args, 0, 'maxsize') : undefined;
  // `@lru_cache` bare or `@lru_cache()` default to 128; `@lru_cache(user_function)` is bare too.
  const unbounded = !isLru || maxsize?.type === 'none';
  const method = instanceMethod(decorator);
  if (isTestTree(ctx.file)) return;
  // On a module-level function the argument domain decides, and real code mostly caches a handful
  // of values (no arguments, a few flags, one per site): seen on real projects, those reports were
  // noise. On a method an unbounded cache also pins every `self` it saw; a bounded one pins at most
  // maxsize instances, which real projects (value objects, a few long-lived instances) accept.
  if (!method || !unbounded) return;
  // `self.binding_for_help.cache_clear()` somewhere in the file: the class empties it itself.
  if (new RegExp(`\\b${method}\\s*\\.\\s*cache_clear\\s*\\(`).test(ctx.text)) return;
  // `@cache def version(self)`: one entry per instance, a memo of the object's own property. It pins
  // only instances that were used, and the classes real code memoizes this way (plugins, engines,
  // themes, singletons) are made a few times per process: every such report judged was a false alarm.
  if (selfOnly(decorator)) return;
  const bounded = isLru
    ? `${callee.text}(maxsize=${DEFAULT_CACHE_BOUND})`
    : `functools.lru_cache(maxsize=${DEFAULT_CACHE_BOUND})`;
  const fixes: Fix[] = [];
  if (method) {
    // A cache that lives on the instance dies with it, so it no longer pins every `self`.
    const size = maxsize && maxsize.type !== 'none' ? maxsize.text : String(DEFAULT_CACHE_BOUND);
    fixes.push({
      title: `Cache per instance (maxsize=${size}): a class-level lru_cache keeps every \`self\` alive`,
      isPreferred: true,
      applicability: 'unsafe',
      edits: [
        { start: expr.startIndex, end: expr.endIndex, newText: `${INSTANCE_CACHE_HELPER}(maxsize=${size})` },
        ...instanceCacheHelper(ctx),
      ],
    });
  } else if (unbounded) {
    const edits = maxsize
      ? [{ start: maxsize.startIndex, end: maxsize.endIndex, newText: String(DEFAULT_CACHE_BOUND) }]
      : [
          { start: expr.startIndex, end: expr.endIndex, newText: bounded },
          ...(isLru ? [] : ensureImport(ctx, 'functools')),
        ];
    // Unsafe: an evicted entry is computed again, so a function cached for identity (one instance
    // per key) would hand out a second object.
    fixes.push({
      title: `Bound the cache to ${DEFAULT_CACHE_BOUND} entries`,
      isPreferred: true,
      applicability: 'unsafe',
      edits,
    });
  }
  const what = unbounded
    ? `\`@${expr.text}\` caches without a bound: every distinct argument tuple and its result stay in memory forever`
    : `\`@${expr.text}\` is bounded`;
  const selfNote = method
    ? `${unbounded ? '; and' : ', but'} on the method \`${method}\` it also keeps every \`self\` it was called with alive (the cache holds a reference), so instances are never freed`
    : '';
  ctx.report({ at: decorator, message: `${what}${selfNote}.`, fixes });
}

export const INSTANCE_CACHE_HELPER = '_leaklens_instance_cache';

/** The per-instance cache decorator, written once into the module (stdlib only). */
function instanceCacheHelper(ctx: RuleContext): TextEdit[] {
  if (ctx.text.includes(`def ${INSTANCE_CACHE_HELPER}(`)) return [];
  const eol = ctx.lines.eol();
  const imports = ctx.root.namedChildren.filter(
    (c) => c && (c.type === 'import_statement' || c.type === 'import_from_statement'),
  );
  const at = imports.length ? imports[imports.length - 1]!.endIndex : 0;
  const helper = [
    '',
    '',
    `def ${INSTANCE_CACHE_HELPER}(maxsize=128):`,
    '    """lru_cache kept on each instance, so it does not keep `self` alive (inserted by LeakLens)."""',
    '    def decorator(method):',
    '        attr = "_leaklens_cache_" + method.__name__',
    '',
    '        @functools.wraps(method)',
    '        def wrapper(self, *args, **kwargs):',
    '            cached = self.__dict__.get(attr)',
    '            if cached is None:',
    '                cached = functools.lru_cache(maxsize=maxsize)(functools.partial(method, self))',
    '                self.__dict__[attr] = cached',
    '            return cached(*args, **kwargs)',
    '        return wrapper',
    '    return decorator',
    '',
  ].join(eol);
  return [
    ...ensureImport(ctx, 'functools'),
    { start: at, end: at, newText: at === 0 ? helper.trimStart() + eol : helper },
  ];
}

function selfOnly(decorator: Node): boolean {
  const params =
    decorator.parent?.childForFieldName('definition')?.childForFieldName('parameters')?.namedChildren ?? [];
  return params.length === 1;
}

/** The decorated function's name when it is an instance method (first parameter `self`, not static/class). */
function instanceMethod(decorator: Node): string | undefined {
  const decorated = decorator.parent;
  if (decorated?.type !== 'decorated_definition') return undefined;
  if (decorated.namedChildren.some((d) => d?.type === 'decorator' && /^@\s*(staticmethod|classmethod)\b/.test(d.text)))
    return undefined;
  const fn = decorated.childForFieldName('definition');
  if (fn?.type !== 'function_definition' || decorated.parent?.parent?.type !== 'class_definition') return undefined;
  const first = fn.childForFieldName('parameters')?.namedChildren[0];
  return first?.text.split(/[:=]/)[0].trim() === 'self' ? fn.childForFieldName('name')!.text : undefined;
}

/** `def cache(self, maxsize=None)`: a builder whose default is an unbounded cache. */
function checkBuilderDefault(fname: Node, param: Node, none: Node, ctx: RuleContext): void {
  if (!/cache/i.test(fname.text) || !/^(maxsize|max_size|size|capacity|limit)$/.test(param.text)) return;
  ctx.report({
    at: param.parent!,
    message: `\`${fname.text}(${param.text}=None)\` makes an unbounded cache the default: callers who do not pass a size get a cache that keeps every entry (seed 003's Pipeline cache grew per frame). Default to a bound.`,
    fixes: [
      {
        title: `Default ${param.text} to ${DEFAULT_CACHE_BOUND}`,
        isPreferred: true,
        applicability: 'unsafe',
        edits: [{ start: none.startIndex, end: none.endIndex, newText: String(DEFAULT_CACHE_BOUND) }],
      },
    ],
  });
}

/** `static std::unordered_map<K, V> cache;` inserted into and never erased or size-checked. */
function checkCppStaticMap(decl: Node, type: string, name: string, ctx: RuleContext): void {
  if (!CPP_MAPS.has(type)) return;
  // `map<std::string, std::weak_ptr<socket_t>>`, `map<key, backend_t*>`: a registry of handles to
  // long-lived objects (one per endpoint, device or buffer type) that callers keep, not a memo of
  // computed values.
  const args = findAll(decl, 'template_argument_list')[0]?.namedChildren ?? [];
  const mapped = args[1]?.text.replace(/\s+/g, '') ?? '';
  if (/(weak_ptr|shared_ptr|\*)(>|$)|\*$|_t$/.test(mapped) || /^(std::)?(weak|shared)_ptr</.test(mapped)) return;
  // A function-local static lives in its function; a static member or global is used file-wide
  // (out-of-line methods included).
  // Only a function-local static is a memo of that function; a global or member static map is
  // usually a registry filled once (passes, plugins, windows by id), which real code showed.
  const scope = [...ancestors(decl)].find((a) => a.type === 'function_definition');
  if (!scope || definesMain(ctx)) return;
  const memberCalls = findAll(
    scope,
    'call_expression',
    (n) =>
      n.childForFieldName('function')?.type === 'field_expression' &&
      n.childForFieldName('function')!.childForFieldName('argument')?.text === name,
  );
  const method = (n: Node) => n.childForFieldName('function')!.childForFieldName('field')?.text ?? '';
  const inserts = [
    ...memberCalls.filter((n) => /^(insert|emplace|try_emplace|insert_or_assign|emplace_hint)$/.test(method(n))),
    ...findAll(
      scope,
      'assignment_expression',
      (n) =>
        n.childForFieldName('left')?.type === 'subscript_expression' &&
        n.childForFieldName('left')!.childForFieldName('argument')?.text === name,
    ),
  ];
  if (inserts.length === 0) return;
  // A cache looks a key up before inserting it; a registry of live objects (`map[id] = this`) does not.
  const lookedUp = memberCalls.some((n) => /^(find|count|contains|at)$/.test(method(n)));
  if (!lookedUp) return;
  if (handsOutEntries(scope, name)) return;
  if (
    memberCalls.some(
      (n) =>
        /^(erase|clear|swap|extract)$/.test(method(n)) ||
        (method(n) === 'size' && [...ancestors(n)].some((a) => a.type === 'binary_expression')),
    )
  )
    return;
  ctx.report({
    at: decl,
    message: `static \`${name}\` (std::${type}) is used as a cache that is only ever inserted into: every key stays for the life of the process. Bound it (evict when full) or scope it.`,
    related: inserts.slice(0, 3).map((n) => ({ at: n, message: 'inserted here' })),
  });
}

/**
 * `return &it->second;`, `return &table[key];`: callers keep pointers into the map, so it is an
 * interning table that must outlive them (evicting would leave them dangling), not a memo to bound.
 * A reference returned (`const Glyph&`) is usually read at once, and a memo's.
 */
function handsOutEntries(fn: Node, name: string): boolean {
  const entry = new RegExp(`(?:\\.|->)\\s*second\\b|^${name}\\s*(?:\\[|\\.\\s*at\\s*\\()`);
  return findAll(fn, 'return_statement').some((r) => {
    const value = r.namedChildren[0];
    return (
      value?.type === 'pointer_expression' &&
      value.text.startsWith('&') &&
      entry.test(value.childForFieldName('argument')?.text ?? '')
    );
  });
}
