// Small, language-neutral helpers over tree-sitter nodes used by several rules. The node kinds come
// from the language modules (src/core/languages).
import type { Node } from 'web-tree-sitter';
import { commentOpenerPattern, cpp, LANGUAGES, python } from './languages';

export const CPP_LOOPS: ReadonlySet<string> = cpp.kinds.loops;
export const PY_LOOPS: ReadonlySet<string> = python.kinds.loops;
/** Where a function's own code ends, in every language: functions, lambdas, classes, templates. */
export const FUNCTION_BOUNDARIES: ReadonlySet<string> = new Set(
  Object.values(LANGUAGES).flatMap(({ kinds: k }) => [...k.functions, ...k.lambdas, ...k.classes, ...k.templates]),
);
/** A line comment (`//`, `#`) starting the rest of a line. */
const LINE_COMMENT = new RegExp(`^\\s*(?:${commentOpenerPattern(false)})`);

/** Whether `node` is one of `kinds` (a set from a language module). */
export function isKind(node: Node | null | undefined, kinds: ReadonlySet<string>): node is Node {
  return !!node && kinds.has(node.type);
}

/** The nearest ancestor of `node` that is one of `kinds`. */
export function enclosing(node: Node, kinds: ReadonlySet<string>): Node | undefined {
  for (const a of ancestors(node)) if (kinds.has(a.type)) return a;
  return undefined;
}

export function* ancestors(node: Node): Generator<Node> {
  for (let n = node.parent; n; n = n.parent) yield n;
}

export function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/**
 * Descendants of `root` (and `root` itself) whose type is in `types`, in document order, for which
 * `pred` holds; none inside a node whose type is in `skip`. The type filter runs inside tree-sitter
 * (`descendantsOfType`), so only candidate nodes are materialised in JS: walking every node through
 * the wasm boundary was most of the rules' cost.
 */
export function findAll(
  root: Node,
  types: string | readonly string[] | ReadonlySet<string>,
  pred?: (n: Node) => boolean,
  skip?: string[],
): Node[] {
  const list = typeof types === 'string' ? [types] : types instanceof Set ? [...types] : (types as string[]);
  const out: Node[] = [];
  if (list.includes(root.type) && (!pred || pred(root))) out.push(root);
  for (const n of root.descendantsOfType(list)) {
    if (!n || (pred && !pred(n))) continue;
    if (skip && isInside(n, root, skip)) continue;
    out.push(n);
  }
  return out;
}

function isInside(node: Node, root: Node, types: string[]): boolean {
  for (let a = node.parent; a && a.id !== root.id; a = a.parent) if (types.includes(a.type)) return true;
  return false;
}

/** Identifiers named `name` within `scope`, from a per-file index built once (one wasm walk). */
export function identifiersNamed(
  ctx: { memo<T>(key: string, compute: () => T): T; root: Node },
  name: string,
  scope: Node,
): Node[] {
  const index = ctx.memo('tree.identifiers', () => {
    const map = new Map<string, Node[]>();
    for (const n of ctx.root.descendantsOfType('identifier')) {
      if (!n) continue;
      const list = map.get(n.text);
      if (list) list.push(n);
      else map.set(n.text, [n]);
    }
    return map;
  });
  return (index.get(name) ?? []).filter((n) => n.startIndex >= scope.startIndex && n.endIndex <= scope.endIndex);
}

/** Leading whitespace of the line `node` starts on. */
export function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(lineStart, offset + 1));
  return m ? m[0] : '';
}

/** The span of whole lines a statement occupies, with its line break, when it stands alone on them. */
export function wholeLineSpan(text: string, node: Node): { start: number; end: number } | null {
  const lineStart = text.lastIndexOf('\n', node.startIndex - 1) + 1;
  if (text.slice(lineStart, node.startIndex).trim() !== '') return null;
  let end = node.endIndex;
  const nl = text.indexOf('\n', end);
  const rest = text.slice(end, nl < 0 ? text.length : nl);
  if (rest.trim() !== '' && !LINE_COMMENT.test(rest)) return null;
  end = nl < 0 ? text.length : nl + 1;
  return { start: lineStart, end };
}
