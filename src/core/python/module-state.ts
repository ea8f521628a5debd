// Long-lived Python containers: module-level `NAME = {}` / `[]` / `set()` and class-level
// `name = {}` (shared by every instance), with what functions do to them. Shared by
// unbounded-cache (dicts used as memos) and growing-global (everything else that only grows).
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../rule';
import { python } from '../languages';
import { ancestors, findAll, identifiersIn, isKind } from '../tree';

const K = python.kinds;

export interface LongLivedContainer {
  name: string;
  /** The assignment that creates it. */
  assignment: Node;
  kind: 'dict' | 'list' | 'set';
  /** Set for class attributes: the class name. */
  owner?: string;
  /** Insertions made inside functions. */
  adds: Node[];
  removes: Node[];
  /** Reads by key (`x in c`, `c[k]`, `c.get(k)`): the memo pattern. */
  lookups: Node[];
  sizeChecked: boolean;
}

export const ADD_METHODS = new Set([
  'append',
  'extend',
  'add',
  'update',
  'insert',
  'setdefault',
  'appendleft',
  'extendleft',
]);
const REMOVE_METHODS = new Set([
  'pop',
  'popitem',
  'remove',
  'discard',
  'clear',
  'popleft',
  'difference_update',
  'intersection_update',
  'symmetric_difference_update',
]);
const CONSTRUCTORS: Array<[RegExp, LongLivedContainer['kind']]> = [
  [/^\{\s*\}$|^dict\(\s*\)$|^(collections\.)?(defaultdict|OrderedDict|Counter)\(.*\)$/s, 'dict'],
  [/^\[\s*\]$|^list\(\s*\)$/, 'list'],
  [/^set\(\s*\)$/, 'set'],
];

/** Some line binds a name to an empty container: the precondition of every long-lived container. */
export const CONTAINER_ASSIGNMENT =
  /^[ \t]*[A-Za-z_]\w*\s*(?::[^=\n]+)?=\s*(?:\[\s*\]|\{\s*\}|set\(\s*\)|list\(\s*\)|dict\(\s*\)|(?:collections\.)?(?:defaultdict|OrderedDict|Counter)\()/m;

export function longLivedContainers(ctx: RuleContext): LongLivedContainer[] {
  return ctx.memo('python.longLived', () => {
    const found: LongLivedContainer[] = [];
    // Candidates come from a regex over the text; the tree then confirms each one's place.
    for (const m of ctx.text.matchAll(CONTAINER_ASSIGNMENTS)) {
      const offset = m.index! + m[0].length - m[0].trimStart().length;
      const stmt = ctx.root.descendantForIndex(offset)?.parent?.parent;
      if (stmt?.type !== 'expression_statement') continue;
      const block = stmt.parent;
      if (block?.type === 'module') collect(stmt, undefined, found);
      else if (
        block?.type === 'block' &&
        isKind(block.parent, K.classes) &&
        // A class statement inside a function makes a new class (and a new list) on every call.
        ![...ancestors(block.parent)].some((a) => K.functions.has(a.type)) &&
        !(stmt.firstNamedChild?.childForFieldName('type') && declaresFields(block.parent))
      )
        collect(stmt, block.parent.childForFieldName('name')!.text, found);
    }
    // Containers nothing adds to are never findings: skip their reference walk (most are constants).
    const mutated = found.filter((c) => mutatedInText(ctx.text, c.name) && !(c.owner && assignedPerInstance(ctx, c)));
    for (const c of mutated) classifyUses(ctx, c);
    return mutated;
  });
}

const CONTAINER_ASSIGNMENTS = new RegExp(CONTAINER_ASSIGNMENT.source, 'gm');

/**
 * A class whose annotated attributes are per-instance fields with defaults, not shared state: a
 * NamedTuple, TypedDict, pydantic model, attrs or dataclass-style class (`x: list = []`).
 */
function declaresFields(cls: Node): boolean {
  const bases = cls.childForFieldName('superclasses')?.text ?? '';
  if (/\b(NamedTuple|TypedDict|BaseModel|BaseSettings|Struct|SQLModel)\b/.test(bases)) return true;
  const decorated = cls.parent?.type === 'decorated_definition' ? cls.parent : null;
  return (
    !!decorated &&
    /@(\w+\.)*(dataclass|define|frozen|attrs|s|mutable|dataclass_json)\b/.test(
      decorated.text.slice(0, cls.startIndex - decorated.startIndex),
    )
  );
}

function collect(stmt: Node | null, owner: string | undefined, out: LongLivedContainer[]): void {
  if (stmt?.type !== 'expression_statement') return;
  const assign = stmt.firstNamedChild;
  if (assign?.type !== 'assignment') return;
  const left = assign.childForFieldName('left');
  const right = assign.childForFieldName('right');
  if (left?.type !== 'identifier' || !right) return;
  const kind = CONSTRUCTORS.find(([re]) => re.test(right.text))?.[1];
  if (!kind) return;
  out.push({
    name: left.text,
    assignment: assign,
    kind,
    owner,
    adds: [],
    removes: [],
    lookups: [],
    sizeChecked: false,
  });
}

/** Cheap pre-check: does any line add to `name` at all? Saves the reference walk for constants. */
function mutatedInText(text: string, name: string): boolean {
  const n = name.replace(/[$]/g, '\\$&');
  return new RegExp(
    `\\b${n}\\s*(?:\\.\\s*(?:append|extend|add|update|insert|setdefault|appendleft|extendleft)\\s*\\(|\\[[^\\]\\n]*\\]\\s*(?:[+|]?=)(?!=)|[+|]=)`,
  ).test(text);
}

/** References to the container: `NAME` in functions that do not rebind it locally, or `self.name`/`Cls.name`. */
function references(ctx: RuleContext, c: LongLivedContainer): Node[] {
  if (c.owner) {
    return findAll(
      ctx.root,
      'attribute',
      (n) =>
        n.childForFieldName('attribute')?.text === c.name &&
        ['self', 'cls', c.owner].includes(n.childForFieldName('object')?.text ?? ''),
    );
  }
  const leftId = c.assignment.childForFieldName('left')!.id;
  return identifiersIn(ctx.root, c.name)
    .filter(
      (n) =>
        n.id !== leftId &&
        !(n.parent?.type === 'attribute' && n.parent.childForFieldName('attribute')?.id === n.id) &&
        !(n.parent?.type === 'keyword_argument' && n.parent.childForFieldName('name')?.id === n.id),
    )
    .filter((n) => !shadowedLocally(ctx, n, c.name));
}

function shadowedLocally(ctx: RuleContext, ref: Node, name: string): boolean {
  const fn = [...ancestors(ref)].find((a) => K.functions.has(a.type));
  if (!fn) return false;
  return ctx.memo(`python.shadowed:${fn.id}:${name}`, () => rebindsLocally(fn, name));
}

function rebindsLocally(fn: Node, name: string): boolean {
  const body = fn.childForFieldName('body')!;
  const declaredGlobal =
    findAll(body, ['global_statement', 'nonlocal_statement'], (n) => n.text.split(/[\s,]+/).includes(name)).length > 0;
  if (declaredGlobal) return false;
  const params =
    fn
      .childForFieldName('parameters')
      ?.namedChildren.some((p) => p?.text.split(/[:=]/)[0].trim().replace(/^\*+/, '') === name) ?? false;
  return (
    params ||
    findAll(
      body,
      'assignment',
      (n) => n.childForFieldName('left')?.type === 'identifier' && n.childForFieldName('left')?.text === name,
    ).length > 0
  );
}

function classifyUses(ctx: RuleContext, c: LongLivedContainer): void {
  for (const ref of references(ctx, c)) {
    const inFunction = [...ancestors(ref)].some((a) => K.functions.has(a.type));
    const parent = ref.parent!;
    // `fut.add_done_callback(c.discard)`: a removal handed out as a callback.
    if (
      parent.type === 'attribute' &&
      parent.childForFieldName('object')?.id === ref.id &&
      !isKind(parent.parent, K.calls) &&
      REMOVE_METHODS.has(parent.childForFieldName('attribute')!.text)
    ) {
      c.removes.push(parent);
      continue;
    }
    // c.method(...)
    if (
      parent.type === 'attribute' &&
      parent.childForFieldName('object')?.id === ref.id &&
      isKind(parent.parent, K.calls)
    ) {
      const method = parent.childForFieldName('attribute')!.text;
      if (ADD_METHODS.has(method) && inFunction && !isDecoratorRegistry(ref) && !onlyCalledAtImport(ctx, ref))
        c.adds.push(parent.parent);
      if (REMOVE_METHODS.has(method)) c.removes.push(parent.parent);
      if (method === 'get' || method === 'setdefault') c.lookups.push(parent.parent);
      continue;
    }
    // c[k] = v / del c[k] / c[k] read / c[:] = []
    if (parent.type === 'subscript' && parent.childForFieldName('value')?.id === ref.id) {
      const grand = parent.parent!;
      if (grand.type === 'delete_statement' || grand.parent?.type === 'delete_statement') c.removes.push(grand);
      else if (/assignment/.test(grand.type) && grand.childForFieldName('left')?.id === parent.id) {
        if (parent.text.includes(':')) c.removes.push(grand);
        else if (inFunction && !isDecoratorRegistry(ref) && !onlyCalledAtImport(ctx, ref)) c.adds.push(grand);
      } else c.lookups.push(parent);
      continue;
    }
    // c += [...] / c = ... (with `global`) / c -= {...}
    if (/assignment/.test(parent.type) && parent.childForFieldName('left')?.id === ref.id) {
      const op = parent.type === 'augmented_assignment' ? parent.child(1)?.text : '=';
      if (op === '+=' || op === '|=') {
        if (inFunction) c.adds.push(parent);
      } else c.removes.push(parent);
      continue;
    }
    if (parent.type === 'comparison_operator' && /\bin\b/.test(parent.text)) c.lookups.push(parent);
    if (parent.type === 'argument_list' && parent.parent?.childForFieldName('function')?.text === 'len') {
      if ([...ancestors(ref)].some((a) => a.type === 'comparison_operator')) c.sizeChecked = true;
    }
  }
}

/** `def def_op(name, op): opmap[name] = op` called only from module-level code: filled once, at import. */
function onlyCalledAtImport(ctx: RuleContext, ref: Node): boolean {
  const fn = [...ancestors(ref)].find((a) => K.functions.has(a.type));
  if (
    !fn ||
    (fn.parent?.type !== 'module' &&
      !(fn.parent?.type === 'decorated_definition' && fn.parent.parent?.type === 'module'))
  )
    return false;
  const name = fn.childForFieldName('name')!.text;
  return ctx.memo(`python.importOnly:${name}`, () => {
    const calls = identifiersIn(ctx.root, name).filter(
      (n) => isKind(n.parent, K.calls) && n.parent.childForFieldName('function')?.id === n.id,
    );
    return calls.length > 0 && calls.every((c) => ![...ancestors(c)].some((a) => K.functions.has(a.type)));
  });
}

/** `def register(fn): REGISTRY[fn.__name__] = fn; return fn`: filled once at import time. */
function isDecoratorRegistry(ref: Node): boolean {
  const fn = [...ancestors(ref)].find((a) => K.functions.has(a.type));
  if (!fn) return false;
  const first = fn.childForFieldName('parameters')?.namedChildren[0]?.text.split(/[:=]/)[0].trim();
  return (
    first !== undefined &&
    findAll(fn.childForFieldName('body')!, K.returns, (n) => n.namedChildren[0]?.text === first).length > 0
  );
}

/** `self.cache = {}` in a method: each instance has its own, the class attribute is only a default. */
function assignedPerInstance(ctx: RuleContext, c: LongLivedContainer): boolean {
  return new RegExp(`\\bself\\.${c.name}\\s*(?::[^=\\n]+)?=(?!=)`).test(ctx.text);
}

/** A memo: named like one, or looked up by key as well as filled. */
export function isMemo(c: LongLivedContainer): boolean {
  return c.kind === 'dict' && (/cache|memo/i.test(c.name) || c.lookups.length > 0);
}

export function onlyGrows(c: LongLivedContainer): boolean {
  return c.adds.length > 0 && c.removes.length === 0 && !c.sizeChecked;
}

/**
 * Whether `cls`, with its subclasses in the file, is instantiated in this file and only by top-level
 * statements (never inside a function, where calls could repeat): a fixed set of instances.
 */
export function constructedOnlyAtImport(cls: Node | undefined): boolean {
  const name = cls?.childForFieldName('name')?.text;
  let root: Node | null = cls ?? null;
  while (root?.parent) root = root.parent;
  if (!name || !root) return false;
  const names = new Set([name]);
  const classes = findAll(root, K.classes);
  for (let grew = true; grew;) {
    grew = false;
    for (const c of classes) {
      const n = c.childForFieldName('name')?.text;
      const bases = c.childForFieldName('superclasses')?.namedChildren ?? [];
      if (n && !names.has(n) && bases.some((b) => b && names.has(b.text))) {
        names.add(n);
        grew = true;
      }
    }
  }
  const calls = findAll(root, K.calls, (c) => names.has(c.childForFieldName('function')?.text ?? ''));
  // Named anywhere else (`factory = Runner`, `Runner.create()`): instances may come from elsewhere.
  const mentions = findAll(
    root,
    'identifier',
    (i) => names.has(i.text) && ![...ancestors(i)].some((a) => a.type === 'type'), // annotations name it, harmlessly
  );
  const declared = classes.filter((c) => names.has(c.childForFieldName('name')?.text ?? '')).length;
  const inBases = classes.reduce(
    (k, c) =>
      k + (c.childForFieldName('superclasses')?.namedChildren.filter((b) => b && names.has(b.text)).length ?? 0),
    0,
  );
  if (calls.length === 0 || mentions.length !== calls.length + declared + inBases) return false;
  return calls.every((c) => ![...ancestors(c)].some((a) => K.functions.has(a.type) || K.lambdas.has(a.type)));
}
