// Small, language-neutral helpers over tree-sitter nodes used by several rules.
import type { Node } from 'web-tree-sitter';

export const CPP_LOOPS = new Set(['for_statement', 'for_range_loop', 'while_statement', 'do_statement']);
export const PY_LOOPS = new Set(['for_statement', 'while_statement']);
export const FUNCTION_BOUNDARIES = new Set([
  'function_definition',
  'lambda_expression',
  'lambda',
  'class_specifier',
  'struct_specifier',
  'class_definition',
  'template_declaration',
]);

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
export function findAll(root: Node, types: string | string[], pred?: (n: Node) => boolean, skip?: string[]): Node[] {
  const list = typeof types === 'string' ? [types] : types;
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
  if (rest.trim() !== '' && !/^\s*(\/\/|#)/.test(rest)) return null;
  end = nl < 0 ? text.length : nl + 1;
  return { start: lineStart, end };
}
