// Helpers for writing custom rules, run in the analysis worker (they need a parsed tree; no
// `vscode` import): a rule-file skeleton whose query matches a selection, and a printable syntax
// tree. Both work on web-tree-sitter nodes, so they see exactly what the rules' queries see.
import type { Node, Query } from 'web-tree-sitter';
import type { LanguageId } from '../core/types';

/** Nodes below this depth (from the selected node) are written as a bare `(type)`. */
const MAX_DEPTH = 8;
/** After this many nodes the rest are bare `(type)`s too: a starting point, not a dump. */
const MAX_NODES = 80;

const LITERAL =
  /(^|_)(literal|string|integer|float|number|true|false|none|null|nullptr|char)$|^concatenated_string$|^raw_string_literal$/;
const IDENTIFIER = /(^|_)identifier$/;

export interface NewRule {
  id: string;
  /** The rule file's text: header plus query. */
  text: string;
  /** The query alone (the end of `text`). */
  query: string;
  /** The node the query was built from (what it matches), 0-based offsets into the source. */
  start: number;
  end: number;
  type: string;
}

/** The smallest named node covering [start, end), ignoring whitespace at the selection's ends. */
export function coveringNode(root: Node, text: string, start: number, end: number): Node {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  let node = root.namedDescendantForIndex(start, Math.max(start, end - 1)) ?? root;
  // A bare cursor on a word: take the expression/statement it belongs to, not the word alone.
  if (start === end && node.namedChildCount === 0 && node.parent) node = node.parent;
  // An `ERROR` or `MISSING` node is not a useful rule; widen to its parent.
  while ((node.isError || node.isMissing) && node.parent) node = node.parent;
  return node;
}

/**
 * A rule file for `language` whose query matches `node`: its structure with field names,
 * identifiers captured and pinned by `#eq?` to their text, literals as bare node types (so
 * the unmodified query matches the selected code; deleting predicates generalises it).
 */
export function ruleFromNode(
  node: Node,
  language: LanguageId,
  options: { id?: string; source?: string; line?: number; maxDepth?: number } = {},
): NewRule {
  const maxDepth = options.maxDepth ?? MAX_DEPTH;
  const captures: Array<{ name: string; text: string }> = [];
  const used = new Set<string>(['report']);
  let count = 0;
  const captureName = (text: string): string => {
    const base =
      text
        .replace(/[^A-Za-z0-9_]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .toLowerCase() || 'name';
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
  const render = (n: Node, depth: number, indent: string): string => {
    count++;
    const type = n.isError ? 'ERROR' : n.type;
    if (IDENTIFIER.test(n.type) && n.namedChildCount === 0 && !n.isMissing) {
      const name = captureName(n.text);
      captures.push({ name, text: n.text });
      return `(${type}) @${name}`;
    }
    if (LITERAL.test(n.type) || depth >= maxDepth || count > MAX_NODES) return `(${type})`;
    const parts: string[] = [];
    const cursor = n.walk();
    try {
      if (cursor.gotoFirstChild()) {
        do {
          const child = cursor.currentNode;
          if (!child.isNamed || child.isMissing || child.isExtra) continue; // anonymous tokens, comments
          const field = cursor.currentFieldName;
          parts.push(`${field ? `${field}: ` : ''}${render(child, depth + 1, `${indent}  `)}`);
        } while (cursor.gotoNextSibling());
      }
    } finally {
      cursor.delete();
    }
    if (!parts.length) return `(${type})`;
    const oneLine = `(${type} ${parts.join(' ')})`;
    if (oneLine.length + indent.length <= 90 && !oneLine.includes('\n')) return oneLine;
    return `(${type}\n${parts.map((p) => `${indent}  ${p}`).join('\n')})`;
  };
  let query: string;
  if (IDENTIFIER.test(node.type) && node.namedChildCount === 0) {
    // Just a name: the pattern is the identifier itself, pinned to its text.
    captures.push({ name: 'report', text: node.text });
    query = `((${node.type}) @report (#eq? @report ${JSON.stringify(node.text)}))`;
  } else {
    const body = render(node, 0, '');
    const predicates = captures.map((c) => `  (#eq? @${c.name} ${JSON.stringify(c.text)})`);
    query = predicates.length ? `${body.replace(/\)$/, '')}\n${predicates.join('\n')}) @report` : `${body} @report`;
  }
  const first = captures[0];
  const id = options.id ?? ruleId(first?.text, node.type);
  const what = first ? `\`{{${first.name}}}\`` : `this ${node.type.replace(/_/g, ' ')}`;
  const from = options.source
    ? ` from ${options.source}${options.line !== undefined ? `:${options.line + 1}` : ''}`
    : '';
  const text = [
    `;; id: ${id}`,
    `;; language: ${language}`,
    ';; severity: warning',
    `;; message: ${what} leaks: TODO say what is never released and how to fix it`,
    ';; report: report',
    `; Generated by "LeakLens: New rule from selection"${from}. As it stands the query matches`,
    '; exactly the selected code: delete #eq? predicates (or use #match?) to generalise it, and add',
    '; ";; unless-followed-by" with the release call, ";; not-inside" or ";; doc" header lines.',
    '; Node types and fields: "LeakLens: Show syntax tree". Guide: docs/custom-rules.md.',
    query,
    '',
  ].join('\n');
  return { id, text, query, start: node.startIndex, end: node.endIndex, type: node.type };
}

/** A rule id from an identifier (or the node type): lowercase letters, digits and dashes. */
export function ruleId(identifier: string | undefined, type: string): string {
  const slug = (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const base = slug(identifier ?? '') || slug(type) || 'rule';
  return /^[a-z0-9]/.test(base) ? `my-${base}`.replace(/^my-my-/, 'my-') : 'my-rule';
}

/**
 * The tree as text, one named node per line: `field: type [line:col - line:col]` (1-based, as the
 * editor's status bar shows them), the text of leaves, ERROR/MISSING marked.
 */
export function formatSyntaxTree(
  root: Node,
  options: { maxLines?: number } = {},
): { text: string; lines: number; truncated: boolean } {
  const maxLines = options.maxLines ?? 50_000;
  const out: string[] = [];
  let truncated = false;
  const cursor = root.walk();
  try {
    let depth = 0;
    for (;;) {
      const n = cursor.currentNode;
      if (n.isNamed || n.isMissing) {
        if (out.length >= maxLines) {
          truncated = true;
          break;
        }
        const field = cursor.currentFieldName;
        const pos = `[${n.startPosition.row + 1}:${n.startPosition.column + 1} - ${n.endPosition.row + 1}:${n.endPosition.column + 1}]`;
        const type = n.isMissing ? `MISSING ${n.type}` : n.type;
        let leaf = '';
        if (n.namedChildCount === 0 && !n.isMissing) {
          const t = n.text.replace(/\s+/g, ' ');
          leaf = ` ${JSON.stringify(t.length > 60 ? `${t.slice(0, 57)}...` : t)}`;
        }
        out.push(`${'  '.repeat(depth)}${field ? `${field}: ` : ''}${type} ${pos}${leaf}`);
      }
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return { text: `${out.join('\n')}\n`, lines: out.length, truncated };
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
  out.push(`... (truncated after ${maxLines} nodes)`);
  return { text: `${out.join('\n')}\n`, lines: out.length, truncated };
}

/**
 * `ruleFromNode`, checked: the query must compile and match `node` (reported at `node`); if the
 * full structure does not (a grammar quirk), shallower versions are tried, down to `(type)`.
 */
export function checkedRuleFromNode(
  node: Node,
  language: LanguageId,
  compile: (query: string) => Query,
  options: { id?: string; source?: string; line?: number } = {},
): NewRule {
  let last: NewRule | undefined;
  for (const maxDepth of [MAX_DEPTH, 3, 1, 0]) {
    const rule = ruleFromNode(node, language, { ...options, maxDepth });
    last = rule;
    let q: Query | undefined;
    try {
      q = compile(rule.query);
      const hit = q
        .matches(node)
        .some((m) =>
          m.captures.some(
            (c) => c.name === 'report' && c.node.startIndex === node.startIndex && c.node.endIndex === node.endIndex,
          ),
        );
      if (hit) return rule;
    } catch {
      // try a shallower pattern
    } finally {
      q?.delete();
    }
  }
  return last!;
}
