// cleanup-in-loop: a teardown call (`engine->cleanup()`, `conn.close()`) on an object that outlives
// the loop, made on every iteration while the loop keeps using the object (seed 000 #1).
import type { Node } from 'web-tree-sitter';
import { anchorForCalls, anyOf, callsAny, defineRule, type RuleContext } from '../rule';
import { enclosingHeaders, headerKeyword } from '../languages/python';
import { importsOf } from '../python/imports';
import { isTestModule } from '../python/test-code';
import {
  ancestors,
  CPP_LOOPS,
  findAll,
  FUNCTION_BOUNDARIES,
  identifiersIn,
  indentOf,
  PY_LOOPS,
  wholeLineSpan,
} from '../tree';
import type { Fix, LanguageId } from '../types';

/** Calls that refill or rebuild an object: a teardown followed by one of these is a reuse idiom. */
const REBUILD =
  /^(init|initialize|load|open|reopen|reload|create|setup|set_up|start|connect|reconnect|begin|build|alloc|allocate|resize|reserve|assign|push|push_back|push_front|emplace|emplace_back|emplace_front|insert|append|appendleft|extend|extendleft|add|put|update|setdefault|read|readinto|fill|copy_from|from_pixels|swap|str|acquire|wait|set|notify|lock)(?:$|_|[A-Z0-9])/i;

/** Branches that make a teardown conditional or error handling rather than per-iteration. */
const CONDITIONAL = new Set([
  'if_statement',
  'else_clause',
  'conditional_expression',
  'switch_statement',
  'case_statement',
  'catch_clause',
  'except_clause',
  'try_statement',
  'elif_clause',
  'conditional_expression',
  'boolean_operator',
  'match_statement',
]);

const EXITS = new Set(['break_statement', 'return_statement', 'throw_statement', 'raise_statement', 'goto_statement']);

export const cleanupInLoop = defineRule({
  id: 'cleanup-in-loop',
  summary:
    'A teardown call on an object that outlives the loop runs on every iteration while the loop keeps using the object.',
  languages: ['cpp', 'python'],
  defaultSeverity: 'warning',
  options: [
    {
      name: 'teardownMethods',
      doc: 'Method names that tear an object down.',
      schema: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
      // Not `clear`: it empties a scratch container or repaints a window each frame, tearing nothing down.
      default: [
        'cleanup',
        'release',
        'destroy',
        'reset',
        'unload',
        'close',
        'deinit',
        'teardown',
        'shutdown',
        'dispose',
        'free',
      ],
      example: ['drain_all'],
      merge: 'union',
      topLevelAlias: true,
    },
  ],
  query: {
    cpp: (config) => `(call_expression
        function: (field_expression field: (field_identifier) @method) ${anyOf('method', config.teardownMethods)}) @call`,
    python: (config) => `(call
        function: (attribute attribute: (identifier) @method) ${anyOf('method', config.teardownMethods)}) @call`,
  },
  captures: {
    call: { cpp: 'call_expression', python: 'call' },
    method: { cpp: 'field_identifier', python: 'identifier' },
  },
  mayMatch: (text, language, config) =>
    language === 'python'
      ? pythonTeardownInLoop(text, config.teardownMethods)
      : callsAny(config.teardownMethods).test(text),
  anchor: (_language, config) => anchorForCalls(config.teardownMethods, true),
  check(match, ctx) {
    const call = match.captures.get('call')!;
    const method = match.captures.get('method')!.text;
    const receiver = call.childForFieldName('function')!.namedChild(0)!;
    const args = call.childForFieldName('arguments')!;
    // `p.reset(new T)` / `reset(x)` acquire rather than tear down.
    if ((method === 'reset' || method === 'release') && args.namedChildCount > 0) return;
    // `memctl.free(node, data)`, `alloc->free(p)`: an allocator's callback frees its argument, one
    // list node per iteration; the allocator itself is not torn down.
    if (/^(free|dealloc|deallocate|release|destroy|delete)$/.test(method) && args.namedChildCount > 0) return;
    // `digest->reset()` re-initialises the object behind a pointer; only `owner.reset()` frees it.
    if (ctx.language === 'cpp' && method === 'reset' && call.childForFieldName('function')!.child(1)?.text === '->')
      return;
    if (!isStableReceiver(receiver)) return;
    // A test closes per iteration on purpose (to make the client reconnect, to count teardowns); what
    // it tears down lives no longer than the test.
    if (ctx.language === 'python' && isTestModule(ctx.file)) return;
    // `os.close(fd)`, `Conn.close(c)`: an imported module's or class's function tears down its argument,
    // not the receiver.
    if (
      ctx.language === 'python' &&
      receiver.type === 'identifier' &&
      args.namedChildCount > 0 &&
      importsOf(ctx).has(receiver.text)
    )
      return;
    // `sqlite3_finalize`-style `lib.close(handle)` on the iteration's own handle: per-element teardown.
    const loop0 = enclosingLoop(call, ctx.language);
    if (
      loop0 &&
      args.namedChildren.some((a) => {
        const name = a ? rootName(a) : undefined;
        return name !== undefined && declaredOrAssignedIn(loop0, name, a!.text, ctx.language);
      })
    )
      return;
    // In Python `reset()` puts an object back to its first state to be used again (codecs, encoders,
    // buffers, parsers); it frees nothing that the next iteration would rebuild.
    if (ctx.language === 'python' && method === 'reset') return;
    const loop = enclosingLoop(call, ctx.language);
    if (!loop) return;
    // `while old._is_owned(): old.release()`: the loop runs on the object's own state, to drain it.
    const loopCondition = loop.childForFieldName('condition');
    const root0 = rootName(receiver);
    if (loopCondition && root0 && identifiersIn(loopCondition, root0).length > 0) return;
    const root = rootName(receiver);
    if (!root || declaredOrAssignedIn(loop, root, receiver.text, ctx.language)) return;
    // Nested loops (rows, then tiles): the teardown belongs after the outermost loop the object outlives.
    let outermost = loop;
    for (
      let outer = enclosingLoop(outermost, ctx.language);
      outer && !declaredOrAssignedIn(outer, root, receiver.text, ctx.language);
      outer = enclosingLoop(outer, ctx.language)
    )
      outermost = outer;
    if (ctx.language === 'python' && root === 'self' && receiver.text === 'self') return;
    const uses = findAll(loop, receiver.type, (n) => n.text === receiver.text && n.id !== receiver.id);
    if (uses.length === 0) return;
    // `wb_.reset()` beside `wb_.pos`, `wb_.drain(n)`: a value object (a buffer, a parser) put back to its
    // first state. A smart pointer's `reset()` frees, but its object is reached through `->`, and it
    // has no members of its own beyond these.
    if (ctx.language === 'cpp' && method === 'reset' && call.childForFieldName('function')!.child(1)?.text === '.') {
      if (uses.some((u) => valueMemberUse(u))) return;
    }
    if (uses.some((u) => isRebuild(u, ctx.language) || isPassedAsArgument(u, ctx.language))) return;
    const statement = call.parent;
    if (!statement || statement.type !== 'expression_statement') return;
    if (exitsRightAfter(statement)) return;
    const header = ctx.lines.location({ start: loop.startIndex, end: loopHeaderEnd(loop) });
    const use = uses.find((u) => !(u.startIndex >= call.startIndex && u.endIndex <= call.endIndex)) ?? uses[0];
    ctx.report({
      at: call,
      message: `\`${call.text}\` tears down \`${receiver.text}\` on every iteration, but \`${receiver.text}\` outlives the loop (line ${header.startPoint.line + 1}) and the loop keeps using it: its resources are released and rebuilt per iteration, or leak if it cannot rebuild them. Call it once after the loop.`,
      related: [
        { at: { start: loop.startIndex, end: loopHeaderEnd(loop) }, message: 'the loop' },
        { at: use, message: `\`${receiver.text}\` is used again in the loop here` },
      ],
      fixes: moveAfterLoopFix(ctx, statement, loop, outermost),
    });
  },
});

/**
 * Whether some Python statement `x.close()` may run in a loop's body: its blocks' headers, read from
 * indentation, reach a `for` or `while` through `with` blocks only (an `if`, a `try` or a `def` in
 * between makes it conditional or another function, as enclosingLoop decides on the tree).
 */
function pythonTeardownInLoop(text: string, methods: string[]): boolean {
  for (const m of text.matchAll(anchorForCalls(methods, true))) {
    const lineStart = text.lastIndexOf('\n', m.index!) + 1;
    // The call must be the statement: `x.close()` alone on its line (as far as its start).
    if (!/^[ \t]*[\w.]+\s*$/.test(text.slice(lineStart, m.index!))) continue;
    for (const header of enclosingHeaders(text, lineStart)) {
      const keyword = headerKeyword(header);
      if (keyword === 'with') continue;
      if (keyword === undefined || keyword === 'for' || keyword === 'while') return true;
      break;
    }
  }
  return false;
}

const SMART_POINTER_MEMBERS = new Set(['get', 'reset', 'release', 'swap', 'use_count', 'owner_before', 'unique']);

/** `buf.pos`, `buf.drain(n)`: the receiver reached with `.` for a member no smart pointer has. */
function valueMemberUse(use: Node): boolean {
  const parent = use.parent;
  if (parent?.type !== 'field_expression' || parent.namedChild(0)?.id !== use.id) return false;
  if (parent.child(1)?.text !== '.') return false;
  const field = parent.childForFieldName('field')?.text;
  return field !== undefined && !SMART_POINTER_MEMBERS.has(field);
}

/** `engine`, `this->engine_`, `self.pool`: the same object on every iteration (not `a[i]`, `f()`). */
function isStableReceiver(receiver: Node): boolean {
  if (receiver.type === 'identifier' || receiver.type === 'this') return true;
  if (receiver.type === 'field_expression' || receiver.type === 'attribute') {
    const inner = receiver.childForFieldName(receiver.type === 'attribute' ? 'object' : 'argument');
    return inner !== null && isStableReceiver(inner);
  }
  if (receiver.type === 'pointer_expression' || receiver.type === 'parenthesized_expression') {
    const inner = receiver.namedChild(0);
    return inner !== null && isStableReceiver(inner);
  }
  return false;
}

function rootName(receiver: Node): string | undefined {
  let n: Node | null = receiver;
  while (n && n.type !== 'identifier' && n.type !== 'this') n = n.namedChild(0);
  return n?.text;
}

/** The innermost loop around `call` whose body the call runs in unconditionally. */
function enclosingLoop(call: Node, language: LanguageId): Node | null {
  const loops = language === 'cpp' ? CPP_LOOPS : PY_LOOPS;
  let child: Node = call;
  for (const a of ancestors(call)) {
    if (FUNCTION_BOUNDARIES.has(a.type) || a.type === 'list_comprehension' || a.type === 'generator_expression')
      return null;
    if (CONDITIONAL.has(a.type)) return null;
    if (loops.has(a.type)) {
      // The call must be in the body, not in the condition or the header.
      const body = a.childForFieldName('body');
      return body && body.startIndex <= child.startIndex && child.endIndex <= body.endIndex ? a : null;
    }
    child = a;
  }
  return null;
}

/** The object is created in the loop (declared, assigned, bound by for/with/except): a new one each time. */
function declaredOrAssignedIn(loop: Node, root: string, receiverText: string, language: LanguageId): boolean {
  if (language === 'cpp') {
    return (
      findAll(
        loop,
        ['init_declarator', 'for_range_loop', 'declaration', 'parameter_declaration', 'assignment_expression'],
        (n) => {
          if (
            n.type === 'init_declarator' ||
            n.type === 'for_range_loop' ||
            n.type === 'declaration' ||
            n.type === 'parameter_declaration'
          ) {
            const decl = n.childForFieldName('declarator');
            // `for (auto& [key, lease] : leases)`: each name of a structured binding is the iteration's own.
            let binding = decl;
            while (binding?.type === 'reference_declarator' || binding?.type === 'pointer_declarator')
              binding = binding.namedChild(0);
            if (binding?.type === 'structured_binding_declarator')
              return binding.namedChildren.some((c) => c?.type === 'identifier' && c.text === root);
            return decl !== null && declaredName(decl) === root;
          }
          if (n.type === 'assignment_expression') {
            const left = n.childForFieldName('left');
            return left !== null && (left.text === receiverText || left.text === root);
          }
          return false;
        },
      ).length > 0
    );
  }
  return (
    findAll(
      loop,
      ['assignment', 'augmented_assignment', 'for_statement', 'for_in_clause', 'as_pattern_target', 'named_expression'],
      (n) => {
        if (n.type === 'assignment' || n.type === 'augmented_assignment') {
          const left = n.childForFieldName('left');
          return left !== null && targetsName(left, root, receiverText);
        }
        if (n.type === 'for_statement' || n.type === 'for_in_clause') {
          const left = n.childForFieldName('left');
          return left !== null && targetsName(left, root, receiverText);
        }
        if (n.type === 'as_pattern_target' || n.type === 'named_expression')
          return (
            n.text === root ||
            n.text === receiverText ||
            (n.type === 'named_expression' && n.childForFieldName('name')?.text === root)
          );
        return false;
      },
    ).length > 0
  );
}

function targetsName(target: Node, root: string, receiverText: string): boolean {
  if (target.text === root || target.text === receiverText) return true;
  return identifiersIn(target, root).filter((n) => n.parent?.type !== 'attribute').length > 0;
}

function declaredName(declarator: Node): string | undefined {
  let n: Node | null = declarator;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator') ?? n.namedChild(0);
  return n?.text;
}

/** `obj.load(...)`, `obj.push_back(x)`, `obj = ...`, `obj[k] = v`, `obj += ...`: rebuilt or refilled. */
function isRebuild(use: Node, language: LanguageId): boolean {
  const parent = use.parent;
  if (!parent) return false;
  const memberTypes = language === 'cpp' ? ['field_expression'] : ['attribute'];
  if (
    memberTypes.includes(parent.type) &&
    parent.namedChild(0)?.id === use.id &&
    parent.parent?.type === (language === 'cpp' ? 'call_expression' : 'call')
  ) {
    const name = parent.childForFieldName(language === 'cpp' ? 'field' : 'attribute')?.text ?? '';
    return REBUILD.test(name);
  }
  if (parent.type === 'subscript_expression' || parent.type === 'subscript') {
    const assign = parent.parent;
    return assign !== null && /assignment/.test(assign.type) && assign.childForFieldName('left')?.id === parent.id;
  }
  if (/assignment/.test(parent.type)) return parent.childForFieldName('left')?.id === use.id;
  return false;
}

/** `extract("out", mat)`, `std::getline(in, line)`: a call that may refill the object it is given. */
function isPassedAsArgument(use: Node, language: LanguageId): boolean {
  let n: Node | null = use.parent;
  if (n?.type === 'pointer_expression') n = n.parent; // &obj
  return n !== null && n.type === 'argument_list' && (language === 'cpp' || n.parent?.type === 'call');
}

/** `engine->cleanup(); break;` tears down once, on the way out. */
function exitsRightAfter(statement: Node): boolean {
  for (let s = statement.nextNamedSibling; s; s = s.nextNamedSibling) {
    if (EXITS.has(s.type)) return true;
    if (s.type !== 'comment') return false;
  }
  return false;
}

function loopHeaderEnd(loop: Node): number {
  const body = loop.childForFieldName('body');
  return body ? Math.min(body.startIndex + 1, loop.endIndex) : loop.endIndex;
}

/** Moves the teardown (and the comment lines right above it) to just after the loop. */
function moveAfterLoopFix(ctx: RuleContext, statement: Node, loop: Node, target: Node): Fix[] {
  const body = loop.childForFieldName('body');
  if (!body || statement.parent?.id !== body.id) return [];
  if (loop.childForFieldName('alternative') || loop.children.some((c) => c?.type === 'else_clause')) return [];
  const removal = wholeLineSpan(ctx.text, statement);
  if (!removal) return [];
  const commentPrefix = ctx.language === 'cpp' ? '//' : '#';
  let start = removal.start;
  const moved: string[] = [];
  while (start > body.startIndex) {
    const prevStart = ctx.text.lastIndexOf('\n', start - 2) + 1;
    const prevLine = ctx.text.slice(prevStart, start).trim();
    if (!prevLine.startsWith(commentPrefix) || prevStart <= body.startIndex) break;
    moved.unshift(prevLine);
    start = prevStart;
  }
  moved.push(ctx.text.slice(statement.startIndex, statement.endIndex));
  const eol = ctx.lines.eol();
  const indent = indentOf(ctx.text, target.startIndex);
  const insertion = moved.map((l) => eol + indent + l).join('');
  if (target.childForFieldName('alternative') || target.children.some((c) => c?.type === 'else_clause')) return [];
  // The loop's last statement: the loop ends inside the removed line, so the line is rewritten in
  // place at the loop's indentation (two edits there would overlap).
  const last = target.endIndex >= start && target.endIndex <= removal.end;
  return [
    {
      title: `Move \`${statement.text.replace(/;$/, '')}\` after the loop`,
      isPreferred: true,
      // The teardown now runs once, after the last iteration: right for a loop that reuses the
      // object, wrong if each iteration really needed a fresh one.
      applicability: 'unsafe',
      edits: last
        ? [{ start, end: removal.end, newText: moved.map((l) => indent + l + eol).join('') }]
        : [
            { start, end: removal.end, newText: '' },
            { start: target.endIndex, end: target.endIndex, newText: insertion },
          ],
    },
  ];
}
