// Control-flow graphs of function bodies, built from the tree-sitter tree. Shared by the rules that
// follow a resource along paths (src/core/flow/lifetime.ts). A block holds one simple statement or
// one condition; edges out of a condition say which way it went, so an analysis can learn from it
// (`if (!p) return;` holds nothing on the return path).
import type { Node } from 'web-tree-sitter';

export type EdgeKind = 'next' | 'true' | 'false' | 'case' | 'exception' | 'longjmp';

export interface CfgEdge {
  to: CfgBlock;
  kind: EdgeKind;
}

export interface CfgBlock {
  id: number;
  /** The statement or condition expression; none for the entry and the exits. */
  node?: Node;
  /** 'cond' blocks branch on `node`; 'stmt' blocks run it; 'exit' ends the function. */
  kind: 'entry' | 'stmt' | 'cond' | 'exit';
  /** How the function is left at an exit block: return / end of body / throw / noreturn call. */
  exitKind?: 'return' | 'end' | 'throw' | 'noreturn';
  succ: CfgEdge[];
}

export interface Cfg {
  entry: CfgBlock;
  /** Falling off the end or `return` (normal exit). */
  exit: CfgBlock;
  /** Leaving by an uncaught `throw`/`raise`. */
  throwExit: CfgBlock;
  /** A call that never returns (`exit`, `abort`, `sys.exit`): the process ends, nothing leaks. */
  noreturnExit: CfgBlock;
  blocks: CfgBlock[];
  /** The block that holds a node, by node id (statements and conditions). */
  blockOf: Map<number, CfgBlock>;
}

/** What a language tells the CFG builder. */
export interface CfgLanguage {
  /** Calls after which control never comes back (`exit(1)`, `abort()`, `sys.exit()`). */
  isNoreturnCall(call: Node): boolean;
  /** The call node of an expression statement, if the statement is just a call. */
  callOf(statement: Node): Node | null;
}

interface Frame {
  breakTo?: CfgBlock;
  continueTo?: CfgBlock;
  /** Where `throw`/`raise` goes inside a try: the handlers' entry (or a finally). */
  throwTo?: CfgBlock;
  /** `return` inside try/finally: runs the finally first. */
  finallyTo?: CfgBlock;
}

class Builder {
  readonly blocks: CfgBlock[] = [];
  readonly blockOf = new Map<number, CfgBlock>();
  readonly labels = new Map<string, CfgBlock>();
  readonly gotos: Array<{ from: CfgBlock; label: string }> = [];
  readonly setjmpTargets: Array<{ target: CfgBlock; after: number }> = [];
  exit!: CfgBlock;
  throwExit!: CfgBlock;
  noreturnExit!: CfgBlock;

  constructor(
    readonly lang: CfgLanguage,
    readonly python: boolean,
  ) {}

  block(kind: CfgBlock['kind'], node?: Node): CfgBlock {
    const b: CfgBlock = { id: this.blocks.length, kind, node, succ: [] };
    this.blocks.push(b);
    if (node) this.blockOf.set(node.id, b);
    return b;
  }

  link(from: CfgBlock[], to: CfgBlock, kind: EdgeKind = 'next'): void {
    for (const f of from) f.succ.push({ to, kind });
  }
}

/**
 * Builds the CFG of one function body (a C/C++ `compound_statement` or a Python `block`). Nested
 * functions, lambdas and classes are opaque statements: their bodies run elsewhere.
 */
export function buildCfg(body: Node, lang: CfgLanguage, python: boolean): Cfg {
  const b = new Builder(lang, python);
  const entry = b.block('entry');
  b.exit = b.block('exit');
  b.exit.exitKind = 'return';
  b.throwExit = b.block('exit');
  b.throwExit.exitKind = 'throw';
  b.noreturnExit = b.block('exit');
  b.noreturnExit.exitKind = 'noreturn';
  const ends = statement(b, body, [entry], {});
  b.link(ends, b.exit);
  for (const g of b.gotos) {
    const target = b.labels.get(g.label);
    if (target) b.link([g.from], target);
    else b.link([g.from], b.exit); // a label we did not see (macro): leaves the function
  }
  // `if (setjmp(env)) { ... }`: a longjmp from any call after it lands in that branch.
  for (const s of b.setjmpTargets) {
    for (const blk of b.blocks) {
      if (blk.kind === 'stmt' && blk.node && blk.node.startIndex > s.after && mayLongjmp(blk.node.text))
        blk.succ.push({ to: s.target, kind: 'longjmp' });
    }
  }
  return {
    entry,
    exit: b.exit,
    throwExit: b.throwExit,
    noreturnExit: b.noreturnExit,
    blocks: b.blocks,
    blockOf: b.blockOf,
  };
}

/**
 * C library calls that never call back into the program, and so never reach a `longjmp` (keywords
 * too: `sizeof(`, `if (` look like calls to a regex). libpcap's `memset` right after a `malloc` is
 * not where its error handler can land.
 */
const NEVER_LONGJMP = new Set(
  (
    'if while for switch return sizeof _Alignof alignof offsetof defined ' +
    'memset memcpy memmove memcmp memchr strlen strnlen strcpy strncpy strcat strncat strcmp strncmp ' +
    'strcasecmp strncasecmp strchr strrchr strstr strspn strcspn strpbrk strdup strndup strtok strtok_r ' +
    'snprintf sprintf vsnprintf vsprintf printf fprintf vfprintf fputs puts fputc putc putchar fwrite ' +
    'fread fgets fgetc getc fflush fopen fclose fseek ftell rewind malloc calloc realloc free ' +
    'abs labs llabs atoi atol atoll strtol strtoul strtoll strtoull strtod strtof isalpha isdigit ' +
    'isalnum isspace isupper islower isxdigit isprint toupper tolower htons htonl ntohs ntohl ' +
    'errno strerror assert'
  ).split(' '),
);

/** Whether a statement calls something that may `longjmp` (anything but NEVER_LONGJMP). */
function mayLongjmp(text: string): boolean {
  for (const m of text.matchAll(/([A-Za-z_]\w*)\s*\(/g)) if (!NEVER_LONGJMP.has(m[1])) return true;
  return false;
}

/** Wires `node` after the blocks in `preds`; returns the blocks control leaves it from normally. */
function statement(b: Builder, node: Node, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  switch (node.type) {
    case 'compound_statement':
    case 'block':
    case 'module': {
      let cur = preds;
      for (const child of node.namedChildren) {
        if (!child || child.type === 'comment') continue;
        cur = statement(b, child, cur, frame);
      }
      return cur;
    }
    case 'preproc_if':
    case 'preproc_ifdef':
    case 'preproc_elif':
    case 'preproc_elifdef':
    case 'preproc_else': {
      // `#if A ... #else ... #endif`: either branch may be compiled in; both are paths. `#if 0` never is.
      // The directive is a condition block, so an analysis can keep one answer per macro along a
      // path (`#ifdef WINDOWED` twice in a function is the same build).
      const alt = node.childForFieldName('alternative');
      if (isDisabled(node)) return alt ? statement(b, alt, preds, frame) : preds;
      const condNode = node.childForFieldName('condition') ?? node.childForFieldName('name');
      let cur = preds;
      let skip = preds;
      if (condNode && node.type !== 'preproc_else') {
        const cond = b.block('cond', condNode);
        b.link(preds, cond);
        const taken = b.block('stmt');
        const notTaken = b.block('stmt');
        cond.succ.push({ to: taken, kind: 'true' }, { to: notTaken, kind: 'false' });
        cur = [taken];
        skip = [notTaken];
      }
      for (const child of node.namedChildren) {
        if (
          !child ||
          child.type === 'comment' ||
          child.id === alt?.id ||
          child.id === node.childForFieldName('condition')?.id ||
          child.id === node.childForFieldName('name')?.id
        )
          continue;
        cur = statement(b, child, cur, frame);
      }
      if (!alt) return node.type === 'preproc_else' ? cur : [...cur, ...skip];
      return [...cur, ...statement(b, alt, skip, frame)];
    }
    case 'labeled_statement': {
      const label = b.block('stmt', node.childForFieldName('label') ?? undefined);
      b.link(preds, label);
      b.labels.set(node.childForFieldName('label')?.text ?? '', label);
      // `done: /* comment */ free(p);`: the comment is a child too; the statement follows it.
      let cur: CfgBlock[] = [label];
      for (const c of node.namedChildren) {
        if (c && c.type !== 'statement_identifier' && c.type !== 'comment') cur = statement(b, c, cur, frame);
      }
      return cur;
    }
    case 'if_statement':
      return ifStatement(b, node, preds, frame);
    case 'while_statement':
      return conditionLoop(b, node, node.childForFieldName('condition'), preds, frame);
    case 'do_statement': {
      const head = b.block('stmt');
      b.link(preds, head);
      const cond = b.block('cond', node.childForFieldName('condition') ?? undefined);
      const exitBlock = b.block('stmt');
      const ends = statement(b, node.childForFieldName('body')!, [head], {
        ...frame,
        breakTo: exitBlock,
        continueTo: cond,
      });
      b.link(ends, cond);
      cond.succ.push({ to: head, kind: 'true' });
      // `do { ... } while (1);` is left only by break, return or goto.
      if (!isConstantTrue(node.childForFieldName('condition'))) cond.succ.push({ to: exitBlock, kind: 'false' });
      return [exitBlock];
    }
    case 'for_statement':
    case 'for_range_loop':
      return b.python ? pythonFor(b, node, preds, frame) : cFor(b, node, preds, frame);
    case 'switch_statement':
      return switchStatement(b, node, preds, frame);
    case 'match_statement':
      return matchStatement(b, node, preds, frame);
    case 'break_statement': {
      const blk = b.block('stmt', node);
      b.link(preds, blk);
      if (frame.breakTo) b.link([blk], frame.breakTo);
      return [];
    }
    case 'continue_statement': {
      const blk = b.block('stmt', node);
      b.link(preds, blk);
      if (frame.continueTo) b.link([blk], frame.continueTo);
      return [];
    }
    case 'return_statement': {
      const blk = b.block('stmt', node);
      b.link(preds, blk);
      b.link([blk], frame.finallyTo ?? b.exit);
      return [];
    }
    case 'goto_statement': {
      const blk = b.block('stmt', node);
      b.link(preds, blk);
      b.gotos.push({ from: blk, label: node.childForFieldName('label')?.text ?? '' });
      return [];
    }
    case 'throw_statement':
    case 'raise_statement': {
      const blk = b.block('stmt', node);
      b.link(preds, blk);
      b.link([blk], frame.throwTo ?? b.throwExit, 'exception');
      return [];
    }
    case 'try_statement':
      return tryStatement(b, node, preds, frame);
    case 'with_statement': {
      // The context managers are entered (a statement), then the body runs.
      const head = b.block('stmt', node.namedChildren.find((c) => c?.type === 'with_clause') ?? undefined);
      b.link(preds, head);
      return statement(b, node.childForFieldName('body')!, [head], frame);
    }
    case 'function_definition':
    case 'class_definition':
    case 'decorated_definition':
    default: {
      const blk = b.block('stmt', node);
      b.link(preds, blk);
      const call = b.lang.callOf(node);
      if (call && b.lang.isNoreturnCall(call)) {
        b.link([blk], b.noreturnExit);
        return [];
      }
      return [blk];
    }
  }
}

function ifStatement(b: Builder, node: Node, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  const condNode = node.childForFieldName('condition');
  const cond = b.block('cond', condNode ?? undefined);
  b.link(preds, cond);
  const thenEntry = b.block('stmt');
  cond.succ.push({ to: thenEntry, kind: 'true' });
  if (condNode && /\bsetjmp\s*\(|\bsigsetjmp\s*\(|\bsetjmp_\w*\s*\(/.test(condNode.text) && !b.python) {
    b.setjmpTargets.push({ target: thenEntry, after: node.endIndex });
  }
  const ends = statement(b, node.childForFieldName('consequence')!, [thenEntry], frame);
  const alternatives = node.namedChildren.filter(
    (c) => c?.type === 'else_clause' || c?.type === 'elif_clause',
  ) as Node[];
  const alt = node.childForFieldName('alternative');
  if (b.python) {
    let falsePreds: Array<{ from: CfgBlock; kind: EdgeKind }> = [{ from: cond, kind: 'false' }];
    for (const clause of alternatives) {
      if (clause.type === 'elif_clause') {
        const c = b.block('cond', clause.childForFieldName('condition') ?? undefined);
        for (const p of falsePreds) p.from.succ.push({ to: c, kind: p.kind });
        const e = b.block('stmt');
        c.succ.push({ to: e, kind: 'true' });
        ends.push(...statement(b, clause.childForFieldName('consequence')!, [e], frame));
        falsePreds = [{ from: c, kind: 'false' }];
      } else {
        const e = b.block('stmt');
        for (const p of falsePreds) p.from.succ.push({ to: e, kind: p.kind });
        ends.push(...statement(b, clause.childForFieldName('body') ?? clause.namedChildren[0]!, [e], frame));
        falsePreds = [];
      }
    }
    if (falsePreds.length) {
      const join = b.block('stmt');
      for (const p of falsePreds) p.from.succ.push({ to: join, kind: p.kind });
      ends.push(join);
    }
    return ends;
  }
  if (alt) {
    const elseEntry = b.block('stmt');
    cond.succ.push({ to: elseEntry, kind: 'false' });
    const inner = alt.type === 'else_clause' ? alt.namedChildren.find((c) => c && c.type !== 'comment') : alt;
    ends.push(...(inner ? statement(b, inner, [elseEntry], frame) : [elseEntry]));
  } else {
    const join = b.block('stmt');
    cond.succ.push({ to: join, kind: 'false' });
    ends.push(join);
  }
  return ends;
}

function cFor(b: Builder, node: Node, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  let cur = preds;
  const init = node.childForFieldName('initializer') ?? node.childForFieldName('right');
  if (init) {
    const i = b.block('stmt', init);
    b.link(cur, i);
    cur = [i];
  }
  const condNode = node.type === 'for_range_loop' ? null : node.childForFieldName('condition');
  const cond = b.block('cond', condNode ?? undefined);
  b.link(cur, cond);
  const update = node.childForFieldName('update');
  const step = b.block('stmt', update ?? undefined);
  step.succ.push({ to: cond, kind: 'next' });
  const exitBlock = b.block('stmt');
  const bodyEntry = b.block('stmt');
  cond.succ.push({ to: bodyEntry, kind: 'true' });
  if (node.type === 'for_range_loop' || condNode) cond.succ.push({ to: exitBlock, kind: 'false' });
  const ends = statement(b, node.childForFieldName('body')!, [bodyEntry], {
    ...frame,
    breakTo: exitBlock,
    continueTo: step,
  });
  b.link(ends, step);
  return [exitBlock];
}

function pythonFor(b: Builder, node: Node, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  return conditionLoop(b, node, node.childForFieldName('right'), preds, frame);
}

/**
 * A loop tested before each iteration (`while`, Python `for`): the head branches into the body or
 * out; `continue` goes back to the head. Python's `else` runs when the head fails, not after break.
 */
function conditionLoop(b: Builder, node: Node, head: Node | null, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  const cond = b.block('cond', head ?? undefined);
  b.link(preds, cond);
  const exitBlock = b.block('stmt'); // join point for the false edge and breaks
  const bodyEntry = b.block('stmt');
  cond.succ.push({ to: bodyEntry, kind: 'true' });
  const ends = statement(b, node.childForFieldName('body')!, [bodyEntry], {
    ...frame,
    breakTo: exitBlock,
    continueTo: cond,
  });
  b.link(ends, cond);
  const orelse = b.python ? node.childForFieldName('alternative') : null;
  if (orelse) {
    const e = b.block('stmt');
    cond.succ.push({ to: e, kind: 'false' });
    b.link(statement(b, orelse.childForFieldName('body') ?? orelse.namedChildren[0]!, [e], frame), exitBlock);
  } else if (node.type !== 'while_statement' || !isConstantTrue(head)) {
    cond.succ.push({ to: exitBlock, kind: 'false' });
  }
  return [exitBlock];
}

function switchStatement(b: Builder, node: Node, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  const cond = b.block('cond', node.childForFieldName('condition') ?? undefined);
  b.link(preds, cond);
  const exitBlock = b.block('stmt');
  const body = node.childForFieldName('body');
  let fall: CfgBlock[] = [];
  let hasDefault = false;
  const inner: Frame = { ...frame, breakTo: exitBlock };
  const items = switchItems(body);
  const labels = items.flatMap((c) =>
    c?.type === 'case_statement' && c.childForFieldName('value') ? [c.childForFieldName('value')!.text] : [],
  );
  // `if (d != 1 && d != 8) return; ... switch (d) { case 1: ... case 8: ... default: ... }`:
  // every value that reaches the switch has a case, so the default (or no match) is dead code.
  const exhaustive = validatedAgainst(node, labels);
  for (const c of items) {
    if (c.type === 'comment') continue;
    if (c.type === 'case_statement') {
      const entry = b.block('stmt', c.childForFieldName('value') ?? undefined);
      if (!c.childForFieldName('value')) hasDefault = true;
      if (c.childForFieldName('value') || !exhaustive) cond.succ.push({ to: entry, kind: 'case' });
      b.link(fall, entry);
      let cur: CfgBlock[] = [entry];
      for (const s of c.namedChildren) {
        if (!s || s.id === c.childForFieldName('value')?.id || s.type === 'comment') continue;
        cur = statement(b, s, cur, inner);
      }
      fall = cur;
    } else {
      fall = statement(b, c, fall, inner);
    }
  }
  b.link(fall, exitBlock);
  if (!hasDefault && !exhaustive) cond.succ.push({ to: exitBlock, kind: 'case' });
  return [exitBlock];
}

const PREPROC_BRANCH = /^preproc_(if|ifdef|elif|elifdef|else)$/;

/**
 * A switch body's statements, with the case labels that conditional directives wrap brought up to
 * the switch (`#ifndef NO_EC  case EC: { ... }  #endif`): every branch is taken to be compiled, as
 * elsewhere, and a case inside one is still one of the switch's cases.
 */
function switchItems(body: Node | null): Node[] {
  const out: Node[] = [];
  const add = (nodes: Array<Node | null>) => {
    for (const c of nodes) {
      if (!c) continue;
      if (PREPROC_BRANCH.test(c.type) && !isDisabled(c) && c.namedChildren.some((x) => x?.type === 'case_statement')) {
        const skip = new Set(
          ['condition', 'name', 'alternative'].map((f) => c.childForFieldName(f)?.id).filter((x) => x !== undefined),
        );
        add(c.namedChildren.filter((x) => x && !skip.has(x.id)));
        const alt = c.childForFieldName('alternative');
        if (alt) add([alt]);
      } else out.push(c);
    }
  };
  add(body?.namedChildren ?? []);
  return out;
}

/**
 * Whether an earlier `if` in the function leaves for every value of the switch's variable outside
 * its case labels: `if (d != 1 && d != 2) return ...;` (C) before `switch (d)`.
 */
function validatedAgainst(switchNode: Node, labels: string[]): boolean {
  const subject = switchNode.childForFieldName('condition')?.text.replace(/[\s()]/g, '');
  if (!subject || !/^\w+$/.test(subject) || labels.length === 0) return false;
  const known = new Set(labels.map((l) => l.replace(/\s+/g, '')));
  for (let n: Node | null = switchNode; n && n.type !== 'function_definition'; n = n.parent) {
    for (let p = n.previousNamedSibling; p; p = p.previousNamedSibling) {
      if (p.type !== 'if_statement' || p.childForFieldName('alternative')) continue;
      if (!alwaysLeaves(p.childForFieldName('consequence'))) continue;
      const cond = p.childForFieldName('condition')?.text.replace(/[\s()]/g, '') ?? '';
      const terms = cond.split('&&');
      const values = terms.map((t) => new RegExp(`^${subject}!=(.+)$`).exec(t)?.[1]);
      if (!values.every((v) => v !== undefined && known.has(v))) continue;
      // Assigned between the test and the switch: the test says nothing about the switch.
      const between = p.tree.rootNode.text.slice(p.endIndex, switchNode.startIndex);
      return !new RegExp(`\\b${subject}\\s*([-+*/|&^]?=[^=]|\\+\\+|--)|(\\+\\+|--|&)${subject}\\b`).test(between);
    }
  }
  return false;
}

/** A statement (or block) whose last statement leaves: return, goto, break, continue, throw. */
export function alwaysLeaves(n: Node | null): boolean {
  let last: Node | null = n;
  while (last?.type === 'compound_statement') last = last.namedChild(last.namedChildCount - 1);
  return (
    !!last && /^(return_statement|goto_statement|break_statement|continue_statement|throw_statement)$/.test(last.type)
  );
}

function matchStatement(b: Builder, node: Node, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  const cond = b.block('cond', node.childForFieldName('subject') ?? undefined);
  b.link(preds, cond);
  const exitBlock = b.block('stmt');
  cond.succ.push({ to: exitBlock, kind: 'case' });
  const body = node.childForFieldName('body');
  for (const c of body?.namedChildren ?? []) {
    if (c?.type !== 'case_clause') continue;
    const entry = b.block('stmt');
    cond.succ.push({ to: entry, kind: 'case' });
    const consequence = c.childForFieldName('consequence');
    b.link(consequence ? statement(b, consequence, [entry], frame) : [entry], exitBlock);
  }
  return [exitBlock];
}

/**
 * try/catch (C++) and try/except/else/finally (Python). Only explicit `throw`/`raise` (and, for the
 * analyses that ask, calls via `exception` edges they add themselves) reach the handlers; a finally
 * runs on the way out of every path, including returns and uncaught exceptions.
 */
function tryStatement(b: Builder, node: Node, preds: CfgBlock[], frame: Frame): CfgBlock[] {
  const handlers = node.namedChildren.filter(
    (c) => c?.type === 'catch_clause' || c?.type === 'except_clause' || c?.type === 'except_group_clause',
  ) as Node[];
  const finallyClause = node.namedChildren.find((c) => c?.type === 'finally_clause') ?? null;
  const elseClause = node.namedChildren.find((c) => c?.type === 'else_clause') ?? null;
  const after: CfgBlock[] = [];
  // The finally block is built once; every way out (normal, return, throw) runs it, then goes on
  // to where it was going. Without path-specific copies, its exit goes to every such target.
  let finallyEntry: CfgBlock | undefined;
  let finallyEnds: CfgBlock[] = [];
  const finallyTargets = new Set<CfgBlock>();
  if (finallyClause) {
    finallyEntry = b.block('stmt');
    finallyEnds = statement(
      b,
      finallyClause.namedChildren.find((c) => c?.type === 'block') ?? finallyClause,
      [finallyEntry],
      frame,
    );
  }
  const dispatch = b.block('stmt'); // where an exception in the try body lands
  const outer: Frame = finallyEntry
    ? {
        ...frame,
        finallyTo: finallyEntry,
        throwTo: finallyEntry,
        breakTo: frame.breakTo && finallyEntry,
        continueTo: frame.continueTo && finallyEntry,
      }
    : frame;
  if (finallyEntry) {
    finallyTargets.add(frame.finallyTo ?? b.exit);
    finallyTargets.add(frame.throwTo ?? b.throwExit);
    if (frame.breakTo) finallyTargets.add(frame.breakTo);
    if (frame.continueTo) finallyTargets.add(frame.continueTo);
  }
  const inTry: Frame = { ...outer, throwTo: dispatch };
  const body =
    node.childForFieldName('body') ??
    node.namedChildren.find((c) => c?.type === 'compound_statement' || c?.type === 'block')!;
  const tryEntry = b.block('stmt');
  b.link(preds, tryEntry);
  let ends = statement(b, body, [tryEntry], inTry);
  if (elseClause)
    ends = statement(b, elseClause.childForFieldName('body') ?? elseClause.namedChildren[0]!, ends, outer);
  after.push(...ends);
  let caughtAll = false;
  for (const h of handlers) {
    const e = b.block('stmt', h.type === 'catch_clause' ? (h.childForFieldName('parameters') ?? undefined) : undefined);
    dispatch.succ.push({ to: e, kind: 'exception' });
    const hb =
      h.childForFieldName('body') ??
      h.namedChildren.find((c) => c?.type === 'block' || c?.type === 'compound_statement');
    after.push(...(hb ? statement(b, hb, [e], outer) : [e]));
    if (isCatchAll(h)) caughtAll = true;
  }
  if (!caughtAll) dispatch.succ.push({ to: outer.throwTo ?? b.throwExit, kind: 'exception' });
  if (finallyEntry) {
    b.link(after, finallyEntry);
    const join = b.block('stmt');
    b.link(finallyEnds, join);
    for (const t of finallyTargets) b.link([join], t);
    return [join];
  }
  return after;
}

function isCatchAll(h: Node): boolean {
  if (h.type === 'catch_clause') return /^\(\s*\.\.\.\s*\)$/.test(h.childForFieldName('parameters')?.text ?? '');
  // `except:` or `except BaseException` / `except Exception`
  const value = h.namedChildren.find((c) => c && c.type !== 'block' && c.type !== 'comment');
  return !value || /^(BaseException|Exception)\b/.test(value.text);
}

function isConstantTrue(cond: Node | null): boolean {
  const t = cond?.text.replace(/[()\s]/g, '') ?? '';
  return t === '1' || t === 'true' || t === 'True';
}

/**
 * `#if 0`: code that is never compiled. Also `#ifdef __COVERITY__`: a branch only a static analyzer
 * compiles (libpng's pngstest.c opens a temporary with mkstemp there, with tmpfile() in every real build).
 */
export function isDisabled(preproc: Node): boolean {
  if (preproc.type === 'preproc_ifdef')
    return (
      preproc.child(0)?.text === '#ifdef' &&
      /^(__COVERITY__|__clang_analyzer__|__CPPCHECK__|__SPLINT__)$/.test(preproc.childForFieldName('name')?.text ?? '')
    );
  return preproc.type === 'preproc_if' && /^\(?\s*0\s*\)?$/.test(preproc.childForFieldName('condition')?.text ?? '');
}

/** Inside the body of an `#if 0` (not in its `#else`). */
export function inDisabledCode(node: Node): boolean {
  for (let child: Node = node, a = node.parent; a; child = a, a = a.parent) {
    if (isDisabled(a) && a.childForFieldName('alternative')?.id !== child.id) return true;
  }
  return false;
}
