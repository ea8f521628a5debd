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
/**
 * A call's arguments without the comments between them (a `service = NULL` note in a comment before an
 * argument): tree-sitter gives comments as named children, which would shift every position after them.
 */
export function callArguments(call: Node): Node[] {
  return argumentsOf(call.childForFieldName('arguments'));
}

/** The named children of an argument list, without comments. */
export function argumentsOf(list: Node | null | undefined): Node[] {
  return (list?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'comment');
}

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

/**
 * Identifiers named `name` within `scope`, in text order: found in the scope's text, then confirmed
 * on the tree (a hit in a string, a comment or a field name is no identifier). Most names occur a
 * few times, and walking every identifier node across the wasm boundary cost more than the rules
 * that asked (the same answer as `findAll(scope, 'identifier', (n) => n.text === name)`).
 */
export function identifiersIn(scope: Node, name: string): Node[] {
  const out: Node[] = [];
  const text = scope.text;
  if (!text.includes(name)) return out;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(?<![\\p{L}\\p{N}_$])${escaped}(?![\\p{L}\\p{N}_$])`, 'gu');
  for (const m of text.matchAll(re)) {
    const start = scope.startIndex + m.index!;
    const node = scope.descendantForIndex(start, start + name.length);
    if (node?.type === 'identifier' && node.startIndex === start && node.endIndex === start + name.length)
      out.push(node);
  }
  return out;
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
