// What the names of a Python module refer to: `import multiprocessing as mp` makes `mp.Queue`
// mean `multiprocessing.Queue`; `from functools import lru_cache as lc` makes `lc` mean
// `functools.lru_cache`. Rules compare qualified names, not spellings.
import type { Node } from 'web-tree-sitter';
import { python } from '../languages';
import type { RuleContext } from '../rule';

export type ImportMap = Map<string, string>;

export function importsOf(ctx: RuleContext): ImportMap {
  // Read from the text, not the tree: import lines are regular, and walking the whole tree for them
  // cost more than every rule's check together.
  return ctx.memo('python.imports', () => parseImports(ctx.text));
}

const IMPORT = /^[ \t]*import[ \t]+([^\n#;]+)/gm;
const FROM_IMPORT = /^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+(?:\\\r?\n[^\n#;]*)*)/gm;

/**
 * Python 2/3 compatibility names for the standard modules the rules know (`from six.moves import
 * http_client`, `import httplib`): the module they stand for.
 */
const COMPAT_MODULES: Array<[RegExp, string]> = [
  [/^(six|future)\.moves\.http_client(?=\.|$)/, 'http.client'],
  [/^(six|future)\.moves\.urllib\.request(?=\.|$)/, 'urllib.request'],
  [/^(six|future)\.moves\.(queue|socketserver|configparser)(?=\.|$)/, '$2'],
  [/^httplib(?=\.|$)/, 'http.client'],
  [/^urllib2(?=\.|$)/, 'urllib.request'],
];

function standardName(name: string): string {
  for (const [compat, standard] of COMPAT_MODULES) if (compat.test(name)) return name.replace(compat, standard);
  return name;
}

export function parseImports(text: string): ImportMap {
  const map: ImportMap = new Map();
  for (const m of text.matchAll(IMPORT)) {
    for (const item of m[1].split(',')) {
      const [name, alias] = item.trim().split(/\s+as\s+/);
      if (!name || !/^[\w.]+$/.test(name)) continue;
      if (alias) map.set(alias.trim(), standardName(name));
      else map.set(name.split('.')[0], standardName(name.split('.')[0]));
    }
  }
  for (const m of text.matchAll(FROM_IMPORT)) {
    const module = m[1];
    for (const item of m[2].replace(/[()\\\r\n]/g, ' ').split(',')) {
      const [name, alias] = item
        .replace(/#.*/, '')
        .trim()
        .split(/\s+as\s+/);
      if (!name || !/^\w+$/.test(name)) continue;
      map.set((alias ?? name).trim(), standardName(`${module}.${name}`));
    }
  }
  return map;
}

/** `mp.Queue` -> `multiprocessing.Queue`; unknown heads stay as written. */
export function qualify(expr: Node | string, imports: ImportMap): string {
  const text = (typeof expr === 'string' ? expr : expr.text).replace(/\s+/g, '');
  const dot = text.indexOf('.');
  const head = dot < 0 ? text : text.slice(0, dot);
  const mapped = imports.get(head);
  return mapped ? mapped + (dot < 0 ? '' : text.slice(dot)) : text;
}

/** The positional argument at `index` or the keyword argument `name`, if given. */
export function argument(args: Node | null, index: number, name: string): Node | undefined {
  if (!args) return undefined;
  let position = 0;
  for (const a of args.namedChildren) {
    if (!a || python.kinds.comments.has(a.type)) continue;
    if (a.type === 'keyword_argument') {
      if (a.childForFieldName('name')?.text === name) return a.childForFieldName('value') ?? undefined;
    } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
      return a; // unknown: treat as given
    } else if (position++ === index) {
      return a;
    }
  }
  return undefined;
}

/** A literal number <= 0 (0, -1, 0.0): the "no bound" spelling of maxsize. */
export function isNonPositiveLiteral(node: Node | undefined): boolean {
  if (!node) return false;
  const t = node.text.replace(/\s+/g, '');
  return /^-?\d+(\.\d*)?$/.test(t) && Number(t) <= 0;
}

/** Adds `import module` at the top unless the module is imported as itself. */
export function ensureImport(ctx: RuleContext, module: string): { start: number; end: number; newText: string }[] {
  if (importsOf(ctx).get(module) === module) return [];
  const eol = ctx.lines.eol();
  const first = ctx.root.namedChildren.find(
    (c) => c && (c.type === 'import_statement' || c.type === 'import_from_statement'),
  );
  const futureOrDoc = ctx.root.namedChildren.filter(
    (c) =>
      c &&
      ((c.type === 'import_from_statement' && c.text.startsWith('from __future__')) ||
        (c.type === 'expression_statement' &&
          c.firstNamedChild?.type === 'string' &&
          c.startIndex === ctx.root.namedChildren[0]?.startIndex)),
  );
  const anchor = futureOrDoc[futureOrDoc.length - 1];
  if (anchor) return [{ start: anchor.endIndex, end: anchor.endIndex, newText: `${eol}import ${module}` }];
  const at = first ? first.startIndex : 0;
  return [{ start: at, end: at, newText: `import ${module}${eol}` }];
}
