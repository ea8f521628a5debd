// unbounded-queue: a queue with no capacity between a producer and a consumer. When the consumer
// falls behind, the backlog grows without limit (seed 003's `result_q = mp.Queue()`).
import type { Node } from 'web-tree-sitter';
import { argument, importsOf, isNonPositiveLiteral, qualify } from '../python/imports';
import { isTestTree } from '../python/test-code';
import { defineRule, type RuleContext } from '../rule';
import { ancestors, contains, findAll, identifiersIn } from '../tree';
import type { Fix } from '../types';

export const DEFAULT_QUEUE_BOUND = 1000;

const BOUNDABLE = new Set([
  'queue.Queue',
  'queue.LifoQueue',
  'queue.PriorityQueue',
  'multiprocessing.Queue',
  'multiprocessing.JoinableQueue',
  'multiprocessing.queues.Queue',
  'torch.multiprocessing.Queue',
  'asyncio.Queue',
  'asyncio.LifoQueue',
  'asyncio.PriorityQueue',
  'gevent.queue.Queue',
  'trio.Queue',
]);
// Not multiprocessing.SimpleQueue: its put() writes to a pipe under a lock and blocks once the pipe is full.
const ALWAYS_UNBOUNDED = new Set(['queue.SimpleQueue']);
/** `ctx.Queue()`, `manager.Queue()`: multiprocessing contexts and managers make the same queues. */
const MP_FACTORY = /(^|\.)(ctx|context|mp_ctx|mp_context|manager|mgr|smm)$/i;
const MP_FACTORY_ASSIGNMENT = /([\w.]+)\s*=\s*[\w.]*\b(?:get_context|Manager|SyncManager)\s*\(/g;
const CPP_QUEUES = new Set(['queue', 'deque', 'priority_queue', 'list']);

export const unboundedQueue = defineRule({
  id: 'unbounded-queue',
  summary: 'A work queue without a capacity: a slow consumer lets the backlog, and memory, grow without limit.',
  languages: ['python', 'cpp'],
  defaultSeverity: 'warning',
  optIn:
    'On 217 real projects 3 of its 25 findings were judged real leak risks: most unbounded queues are bounded by their producers (a finite work list, one item per connection, a consumer that drains every frame).',
  accumulates: true,
  // Producers and consumers are found by the queue's name anywhere in the file (`worker.jobs.get()`).
  dependsOn: 'file',
  options: [
    {
      name: 'queueConstructors',
      doc: 'Python callables (dotted, as written) that make an unbounded-by-default queue taking `maxsize`.',
      schema: { type: 'array', items: { type: 'string' } },
      default: [],
      example: ['janus.Queue'],
      merge: 'append',
      topLevelAlias: true,
    },
  ],
  query: {
    python: `(call function: [(identifier) (attribute)] @fn (#match? @fn "(Queue|deque)$")) @call`,
    cpp: `[
      (field_declaration type: (qualified_identifier scope: (namespace_identifier) @ns name: (template_type name: (type_identifier) @tname)) declarator: (field_identifier) @name) @decl
      (translation_unit (declaration type: (qualified_identifier scope: (namespace_identifier) @ns name: (template_type name: (type_identifier) @tname)) declarator: (identifier) @name) @decl)
      (namespace_definition body: (declaration_list (declaration type: (qualified_identifier scope: (namespace_identifier) @ns name: (template_type name: (type_identifier) @tname)) declarator: (identifier) @name) @decl))
    ]`,
  },
  captures: {
    call: { python: 'call' },
    fn: { python: ['identifier', 'attribute'] },
    decl: { cpp: ['field_declaration', 'declaration'] },
    ns: { cpp: 'namespace_identifier' },
    tname: { cpp: 'type_identifier' },
    name: { cpp: ['field_identifier', 'identifier'] },
  },
  anchor: (language) => (language === 'python' ? /(?:Queue|deque)\s*\(/g : undefined),
  // A definition that makes a queue, or names one (its producers and consumers are found by name).
  affectedBy: (language, text, config) => {
    const names =
      language === 'python'
        ? // The constructor first, then `NAME =` (or `NAME: T =`) before it on its line.
          Array.from(text.matchAll(/(?:Queue|deque)\s*\(/g), (m) =>
            /([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*[\w.]*$/.exec(
              text.slice(text.lastIndexOf('\n', m.index!) + 1, m.index!),
            ),
          ).flatMap((m) => (m ? [m[1]] : []))
        : Array.from(text.matchAll(/\b(?:queue|deque|priority_queue|list)\s*<[^;{}]*>\s*([A-Za-z_]\w*)/g), (m) => m[1]);
    const makers =
      language === 'python'
        ? ['Queue', 'deque', ...config.queueConstructors.map((c) => c.split('.').pop()!)]
        : ['queue', 'deque', 'priority_queue', 'list'];
    return new RegExp(
      `\\b(?:${[...new Set([...makers, ...names])].map((n) => n.replace(/[$]/g, '\\$&')).join('|')})\\b`,
    );
  },
  mayMatch: (text, language, config) =>
    language === 'python'
      ? /Queue\s*\(|deque\s*\(/.test(text) || config.queueConstructors.length > 0
      : /std::(queue|deque|priority_queue|list)\b/.test(text),
  check(match, ctx) {
    if (ctx.language === 'python') {
      const call = match.captures.get('call')!;
      checkPython(call, match.captures.get('fn')!, call.childForFieldName('arguments')!, ctx);
    } else
      checkCpp(
        match.captures.get('decl')!,
        match.captures.get('ns')!.text,
        match.captures.get('tname')!.text,
        match.captures.get('name')!.text,
        ctx,
      );
  },
});

/**
 * A producer that puts into the queue (by the name it is bound to, or as a parameter of that name)
 * from inside a loop: a queue filled a fixed number of times, once per connection or once per
 * signal does not grow without bound, and on real code those were most of the reports.
 */
function producedInLoop(
  ctx: RuleContext,
  queueName: string,
  methods: string,
  language: 'python' | 'cpp',
  drain?: RegExp,
  attribute = false,
  seen = new Set<string>([queueName]),
  within?: Node[],
): boolean {
  // An attribute (`self.buffer`) is only reached through an object: a local `buffer` is another one.
  const re = new RegExp(
    `(?:${attribute ? '\\.\\s*' : '^|[^\\w.]|self\\.'})${queueName.replace(/[$]/g, '\\$&')}\\s*(?:\\.|->)\\s*(?:${methods})\\s*\\(`,
    'g',
  );
  const loops = language === 'python' ? PY_LOOP_TYPES : CPP_LOOP_TYPES;
  for (const m of ctx.text.matchAll(re)) {
    const node = ctx.root.descendantForIndex(m.index! + m[0].indexOf(queueName));
    if (!node) continue;
    // A queue made for one call (`within`) gets one item from a loop that puts and leaves; a longer-lived
    // one gets one per call of the function, which is a stream.
    if (within && (!within.some((w) => contains(w, node)) || leavesLoopAfter(node))) continue;
    let inLoop = false;
    for (const a of ancestors(node)) {
      // `while not q: q.extend(batch)`: refilled only when drained, so bounded by one batch.
      if (
        loops.has(a.type) &&
        !mentionsName(a.childForFieldName('condition')?.text ?? '', queueName) &&
        !(language === 'python' && (overFiniteCollection(a, ctx) || takesFromFiniteQueue(a, queueName, ctx, seen)))
      )
        inLoop = true;
      if (a.type === 'function_definition' || a.type === 'lambda_expression' || a.type === 'lambda') {
        // A consumer putting back what it took (`appendleft(rest)` in get()) produces nothing.
        if (inLoop && drain?.test(a.text)) inLoop = false;
        break;
      }
    }
    if (inLoop) return true;
  }
  return false;
}
/**
 * `q.put(branch); return` or `q.put(root); break` inside a search loop: the loop puts once, the
 * answer a waiting caller takes (xonsh's version-control probes, each call with its own queue).
 */
function leavesLoopAfter(node: Node): boolean {
  const statement = [...ancestors(node)].find((a) => a.type === 'expression_statement');
  let next = statement?.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  return next?.type === 'break_statement' || next?.type === 'return_statement';
}

/**
 * `for pid, p in self._running.items(): q.put(...)`, `for link in self.links`: a loop over a
 * collection the program holds puts a bounded number of items. A loop over what a call yields
 * (`for msg in consumer.poll()`, a generator) may be a stream, and counts, unless the generator is
 * this file's own and yields a fixed number of times.
 */
function overFiniteCollection(loop: Node, ctx: RuleContext): boolean {
  if (loop.type !== 'for_statement') return false;
  let it = loop.childForFieldName('right');
  while (
    it?.type === 'call' &&
    /^(list|sorted|enumerate|zip|reversed|tuple|set)$/.test(it.childForFieldName('function')?.text ?? '')
  )
    it = it.childForFieldName('arguments')?.namedChildren.find((c) => c?.type !== 'keyword_argument') ?? null;
  if (!it) return false;
  if (/^(attribute|subscript|list|tuple|set|dictionary|list_comprehension|string)$/.test(it.type)) return true;
  // A bare name may be a generator, unless it is a parameter annotated as a collection
  // (`flows: Sequence[Flow]`): a caller's finite batch.
  if (it.type === 'identifier') return annotatedAsCollection(loop, it.text) || boundToCollection(loop, it.text);
  if (it.type !== 'call') return false;
  const fn = it.childForFieldName('function')?.text ?? '';
  // `range(len(targets))`: one put per element of a collection the program holds.
  if (fn === 'range' && /^len\s*\(/.test(it.childForFieldName('arguments')?.namedChildren[0]?.text ?? '')) return true;
  // Not `range(n)`: a counted producer loop (`for i in range(10**9): q.put(i)`) is the classic flood.
  return /\.(items|keys|values|copy)$/.test(fn) || yieldsFixedCount(fn, ctx);
}

const COLLECTION_ANNOTATION =
  /^(?:typing\.|collections\.abc\.)?(?:Sequence|MutableSequence|list|List|tuple|Tuple|set|Set|frozenset|FrozenSet|AbstractSet|MutableSet|dict|Dict|Mapping|MutableMapping|Collection)\b/;

/**
 * `targets = config['targets']` ... `for t in targets:`: a local the function bound, only ever, to a
 * collection it holds (a subscript, an attribute, a literal or a comprehension), not to a call's result.
 */
function boundToCollection(loop: Node, name: string): boolean {
  const fn = [...ancestors(loop)].find((a) => a.type === 'function_definition');
  if (!fn) return false;
  const bindings = findAll(
    fn,
    'assignment',
    (a) => a.childForFieldName('left')?.type === 'identifier' && a.childForFieldName('left')!.text === name,
  );
  return (
    bindings.length > 0 &&
    bindings.every((a) =>
      /^(subscript|attribute|list|tuple|set|dictionary|list_comprehension|set_comprehension)$/.test(
        a.childForFieldName('right')?.type ?? '',
      ),
    )
  );
}

function annotatedAsCollection(loop: Node, name: string): boolean {
  const fn = [...ancestors(loop)].find((a) => a.type === 'function_definition');
  for (const p of fn?.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p?.type !== 'typed_parameter' && p?.type !== 'typed_default_parameter') continue;
    const pname = p.type === 'typed_parameter' ? p.namedChildren[0] : p.childForFieldName('name');
    if (pname?.text !== name) continue;
    return COLLECTION_ANNOTATION.test(p.childForFieldName('type')?.text ?? '');
  }
  return false;
}

/** `self._retrieval_methods(...)`: a generator of this file whose every `yield` runs at most once a call. */
function yieldsFixedCount(callee: string, ctx: RuleContext): boolean {
  const name = /^(?:self\.)?([A-Za-z_]\w*)$/.exec(callee)?.[1];
  if (!name) return false;
  const defs = findAll(ctx.root, 'function_definition', (f) => f.childForFieldName('name')?.text === name);
  if (defs.length !== 1) return false;
  const yields = findAll(defs[0], 'yield');
  return (
    yields.length > 0 &&
    yields.every(
      (y) =>
        !/^yield\s+from\b/.test(y.text) &&
        ![...ancestors(y)]
          .filter((a) => a.startIndex > defs[0].startIndex)
          .some((a) => PY_LOOP_TYPES.has(a.type) || a.type === 'function_definition'),
    )
  );
}

/**
 * A worker loop that takes an item from a queue each time round (`item = wq.get()`) puts no more
 * than that queue delivers. Putting back into the same queue adds nothing; putting on another queue
 * passes a stream through (seed 003's render workers), unless what it takes from is finite: filled
 * in this file, and only by loops over collections (a link checker's work list).
 */
function takesFromFiniteQueue(loop: Node, queueName: string, ctx: RuleContext, seen = new Set<string>()): boolean {
  if (loop.type !== 'while_statement') return false;
  const body = loop.childForFieldName('body')?.text ?? '';
  for (const m of body.matchAll(/([\w.]+)\s*\.\s*get(?:_nowait)?\s*\(/g)) {
    if (mentionsName(m[1], queueName)) return true;
    const source = m[1].split('.').pop()!;
    if (!/^[A-Za-z_]\w*$/.test(source) || seen.has(source)) continue;
    seen.add(source);
    const filled = new RegExp(`(?:^|[^\\w])${source}\\s*\\.\\s*put(?:_nowait)?\\s*\\(`).test(ctx.text);
    if (filled && !producedInLoop(ctx, source, 'put|put_nowait', 'python', undefined, false, seen)) return true;
  }
  return false;
}

function drainedWhereFilled(ctx: RuleContext, attr: string): boolean {
  const fill = new RegExp(`\\.${attr}\\s*\\.\\s*(?:append|appendleft|extend|extendleft)\\s*\\(`);
  const drain = new RegExp(`\\.${attr}\\s*\\.\\s*(?:popleft|pop|clear)\\s*\\(`);
  const fillers = findAll(ctx.root, 'function_definition', (f) => fill.test(f.childForFieldName('body')?.text ?? ''));
  return fillers.length > 0 && fillers.every((f) => drain.test(f.childForFieldName('body')?.text ?? ''));
}

function mentionsName(text: string, name: string): boolean {
  return new RegExp(`(^|[^\\w])${name.replace(/[$]/g, '\\$&')}([^\\w]|$)`).test(text);
}
const PY_LOOP_TYPES = new Set(['for_statement', 'while_statement']);
const CPP_LOOP_TYPES = new Set(['for_statement', 'for_range_loop', 'while_statement', 'do_statement']);

/** The name a queue is bound to: `q` in `q = Queue()`, `result_q` in `self.result_q = mp.Queue()`. */
function boundName(call: Node): string | undefined {
  const assign = call.parent;
  if (assign?.type !== 'assignment' || assign.childForFieldName('right')?.id !== call.id) return undefined;
  const left = assign.childForFieldName('left');
  if (left?.type === 'identifier') return left.text;
  if (left?.type === 'attribute') return left.childForFieldName('attribute')?.text;
  return undefined;
}

function checkPython(call: Node, fn: Node, args: Node, ctx: RuleContext): void {
  if (isTestTree(ctx.file)) return; // a test's queue lives for one test
  const imports = importsOf(ctx);
  const name = qualify(fn, imports);
  const extra = ctx.config.queueConstructors;
  if (name !== 'collections.deque') {
    const bound = boundName(call);
    const local = localProducers(call, ctx);
    const produced = local
      ? local.some((p) =>
          producedInLoop(ctx, p.name, 'put|put_nowait', 'python', undefined, false, undefined, [p.scope]),
        )
      : bound && producedInLoop(ctx, bound, 'put|put_nowait', 'python');
    if (!bound || !produced) return;
    if (collectedWhole(call, bound)) return;
  }
  if (ALWAYS_UNBOUNDED.has(name)) {
    const fixes: Fix[] =
      fn.type === 'attribute'
        ? [
            {
              title: `Use a bounded Queue(maxsize=${DEFAULT_QUEUE_BOUND}) instead: put() will block when it is full`,
              isPreferred: true,
              applicability: 'unsafe',
              edits: [
                {
                  start: call.startIndex,
                  end: call.endIndex,
                  newText: `${fn.text.replace(/SimpleQueue$/, 'Queue')}(maxsize=${DEFAULT_QUEUE_BOUND})`,
                },
              ],
            },
          ]
        : [];
    ctx.report({
      at: call,
      message: `\`${fn.text}()\` has no capacity at all: producers never block, so a slow consumer lets the backlog grow without limit. Use a Queue with a maxsize.`,
      fixes,
    });
    return;
  }
  if (name === 'collections.deque') return checkDeque(call, args, ctx);
  const isMpFactory =
    fn.type === 'attribute' &&
    fn.text.endsWith('.Queue') &&
    isMultiprocessingFactory(fn.childForFieldName('object')!, ctx);
  if (!BOUNDABLE.has(name) && !extra.includes(fn.text) && !extra.includes(name) && !isMpFactory) return;
  if (fn.type === 'identifier' && !imports.has(fn.text) && !extra.includes(fn.text)) return; // a local class named Queue
  const maxsize = argument(args, 0, 'maxsize');
  if (maxsize && !isNonPositiveLiteral(maxsize)) return;
  if (usedOnlyHere(call)) return;
  const why = maxsize ? `maxsize=${maxsize.text} means no limit` : 'no maxsize';
  ctx.report({
    at: call,
    message: `\`${call.text.length > 50 ? `${fn.text}(...)` : call.text}\` has ${why}: \`put()\` never blocks, so when the consumer falls behind the backlog (and every item it holds) grows without limit. Give it a maxsize.`,
    fixes: [maxsizeFix(args, maxsize, 'maxsize')],
  });
}

/**
 * `out = Queue()` ... `return list(out.queue)`: the function that made the queue takes its whole
 * content at the end and never get()s from it. A thread-safe list its workers fill, not a backlog
 * a consumer falls behind on.
 */
function collectedWhole(call: Node, name: string): boolean {
  const scope = [...ancestors(call)].find((a) => a.type === 'function_definition');
  if (!scope) return false;
  let whole = false;
  for (const use of identifiersIn(scope, name)) {
    const attr = use.parent;
    if (attr?.type !== 'attribute' || attr.childForFieldName('object')?.id !== use.id) continue;
    const member = attr.childForFieldName('attribute')?.text;
    if (member === 'get' || member === 'get_nowait') return false;
    if (member === 'queue' && attr.parent?.type !== 'call') whole = true;
  }
  return whole;
}

/**
 * `q = Queue()` in a function that only calls methods on it and hands it to threads or processes it
 * starts (`Thread(target=probe, args=(q,))`): only that function and those targets can put into it, not
 * every function of the file with a parameter called `q`. Undefined when it goes anywhere else.
 */
function localProducers(call: Node, ctx: RuleContext): { scope: Node; name: string }[] | undefined {
  const assign = call.parent;
  const target = assign?.type === 'assignment' ? assign.childForFieldName('left') : null;
  const fn = [...ancestors(call)].find((a) => a.type === 'function_definition');
  const body = fn?.childForFieldName('body');
  if (target?.type !== 'identifier' || !fn || !body) return undefined;
  const producers = [{ scope: fn, name: target.text }];
  for (const use of identifiersIn(body, target.text)) {
    if (use.id === target.id) continue;
    const parent = use.parent!;
    if (parent.type === 'attribute' && parent.childForFieldName('object')?.id === use.id) continue;
    // args=(q,) / args=[q, ...] of a call with target=NAME, NAME a function of this file.
    const sequence = parent.type === 'tuple' || parent.type === 'list' ? parent : undefined;
    const keyword = sequence?.parent?.type === 'keyword_argument' ? sequence.parent : undefined;
    const starter = keyword?.parent?.parent;
    if (keyword?.childForFieldName('name')?.text !== 'args' || starter?.type !== 'call') return undefined;
    const targetArg = argument(starter.childForFieldName('arguments')!, -1, 'target');
    const started = targetArg?.type === 'identifier' ? functionNamed(ctx, targetArg.text) : undefined;
    // The parameter the queue arrives as, by position: `def probe(out)` puts into `out`.
    const position = sequence!.namedChildren.findIndex((c) => c?.id === use.id);
    const parameter = started?.childForFieldName('parameters')?.namedChildren[position];
    if (!started || parameter?.type !== 'identifier') return undefined;
    producers.push({ scope: started, name: parameter.text });
  }
  return producers;
}

function functionNamed(ctx: RuleContext, name: string): Node | undefined {
  const defs = findAll(ctx.root, 'function_definition', (f) => f.childForFieldName('name')?.text === name);
  return defs.length === 1 ? defs[0] : undefined;
}

/**
 * `q = LifoQueue()` in a function that only calls methods on it, never handing it to a thread, a
 * nested function or a caller: a stack or scratch queue bounded by one call (borg's brace matcher),
 * with no consumer that could fall behind.
 */
function usedOnlyHere(call: Node): boolean {
  const assign = call.parent;
  const target = assign?.type === 'assignment' ? assign.childForFieldName('left') : null;
  if (target?.type !== 'identifier' || assign?.childForFieldName('right')?.id !== call.id) return false;
  const fn = [...ancestors(call)].find((a) => a.type === 'function_definition');
  const body = fn?.childForFieldName('body');
  if (!body) return false;
  return identifiersIn(body, target.text)
    .filter((n) => n.id !== target.id)
    .every((use) => {
      const attr = use.parent;
      const methodCall =
        attr?.type === 'attribute' && attr.childForFieldName('object')?.id === use.id && attr.parent?.type === 'call';
      const nested = [...ancestors(use)].some(
        (a) => a.startIndex > body.startIndex && (a.type === 'function_definition' || a.type === 'lambda'),
      );
      return methodCall && !nested;
    });
}

/** A deque without maxlen that lives beyond a call (module or self) and is used as a work queue. */
function checkDeque(call: Node, args: Node, ctx: RuleContext): void {
  if (argument(args, 1, 'maxlen')) return;
  const assign = call.parent;
  if (assign?.type !== 'assignment' || assign.childForFieldName('right')?.id !== call.id) return;
  const target = assign.childForFieldName('left')!;
  const longLived =
    (target.type === 'attribute' && /^(self|cls)\./.test(target.text)) ||
    assign.parent?.parent?.type === 'module' ||
    (assign.parent?.parent?.type === 'block' && assign.parent.parent.parent?.type === 'class_definition');
  if (!longLived) return;
  // A queue class that enforces its own bound around the deque (`if self.full(): ...`, maxsize).
  const cls = [...ancestors(call)].find((a) => a.type === 'class_definition');
  if (cls && /\b(maxsize|max_size|maxlen|capacity|limit|high_water)\b/i.test(cls.text)) return;
  const attr = target.type === 'attribute' ? target.childForFieldName('attribute')!.text : target.text;
  const methodsOn = new Set(
    findAll(
      ctx.root,
      'attribute',
      (n) =>
        n.parent?.type === 'call' &&
        (n.childForFieldName('object')?.text === target.text ||
          n.childForFieldName('object')?.text.endsWith(`.${attr}`) === true),
    ).map((n) => n.childForFieldName('attribute')!.text),
  );
  const pushed = ['append', 'appendleft', 'extend', 'extendleft'].some((m) => methodsOn.has(m));
  const popped = ['popleft', 'pop'].some((m) => methodsOn.has(m));
  const drains = new RegExp(`\\b${attr}\\s*\\.\\s*(?:popleft|pop)\\s*\\(`);
  if (
    !pushed ||
    !popped ||
    !producedInLoop(ctx, attr, 'append|appendleft|extend|extendleft', 'python', drains, target.type === 'attribute')
  )
    return;
  // Filled and drained by the same function (a decoder's buffer, a BFS): bounded by one call.
  if (drainedWhereFilled(ctx, attr)) return;
  ctx.report({
    at: call,
    message: `\`${target.text}\` is a deque used as a work queue with no maxlen: appends never stop, so a slow consumer lets it grow without limit. Bound it (maxlen drops the oldest items) or use a Queue with a maxsize.`,
    fixes: [
      {
        ...maxsizeFix(args, undefined, 'maxlen'),
        title: `Bound the deque with maxlen=${DEFAULT_QUEUE_BOUND} (the oldest items are dropped when full)`,
      },
    ],
  });
}

function isMultiprocessingFactory(object: Node, ctx: RuleContext): boolean {
  if (MP_FACTORY.test(object.text)) return true;
  // `pool_ctx = multiprocessing.get_context("spawn")` anywhere in the file (collected once per file).
  const factories = ctx.memo(
    'python.mpFactories',
    () => new Set([...ctx.text.matchAll(MP_FACTORY_ASSIGNMENT)].map((m) => m[1])),
  );
  return factories.has(object.text);
}

function maxsizeFix(args: Node, given: Node | undefined, keyword: string): Fix {
  if (given) {
    return {
      title: `Set ${keyword}=${DEFAULT_QUEUE_BOUND}${blocks(keyword)}`,
      isPreferred: true,
      applicability: 'unsafe',
      edits: [{ start: given.startIndex, end: given.endIndex, newText: String(DEFAULT_QUEUE_BOUND) }],
    };
  }
  const close = args.endIndex - 1;
  const hasArgs = args.namedChildren.some((c) => c && c.type !== 'comment');
  const trailingComma = /,\s*$/.test(args.text.slice(0, -1));
  const newText = `${hasArgs && !trailingComma ? ', ' : ''}${keyword}=${DEFAULT_QUEUE_BOUND}`;
  return {
    title: `Add ${keyword}=${DEFAULT_QUEUE_BOUND}${blocks(keyword)}`,
    isPreferred: true,
    applicability: 'unsafe',
    edits: [{ start: close, end: close, newText }],
  };
}

/** A bound changes what the producer sees (ruff would call the fix unsafe): the title says how. */
function blocks(keyword: string): string {
  return keyword === 'maxsize' ? ': put() will block when the queue is full' : '';
}

/** A std::queue/deque member (or global) that is pushed to while nothing ever checks its size. */
function checkCpp(decl: Node, ns: string, type: string, name: string, ctx: RuleContext): void {
  if (ns !== 'std' || !CPP_QUEUES.has(type)) return;
  // The whole file: a member is often pushed from methods defined outside the class body
  // (`void Pool::submit(Task t) { tasks_.push(t); }`).
  const scope = ctx.root;
  const onMember = (n: Node): string | undefined => {
    if (n.type !== 'field_expression') return undefined;
    const object = n.childForFieldName('argument');
    if (
      !object ||
      !(
        object.text === name ||
        object.text === `this->${name}` ||
        object.text.endsWith(`.${name}`) ||
        object.text.endsWith(`->${name}`)
      )
    )
      return undefined;
    return n.childForFieldName('field')?.text;
  };
  const calls = findAll(scope, 'call_expression', (n) => onMember(n.childForFieldName('function')!) !== undefined);
  const pushes = calls.filter((c) =>
    /^(push|push_back|push_front|emplace|emplace_back|emplace_front)$/.test(
      onMember(c.childForFieldName('function')!)!,
    ),
  );
  if (
    pushes.length === 0 ||
    !producedInLoop(ctx, name, 'push|push_back|push_front|emplace|emplace_back|emplace_front', 'cpp')
  )
    return;
  // A producer that first waits for the consumers to finish the last batch (a pending count back to 0)
  // refills a drained queue: one batch is the bound.
  if (pushes.every((p) => waitsForDrain(p))) return;
  // A std::deque/std::list that is never popped is storage (an arena), not a queue with a consumer.
  if (
    (type === 'deque' || type === 'list') &&
    !calls.some((c) => /^(pop|pop_front|pop_back)$/.test(onMember(c.childForFieldName('function')!)!))
  )
    return;
  // Any comparison involving the container's size means someone enforces a capacity.
  const sizeChecked = calls.some(
    (c) =>
      onMember(c.childForFieldName('function')!) === 'size' &&
      [...ancestors(c)].some((a) => a.type === 'binary_expression' && /[<>]=?|==|!=/.test(a.child(1)?.text ?? '')),
  );
  if (sizeChecked) return;
  ctx.report({
    at: decl,
    message: `\`${name}\` (std::${type}) is pushed to with no capacity check: a producer faster than its consumer grows it without limit. Check its size before pushing (wait or drop when full).`,
    related: pushes.slice(0, 3).map((p) => ({ at: p, message: 'pushed here without a capacity check' })),
  });
}

const COUNTER = String.raw`[\w.>-]+`;
/** `pending == 0`, `!pending`, `queue.empty()`: the last batch is done. */
const DRAINED = new RegExp(
  String.raw`^(?:${COUNTER}\s*==\s*0[uUlL]*|0[uUlL]*\s*==\s*${COUNTER}|!\s*${COUNTER}|${COUNTER}\.\s*empty\s*\(\s*\))$`,
);
/** `pending > 0`, `pending != 0`, `pending`, `!queue.empty()`: the last batch is still running. */
const STILL_PENDING = new RegExp(
  String.raw`^(?:${COUNTER}\s*(?:>|!=)\s*0[uUlL]*|${COUNTER}|!\s*${COUNTER}\.\s*empty\s*\(\s*\))$`,
);
const unparenthesised = (text: string) =>
  text
    .trim()
    .replace(/^\((.*)\)$/s, '$1')
    .trim();

/**
 * `for (;;) { if (pending == 0) break; sleep(); } ... queue.push(x)`, or `while (pending > 0) wait();`
 * before the push, in the pushing function: the producer hands out a new batch only once the last
 * one is done.
 */
function waitsForDrain(push: Node): boolean {
  const fn = [...ancestors(push)].find((a) => a.type === 'function_definition');
  const body = fn?.childForFieldName('body');
  if (!body) return false;
  const waiting = (loop: Node) =>
    /\b(?:sleep|sleep_for|usleep|nanosleep|Sleep|wait|wait_for|yield)\s*\(/.test(
      loop.childForFieldName('body')?.text ?? '',
    );
  return findAll(body, CPP_LOOP_TYPES, (loop) => loop.endIndex <= push.startIndex && waiting(loop)).some((loop) => {
    const cond = unparenthesised(loop.childForFieldName('condition')?.text ?? '');
    if (cond && STILL_PENDING.test(cond)) return true;
    return findAll(loop, 'if_statement').some(
      (i) =>
        DRAINED.test(unparenthesised(i.childForFieldName('condition')?.text ?? '')) &&
        findAll(i.childForFieldName('consequence') ?? i, 'break_statement').length > 0,
    );
  });
}
