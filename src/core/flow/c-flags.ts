// Facts about integer flags and status codes along a path, for the C resource analysis: each tracked
// local is known zero, known negative, known nonzero, or unknown. A later test of the flag then goes
// one way only:
//   r = 0; *propp = proposal;            out: if (r != 0 && proposal != NULL) free(proposal);
//   newrec = FALSE; old = g_strdup(x);   ...  if (newrec) add(rec); else { modify(rec, old); g_free(old); }
//   bool ok = false; ... ok = true;      if (!ok && fd != -1) close(fd);
//   if ((ret = fill(buf)) < 0) goto done; c->buf = buf;   done: if (ret < 0) free(buf);
// The resource's own variable counts as non-null while it is held: a path where it is NULL holds
// nothing, so a test of it that fails there leaks nothing either.
import type { Node } from 'web-tree-sitter';
import { ancestors, findAll } from '../tree';
import { normalizeCondition, nullTest, unwrap } from './c-ownership';
import type { PathFacts } from './lifetime';

/** Three-valued: true, false, undefined (unknown). */
type Truth = boolean | undefined;

/** What a flag is known to hold; 2 bits each in the fact mask. NEGATIVE is NONZERO with a sign. */
const UNKNOWN = 0;
const ZERO = 1;
const NONZERO = 2;
const NEGATIVE = 3;
/** A positive literal: only ever a constant compared with, never a flag's value in the mask. */
const POSITIVE = 4;
type Value = typeof UNKNOWN | typeof ZERO | typeof NONZERO | typeof NEGATIVE | typeof POSITIVE;

/** What both of two paths know: the same value, or NONZERO of a negative and a nonzero. */
function joinValues(a: Value, b: Value): Value {
  if (a === b) return a;
  return a !== UNKNOWN && a !== ZERO && b !== UNKNOWN && b !== ZERO ? NONZERO : UNKNOWN;
}

const ZERO_TEXT = /^(0+[uUlL]*|FALSE|false|EXIT_SUCCESS|NULL|nullptr)$/;
const NEGATIVE_TEXT = /^-([1-9]\d*[lL]*|E[A-Z0-9]{2,})$/;
const NONZERO_TEXT = /^([1-9]\d*[uUlL]*|0[xX]0*[1-9a-fA-F][0-9a-fA-F]*|TRUE|true|SDL_TRUE|EXIT_FAILURE)$/;
// Error codes are nonzero by convention (`SSH_ERR_ALLOC_FAIL`, `REDIS_ERR`); a name that also says
// OK, SUCCESS or NONE may well be 0.
const ERROR_CODE = /^(E[A-Z0-9]{2,}|[A-Z0-9_]*(ERR|ERROR|FAIL|FAILED|FAILURE|NOMEM)[A-Z0-9_]*)$/;
const NOT_AN_ERROR = /OK|SUCCESS|NONE|NO_?ERR/;
// A library's success status is 0 by near-universal convention (`SQLITE_OK`, `Z_OK`, `CURLE_OK`,
// `SC_SUCCESS`, `MOSQ_ERR_SUCCESS`, `LIBSSH2_ERROR_NONE`, `S_OK`): reading it as ZERO lets
// `if (ret != SC_SUCCESS) goto err; … err: if (ret != SC_SUCCESS) free(p);` go one way. Not the
// access(2) modes (`R_OK`…) nor HTTP's 200.
const SUCCESS_CODE = /^([A-Z][A-Z0-9]*_)*(OK|SUCCESS|E_SUCCESS|(ERR|ERROR)_NONE|NO_?ERR(OR)?)$/;
const NOT_A_STATUS = /^([RWXF]_OK|([A-Z0-9]+_)*HTTP_[A-Z0-9_]*OK)$/;

/** What a value makes a flag: a constant's value, or unknown (a call, another variable, an expression). */
export function constantValue(value: Node | null): Value {
  if (!value) return UNKNOWN;
  let v = unwrap(value);
  // `(int) 0`, `(gboolean) TRUE`
  while (v.type === 'cast_expression') v = unwrap(v.childForFieldName('value') ?? v);
  const text = v.text.replace(/\s+/g, '');
  if (ZERO_TEXT.test(text)) return ZERO;
  if (SUCCESS_CODE.test(text) && !NOT_A_STATUS.test(text) && text.length > 2) return ZERO;
  if (NEGATIVE_TEXT.test(text)) return NEGATIVE;
  if (/^[1-9]\d*[uUlL]*$/.test(text)) return POSITIVE;
  if (NONZERO_TEXT.test(text)) return NONZERO;
  if (ERROR_CODE.test(text) && !NOT_AN_ERROR.test(text)) return NONZERO;
  return UNKNOWN;
}

/** The variable an atom tests: `x`, or `x` of `(x = f(...))`. */
function subjectOf(n: Node): string | undefined {
  const e = unwrap(n);
  if (e.type === 'identifier') return e.text;
  if (e.type === 'assignment_expression' && e.childForFieldName('operator')?.text === '=') {
    const left = e.childForFieldName('left');
    return left?.type === 'identifier' ? left.text : undefined;
  }
  return undefined;
}

interface Comparison {
  subject: string;
  op: string;
  /** The constant compared with (ZERO, NONZERO or NEGATIVE). */
  constant: Value;
}

/** `x == 0`, `FALSE != x`, `(r = f()) < 0`: the variable, the operator as if it stood on the left. */
function comparison(e: Node): Comparison | undefined {
  if (e.type !== 'binary_expression') return undefined;
  const op = e.childForFieldName('operator')?.text ?? '';
  if (!/^(==|!=|<|>|<=|>=)$/.test(op)) return undefined;
  const left = e.childForFieldName('left');
  const right = e.childForFieldName('right');
  if (!left || !right) return undefined;
  const mirror: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };
  for (const [v, c, o] of [
    [left, right, op],
    [right, left, mirror[op]],
  ] as const) {
    const subject = subjectOf(v);
    const constant = constantValue(c);
    if (subject && constant !== UNKNOWN) return { subject, op: o, constant };
  }
  return undefined;
}

const LOOPS = /^(for_statement|while_statement|do_statement|for_range_loop)$/;

/** A held resource against 0: a pointer is not NULL, a descriptor not negative (code tests those against -1 or < 0). */
const RESOURCE_AGAINST_ZERO: Record<string, Truth> = { '!=': true, '==': false, '<': false, '>=': true };

export interface FlagFacts extends PathFacts {
  /** The flags followed, in bit order: bits 2i and 2i + 1 hold flags[i]'s Value. */
  flags: string[];
}

/** Whether `value` makes `x OP constant` true, false, or cannot tell. */
function compare(value: Value, op: string, constant: Value): Truth {
  if (value === UNKNOWN) return undefined;
  if (constant === ZERO) {
    const zero = value === ZERO;
    const negative = value === NEGATIVE;
    switch (op) {
      case '==':
        return zero;
      case '!=':
        return !zero;
      case '<':
        return zero ? false : negative ? true : undefined;
      case '>=':
        return zero ? true : negative ? false : undefined;
      case '>':
        return zero || negative ? false : undefined;
      case '<=':
        return zero || negative ? true : undefined;
    }
    return undefined;
  }
  // Against a positive literal (`for (i = 0; i < 3; i++)` runs at least once): zero or negative is below it.
  if (constant === POSITIVE && (value === ZERO || value === NEGATIVE)) {
    if (op === '<' || op === '<=' || op === '!=') return true;
    if (op === '>' || op === '>=' || op === '==') return false;
  }
  // Against a nonzero constant (`r == REDIS_ERR`, `fd != -1`): only a zero flag decides it.
  if (value !== ZERO) return undefined;
  return op === '==' ? false : op === '!=' ? true : undefined;
}

/** What `x OP constant` having gone `want` says x holds (UNKNOWN: nothing). */
function learnt(op: string, constant: Value, want: boolean): Value {
  if (constant === ZERO) {
    switch (op) {
      case '==':
        return want ? ZERO : NONZERO;
      case '!=':
        return want ? NONZERO : ZERO;
      case '<':
        return want ? NEGATIVE : UNKNOWN;
      case '>=':
        return want ? UNKNOWN : NEGATIVE;
      case '>':
        return want ? NONZERO : UNKNOWN;
      case '<=':
        return want ? UNKNOWN : NONZERO;
    }
    return UNKNOWN;
  }
  const stored = constant === POSITIVE ? NONZERO : constant;
  return (op === '==') === want && (op === '==' || op === '!=') ? stored : UNKNOWN;
}

/**
 * Flag facts for the resource `resource` acquired at `acquisition` in `func`: the locals the
 * function tests as flags and also sets to a constant (or sets inside a test), up to `max`.
 */
export function flagFacts(
  func: Node,
  acquisition: Node,
  resource: string,
  max: number,
  memo: <T>(key: string, compute: () => T) => T = (_k, f) => f(),
): FlagFacts | undefined {
  if (max <= 0) return undefined;
  const candidates = memo(`c.flags.${func.id}`, () => flagCandidates(func));
  // Only a test the path can still meet matters: one after the acquisition, or in a loop around it.
  const loop = [...ancestors(acquisition)].find((a) => LOOPS.test(a.type) && a.startIndex >= func.startIndex);
  const from = loop?.startIndex ?? acquisition.endIndex;
  const flags = candidates
    .filter((c) => c.name !== resource && c.tests.some((at) => at >= from))
    .slice(0, max)
    .map((c) => c.name);
  if (flags.length === 0) return undefined;
  const sentinel = failureValue(acquisition, resource);
  const valueOf = (facts: number, i: number): Value => ((facts >>> (2 * i)) & 3) as Value;
  const withValue = (facts: number, i: number, v: Value) => ((facts & ~(3 << (2 * i))) | (v << (2 * i))) >>> 0;
  /** Sets what a test taught, keeping NEGATIVE where it only learnt NONZERO. */
  const learn = (facts: number, i: number, v: Value) => {
    if (v === UNKNOWN) return facts;
    const old = valueOf(facts, i);
    return withValue(facts, i, v === NONZERO && old === NEGATIVE ? NEGATIVE : v);
  };
  const join = (a: number, b: number) =>
    flags.reduce((m, _f, i) => withValue(m, i, joinValues(valueOf(a, i), valueOf(b, i))), 0);
  // Conditions and blocks are compiled once (the search visits each under many sets of facts, and
  // every tree-sitter node access crosses into wasm).
  const conditions = new Map<number, Expr>();
  const compiled = (n: Node): Expr => {
    let e = conditions.get(n.id);
    if (!e) conditions.set(n.id, (e = compileCondition(n, flags, resource, sentinel)));
    return e;
  };
  const effects = new Map<number, Array<[number, Value]>>();
  const codes = memo(`c.flagCodes.${func.id}`, () => statusCodeFlags(func, candidates));
  const signed = memo(`c.flagSigned.${func.id}`, () => signTestedFlags(func, candidates));
  const effectsOf = (node: Node) => {
    let list = effects.get(node.id);
    if (!list) effects.set(node.id, (list = assignmentsIn(node, flags, codes, signed)));
    return list;
  };

  const evaluate = (e: Expr, facts: number): Truth => {
    switch (e.kind) {
      case 'known':
        return e.truth;
      case 'flag': {
        const v = valueOf(facts, e.flag);
        return v === UNKNOWN ? undefined : v !== ZERO;
      }
      case 'compare':
        return compare(valueOf(facts, e.flag), e.op, e.constant);
      case 'not': {
        const inner = evaluate(e.inner, facts);
        return inner === undefined ? undefined : !inner;
      }
      case 'and':
      case 'or': {
        const l = evaluate(e.left, facts);
        const r = evaluate(e.right, facts);
        if (e.kind === 'and') return l === false || r === false ? false : l && r ? true : undefined;
        return l === true || r === true ? true : l === false && r === false ? false : undefined;
      }
    }
  };

  /** The facts after `e` went `want`: what it says about each flag it tests. */
  const refine = (e: Expr, want: boolean, facts: number): number => {
    switch (e.kind) {
      case 'known':
        return facts;
      case 'flag':
        return learn(facts, e.flag, want ? NONZERO : ZERO);
      case 'compare':
        return learn(facts, e.flag, learnt(e.op, e.constant, want));
      case 'not':
        return refine(e.inner, !want, facts);
      case 'and':
      case 'or':
        // Both sides went `want` (a true `&&`, a false `||`), or the one side that must have.
        if ((e.kind === 'and') === want) return refine(e.right, want, refine(e.left, want, facts));
        if (evaluate(e.left, facts) === !want) return refine(e.right, want, facts);
        if (evaluate(e.right, facts) === !want) return refine(e.left, want, facts);
        // Either side: only what both would teach (`(r = a()) != 0 || (r = b()) != 0` went true).
        return join(refine(e.left, want, facts), refine(e.right, want, facts));
    }
  };

  /** The facts after `node` ran: assignments set or forget the flags they touch. */
  const transfer = (node: Node, facts: number): number => {
    let out = facts;
    for (const [i, v] of effectsOf(node)) out = withValue(out, i, v);
    return out;
  };

  return {
    flags,
    bits: 2 * flags.length,
    initial: initialFacts(func, acquisition, resource, flags, transfer, (cond, want, facts) =>
      refine(compiled(cond), want, facts),
    ),
    transfer: (block, facts) => (block.node ? transfer(block.node, facts) : facts),
    feasible(cond, edge, facts) {
      if (edge !== 'true' && edge !== 'false') return true;
      const t = evaluate(compiled(cond), facts);
      return t === undefined || t === (edge === 'true');
    },
    refine(cond, edge, facts) {
      if (edge !== 'true' && edge !== 'false') return facts;
      return refine(compiled(cond), edge === 'true', facts);
    },
    skipsRight(cond, facts) {
      // `!use_accept4 && (s = accept(…)) != -1` with use_accept4 set: the left side, flags alone (no
      // call, no assignment), decides the whole condition and the right side never runs.
      const e = unwrap(cond);
      if (e.type !== 'binary_expression') return false;
      const op = e.childForFieldName('operator')?.text;
      const left = e.childForFieldName('left');
      if (!left || (op !== '&&' && op !== '||')) return false;
      if (findAll(left, ['call_expression', 'assignment_expression', 'update_expression']).length > 0) return false;
      return evaluate(compiled(left), facts) === (op === '||');
    },
  };
}

/** A condition as the flags see it: flags by index, the resource's own tests already decided. */
type Expr =
  | { kind: 'known'; truth: Truth }
  | { kind: 'flag'; flag: number }
  | { kind: 'compare'; flag: number; op: string; constant: Value }
  | { kind: 'not'; inner: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr };

const UNKNOWN_EXPR: Expr = { kind: 'known', truth: undefined };

function compileCondition(n: Node, flags: string[], resource: string, sentinel: string | undefined): Expr {
  const e = unwrap(n);
  if (e.type === 'identifier') {
    if (e.text === resource) return { kind: 'known', truth: true };
    const flag = flags.indexOf(e.text);
    return flag < 0 ? UNKNOWN_EXPR : { kind: 'flag', flag };
  }
  if (e.type === 'unary_expression' && e.childForFieldName('operator')?.text === '!') {
    const inner = compileCondition(e.childForFieldName('argument')!, flags, resource, sentinel);
    return inner.kind === 'known'
      ? { kind: 'known', truth: inner.truth === undefined ? undefined : !inner.truth }
      : { kind: 'not', inner };
  }
  if (e.type !== 'binary_expression') return UNKNOWN_EXPR;
  const op = e.childForFieldName('operator')?.text ?? '';
  const left = e.childForFieldName('left');
  const right = e.childForFieldName('right');
  if (!left || !right) return UNKNOWN_EXPR;
  if (op === '&&' || op === '||')
    return {
      kind: op === '&&' ? 'and' : 'or',
      left: compileCondition(left, flags, resource, sentinel),
      right: compileCondition(right, flags, resource, sentinel),
    };
  // The resource against the value its acquisition was checked against (`MG_INVALID_SOCKET`).
  if (sentinel && (op === '==' || op === '!=')) {
    const texts = [unwrap(left).text, unwrap(right).text];
    if (texts.includes(resource) && texts.includes(sentinel)) return { kind: 'known', truth: op === '!=' };
  }
  const c = comparison(e);
  if (!c) return UNKNOWN_EXPR;
  // The resource against NULL or -1: valid while held (not NULL, not a negative descriptor).
  if (c.subject === resource) {
    if (c.constant === NEGATIVE)
      return { kind: 'known', truth: c.op === '==' ? false : c.op === '!=' ? true : undefined };
    return { kind: 'known', truth: c.constant === ZERO ? RESOURCE_AGAINST_ZERO[c.op] : undefined };
  }
  const flag = flags.indexOf(c.subject);
  return flag < 0 ? UNKNOWN_EXPR : { kind: 'compare', flag, op: c.op, constant: c.constant };
}

/** A constant as a flag holds it: a positive literal is NONZERO there. */
function stored(v: Value): Value {
  return v === POSITIVE ? NONZERO : v;
}

/**
 * Flags the function sets to a literal 0 as well as to named constants (`r = 0;` on success,
 * `r = RSGTE_LEN; goto done;` on failures): a status whose named codes are the failures, not 0.
 */
function statusCodeFlags(func: Node, candidates: Array<{ name: string }>): Set<string> {
  const text = func.text;
  return new Set(candidates.map((c) => c.name).filter((name) => new RegExp(`\\b${name}\\s*=\\s*0\\s*;`).test(text)));
}

/**
 * Flags the function tests for a sign (`r < 0`, `ret >= 0`): a library whose callers test `< 0`
 * returns its named failures negative (`SC_ERROR_OUT_OF_MEMORY`, `LIBSSH2_ERROR_ALLOC`, `GIT_ENOTFOUND`).
 */
function signTestedFlags(func: Node, candidates: Array<{ name: string }>): Set<string> {
  const text = func.text;
  return new Set(
    candidates
      .map((c) => c.name)
      .filter((name) => new RegExp(`\\b${name}\\s*(<|>=)\\s*0\\b|\\b0\\s*(>|<=)\\s*${name}\\b`).test(text)),
  );
}

/** A named constant (`RSGTE_OOM`) set to a status flag that `statusCodeFlags` found: a failure code. */
function namedCode(value: Node | null): boolean {
  const text = value?.text.trim() ?? '';
  return /^[A-Z][A-Z0-9_]{2,}$/.test(text) && !NOT_AN_ERROR.test(text);
}

/** What `node` does to the flags, in order: the value each assignment leaves (UNKNOWN for any other). */
function assignmentsIn(node: Node, flags: string[], codes?: Set<string>, signed?: Set<string>): Array<[number, Value]> {
  const out: Array<[number, Value]> = [];
  const text = node.text;
  if (!flags.some((f) => text.includes(f))) return out;
  for (const id of findAll(node, 'identifier', (x) => flags.includes(x.text))) {
    const i = flags.indexOf(id.text);
    const up = id.parent;
    if (!up) continue;
    if (up.type === 'assignment_expression' && up.childForFieldName('left')?.id === id.id) {
      const plain = up.childForFieldName('operator')?.text === '=';
      const right = up.childForFieldName('right');
      let value = plain ? stored(constantValue(right)) : UNKNOWN;
      if (plain && value === UNKNOWN && codes?.has(id.text) && namedCode(right)) value = NONZERO;
      if (value === NONZERO && signed?.has(id.text) && namedCode(right)) value = NEGATIVE;
      out.push([i, value]);
    } else if (up.type === 'init_declarator' && up.childForFieldName('declarator')?.id === id.id) {
      const right = up.childForFieldName('value');
      const value = stored(constantValue(right));
      out.push([i, value === NONZERO && signed?.has(id.text) && namedCode(right) ? NEGATIVE : value]);
    } else if (up.type === 'update_expression' || (up.type === 'pointer_expression' && up.text.startsWith('&')))
      out.push([i, UNKNOWN]);
  }
  return out;
}

/** `X` of `(fd = socket(...)) == X`: what the resource holds when its acquisition failed. */
function failureValue(acquisition: Node, resource: string): string | undefined {
  let n: Node | null = acquisition.parent;
  while (n && n.type === 'parenthesized_expression') n = n.parent;
  if (n?.type !== 'assignment_expression' || n.childForFieldName('left')?.text !== resource) return undefined;
  let up: Node | null = n.parent;
  let child: Node = n;
  while (up?.type === 'parenthesized_expression') [child, up] = [up, up.parent];
  if (up?.type !== 'binary_expression' || !/^[!=]=$/.test(up.childForFieldName('operator')?.text ?? ''))
    return undefined;
  const other =
    up.childForFieldName('left')?.id === child.id ? up.childForFieldName('right') : up.childForFieldName('left');
  return other && /^[A-Za-z_]\w*$/.test(other.text) ? other.text : undefined;
}

/**
 * The flags' facts where the acquisition runs, from the nearest thing before it that decides each:
 * an assignment in a statement before it in an enclosing block (`newrec = FALSE;`, `bool ok = false;`),
 * or the condition of an `if` it sits in. Anything else that assigns a flag first leaves it unknown.
 */
function initialFacts(
  func: Node,
  acquisition: Node,
  resource: string,
  flags: string[],
  transfer: (node: Node, facts: number) => number,
  refine: (cond: Node, want: boolean, facts: number) => number,
): number {
  let facts = 0;
  const decided = new Set<string>();
  const mask = (name: string) => 3 << (2 * flags.indexOf(name));
  /** Takes `next`'s answer for the flags not yet decided; those it speaks of are decided then. */
  const learn = (next: number, speaksOf: string[]) => {
    for (const name of speaksOf) {
      if (decided.has(name)) continue;
      decided.add(name);
      facts = (facts & ~mask(name)) | (next & mask(name));
    }
  };
  /** What `cond` having gone `want` teaches, for the flags it speaks of. */
  const learnFrom = (cond: Node, want: boolean) => {
    const learnt = refine(cond, want, 0);
    learn(
      learnt,
      flags.filter((f) => learnt & mask(f)),
    );
    return learnt;
  };
  let child: Node = acquisition;
  // Inside `if (!buf)` / `if (buf == NULL)`: the buffer was NULL when the function decided to allocate.
  let nullGuarded = false;
  for (const a of ancestors(acquisition)) {
    if (a.type === 'if_statement' && a.childForFieldName('consequence')?.id === child.id) {
      const test = nullTest(normalizeCondition(a.childForFieldName('condition')?.text ?? ''));
      if (test?.subject === resource && test.nullWhenTrue) nullGuarded = true;
    }
    if (a.type === 'if_statement' && a.childForFieldName('condition')?.id !== child.id) {
      const cond = a.childForFieldName('condition');
      const inConsequence = a.childForFieldName('consequence')?.id === child.id;
      const inAlternative = a.childForFieldName('alternative')?.id === child.id;
      if (cond && (inConsequence || inAlternative)) {
        const learnt = learnFrom(cond, inConsequence);
        // A flag the condition assigns (`if ((r = f()) != 0)`) and does not decide is unknown.
        learn(
          0,
          flags.filter((f) => assigns(cond, f) && !(learnt & mask(f))),
        );
      }
    }
    // `use_accept4 && (s = accept4(…)) != -1`: the right side runs only where the left went one way.
    if (a.type === 'binary_expression' && a.childForFieldName('right')?.id === child.id) {
      const op = a.childForFieldName('operator')?.text;
      const left = a.childForFieldName('left');
      if (left && (op === '&&' || op === '||')) learnFrom(left, op === '&&');
    }
    // An earlier iteration may have set what the statements before the loop did not.
    if (LOOPS.test(a.type))
      learn(
        0,
        flags.filter((f) => !decided.has(f) && assigns(a, f)),
      );
    if (a.type === 'compound_statement' || a.type === 'translation_unit') {
      for (let s = child.previousNamedSibling; s; s = s.previousNamedSibling) {
        const touched = flags.filter((f) => !decided.has(f) && assigns(s, f));
        if (touched.length === 0) continue;
        const plain = s.type === 'expression_statement' || s.type === 'declaration';
        // `bool dofree = buf == nullptr;` then `if (!buf) buf = new …;`: the flag holds the test that let
        // the allocation happen, so it is set wherever the buffer is this function's own.
        const nullTested = plain && nullGuarded ? flagFromNullTest(s, resource) : undefined;
        if (nullTested && touched.includes(nullTested.flag)) {
          const bit = 2 * flags.indexOf(nullTested.flag);
          learn(((nullTested.whenNull ? NONZERO : ZERO) << bit) >>> 0, [nullTested.flag]);
        }
        learn(plain ? transfer(s, 0) : 0, touched);
      }
    }
    if (a.id === func.id) break;
    child = a;
  }
  // `buf = new uint8_t[len]` / `malloc(len)`: a path that holds the buffer asked for `len` bytes, so
  // a later `if (len && buf) { …; delete[] buf; }` releases it (a zero-sized request is not a case
  // code guards against).
  const size = allocationSize(acquisition);
  if (size && flags.includes(size)) facts = (facts & ~mask(size)) | (NONZERO << (2 * flags.indexOf(size)));
  return facts;
}

/** The local that sizes an allocation: `new T[n]`, `malloc(n)`, `calloc(n, size)`, `realloc(p, n)`. */
function allocationSize(acquisition: Node): string | undefined {
  const made = findAll(acquisition, ['new_expression', 'call_expression'])[0];
  if (made?.type === 'new_expression') {
    const size = made.childForFieldName('declarator')?.namedChild(0);
    return size?.type === 'identifier' ? size.text : undefined;
  }
  const fn = made?.childForFieldName('function')?.text;
  const args = made?.childForFieldName('arguments')?.namedChildren ?? [];
  const size = fn === 'malloc' || fn === 'calloc' ? args[0] : fn === 'realloc' ? args[1] : undefined;
  return size?.type === 'identifier' ? size.text : undefined;
}

/** `f = buf == NULL;` / `bool f = !buf;` / `f = buf != nullptr;`: a flag set from a null test of `resource`. */
function flagFromNullTest(statement: Node, resource: string): { flag: string; whenNull: boolean } | undefined {
  const set =
    statement.type === 'declaration'
      ? statement.namedChildren.find((c) => c?.type === 'init_declarator')
      : statement.firstNamedChild;
  let flag: Node | null | undefined;
  let value: Node | null | undefined;
  if (set?.type === 'init_declarator')
    [flag, value] = [set.childForFieldName('declarator'), set.childForFieldName('value')];
  else if (set?.type === 'assignment_expression' && set.childForFieldName('operator')?.text === '=')
    [flag, value] = [set.childForFieldName('left'), set.childForFieldName('right')];
  if (flag?.type !== 'identifier' || !value) return undefined;
  const test = nullTest(normalizeCondition(value.text));
  return test?.subject === resource ? { flag: flag.text, whenNull: test.nullWhenTrue } : undefined;
}

/** Whether `node` assigns `name`, takes its address, or steps it. */
function assigns(node: Node, name: string): boolean {
  return assignmentsIn(node, [name]).length > 0;
}

/**
 * The locals a function tests as flags (`if (ok)`, `!newrec`, `r != 0`, `(r = f()) < 0`) that it
 * also sets to a constant or inside a test, or tests more than once: the ones whose value a path can
 * know. Most tested first.
 */
function flagCandidates(func: Node): Array<{ name: string; tests: number[] }> {
  // Which names are set to a constant or inside a test, read from the text first: most functions
  // have none, and then their conditions are never walked.
  const text = func.text;
  const settable = new Set<string>();
  for (const m of text.matchAll(SET_TO_CONSTANT)) {
    const value = m[2].replace(/\s+/g, '');
    if (value === 'NULL' || value === 'nullptr') continue;
    if (ZERO_TEXT.test(value) || NEGATIVE_TEXT.test(value) || NONZERO_TEXT.test(value)) settable.add(m[1]);
    else if (ERROR_CODE.test(value) && !NOT_AN_ERROR.test(value)) settable.add(m[1]);
  }
  for (const m of text.matchAll(SET_IN_TEST)) settable.add(m[1]);
  for (const m of text.matchAll(SET_FROM_NULL_TEST)) settable.add(m[1]);
  // A flag tested twice needs no constant: the first test decides the second (`if (err) goto out;`
  // ... `out: if (!add || err) free(row);`, with `err = f();` between neither).
  if (settable.size === 0 && (text.match(/\b(if|while)\s*\(/g)?.length ?? 0) < 2) return [];
  const tested = new Map<string, number[]>();
  const count = (name: string, at: number) => {
    const list = tested.get(name);
    if (list) list.push(at);
    else tested.set(name, [at]);
  };
  const atoms = (n: Node) => {
    const e = unwrap(n);
    if (e.type === 'identifier') count(e.text, e.startIndex);
    else if (e.type === 'unary_expression' && e.childForFieldName('operator')?.text === '!')
      atoms(e.childForFieldName('argument')!);
    else if (e.type === 'binary_expression') {
      const op = e.childForFieldName('operator')?.text;
      if (op === '&&' || op === '||') {
        atoms(e.childForFieldName('left')!);
        atoms(e.childForFieldName('right')!);
      } else {
        const c = comparison(e);
        if (c) count(c.subject, e.startIndex);
      }
    }
  };
  for (const s of findAll(func, ['if_statement', 'while_statement', 'do_statement', 'for_statement'])) {
    const cond = s.childForFieldName('condition');
    if (cond) atoms(cond);
  }
  return [...tested.entries()]
    .filter(([name, tests]) => settable.has(name) || tests.length > 1)
    .sort((a, b) => b[1].length - a[1].length)
    .map(([name, tests]) => ({ name, tests }));
}

/** `ok = false;`, `int r = -1,`, `rc = (int) SSH_ERR_INTERNAL_ERROR;` (NULL is for nullFacts). */
const SET_TO_CONSTANT = /(?<![=!<>+\-*/%&|^])\b([A-Za-z_]\w*)\s*=(?!=)\s*(?:\([\w\s]+\)\s*)?(-?\s*\w+)\s*[;,)]/g;
/** `if ((r = f()) != 0)`, `while ((n = read(fd, b, len)) > 0)`: set where it is tested. */
const SET_IN_TEST = /\(\s*([A-Za-z_]\w*)\s*=(?!=)/g;
// `dofree = buf == NULL;`, `bool own = !p;`: a flag that remembers whether a pointer was NULL.
const SET_FROM_NULL_TEST =
  /\b([A-Za-z_]\w*)\s*=(?!=)\s*\(?\s*(?:!\s*[A-Za-z_]\w*|[A-Za-z_]\w*\s*[!=]=\s*(?:NULL|nullptr|0))\s*\)?\s*;/g;
