// Small, language-neutral helpers over tree-sitter nodes used by several rules.
import type { Node } from 'web-tree-sitter';

export const CPP_LOOPS = new Set(['for_statement', 'for_range_loop', 'while_statement', 'do_statement']);
export const PY_LOOPS = new Set(['for_statement', 'while_statement']);
export const FUNCTION_BOUNDARIES = new Set(['function_definition', 'lambda_expression', 'lambda', 'class_specifier', 'struct_specifier', 'class_definition', 'template_declaration']);

export function* ancestors(node: Node): Generator<Node> {
  for (let n = node.parent; n; n = n.parent) yield n;
}

/** The closest ancestor whose type is in `types`, not crossing a function/lambda/class boundary. */
export function enclosing(node: Node, types: Set<string>, stopAtBoundary = true): Node | null {
  for (const a of ancestors(node)) {
    if (types.has(a.type)) return a;
    if (stopAtBoundary && FUNCTION_BOUNDARIES.has(a.type)) return null;
  }
  return null;
}

export function enclosingFunction(node: Node): Node | null {
  for (const a of ancestors(node)) if (a.type === 'function_definition' || a.type === 'lambda_expression' || a.type === 'lambda') return a;
  return null;
}

export function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** Every descendant (depth-first, document order) for which `pred` holds; `skip` prunes subtrees. */
export function findAll(root: Node, pred: (n: Node) => boolean, skip?: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n !== root && skip?.(n)) continue;
    if (pred(n)) out.push(n);
    for (let i = n.childCount - 1; i >= 0; i--) {
      const c = n.child(i);
      if (c) stack.push(c);
    }
  }
  return out;
}

/** Identifiers named `name` under `root`, not inside nested functions/lambdas unless `crossFunctions`. */
export function identifierUses(root: Node, name: string, types = IDENTIFIER_TYPES, crossFunctions = true): Node[] {
  return findAll(root, (n) => types.has(n.type) && n.text === name, crossFunctions ? undefined : (n) => n.type === 'function_definition');
}

export const IDENTIFIER_TYPES = new Set(['identifier']);

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

export function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}
