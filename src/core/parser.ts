// Loads web-tree-sitter and the grammars' shipped .wasm files once per thread.
// We use the wasm build rather than the native `tree-sitter` addon: its linux prebuild needs a newer
// libstdc++ than Debian 12 has, and one universal .vsix must run everywhere VS Code does.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Language, Parser, Query, Tree } from 'web-tree-sitter';
import { LANGUAGE_IDS, LANGUAGES, languageForExtension } from './languages';
import type { LanguageId } from './types';

/** The npm package that ships each .wasm file: the runtime's, then each language module's grammar. */
const GRAMMAR_PACKAGES: Record<string, string> = {
  'tree-sitter.wasm': 'web-tree-sitter',
  ...Object.fromEntries(Object.values(LANGUAGES).map((l) => [l.grammar.wasm, l.grammar.package])),
};

/** Finds a .wasm file: next to the bundle (dist/grammars) or in node_modules above this file. */
export function locateWasm(file: string, grammarDir?: string): string {
  const candidates: string[] = [];
  if (grammarDir) candidates.push(join(grammarDir, file));
  candidates.push(join(__dirname, 'grammars', file));
  for (let dir = __dirname; ; dir = dirname(dir)) {
    candidates.push(join(dir, 'node_modules', GRAMMAR_PACKAGES[file] ?? '', file));
    candidates.push(join(dir, 'dist', 'grammars', file));
    if (dirname(dir) === dir) break;
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`LeakLens: cannot find ${file} (looked in ${candidates.slice(0, 3).join(', ')}, ...)`);
  return found;
}

/** Trees parsed from a language module's parseText() rather than the text itself. */
const rewritten = new WeakSet<Tree>();

export class Grammars {
  private constructor(
    private readonly languages: Map<LanguageId, Language>,
    private readonly parsers: Map<LanguageId, Parser>,
  ) {}

  private static loading: Promise<void> | undefined;

  static async load(grammarDir?: string, only?: LanguageId[]): Promise<Grammars> {
    Grammars.loading ??= Parser.init({ locateFile: () => locateWasm('tree-sitter.wasm', grammarDir) });
    await Grammars.loading;
    const languages = new Map<LanguageId, Language>();
    const parsers = new Map<LanguageId, Parser>();
    for (const id of only ?? LANGUAGE_IDS) {
      const language = await Language.load(locateWasm(LANGUAGES[id].grammar.wasm, grammarDir));
      const parser = new Parser();
      parser.setLanguage(language);
      languages.set(id, language);
      parsers.set(id, parser);
    }
    return new Grammars(languages, parsers);
  }

  has(id: LanguageId): boolean {
    return this.languages.has(id);
  }

  language(id: LanguageId): Language {
    const language = this.languages.get(id);
    if (!language) throw new Error(`LeakLens: grammar ${id} is not loaded`);
    return language;
  }

  /**
   * Parses `text`; with `oldTree` (already `edit()`ed) tree-sitter reuses unchanged subtrees. Past
   * `budgetMs` the parse is cancelled (tree-sitter asks the progress callback as it goes) and a
   * ParseBudgetError says so: one pathological file must not hold up a run or the editor.
   */
  parse(id: LanguageId, text: string, oldTree?: Tree, budgetMs = Infinity, file = ''): Tree {
    const parser = this.parsers.get(id);
    if (!parser) throw new Error(`LeakLens: grammar ${id} is not loaded`);
    const start = performance.now();
    const options = Number.isFinite(budgetMs)
      ? { progressCallback: () => performance.now() - start > budgetMs }
      : undefined;
    // Text the language module rewrote for the grammar: an edit can change what is rewritten outside
    // its own range (a backslash added at the end of a line), so such a tree is never reused.
    const input = LANGUAGES[id].parseText?.(text, isPlainC(file)) ?? text;
    const reuse = oldTree && !rewritten.has(oldTree) && input === text ? oldTree : null;
    const tree = parser.parse(input, reuse, options);
    if (tree && input !== text) {
      rewritten.add(tree);
      // The nodes read their text through the tree's text callback (web-tree-sitter's own field, set
      // from the input): pointed at the source, names and messages are the source's (`this`, not `THIS`).
      const reader = tree as unknown as { textCallback?: (index: number) => string };
      if (typeof reader.textCallback === 'function') reader.textCallback = (index) => text.slice(index);
    }
    if (!tree) {
      if (Number.isFinite(budgetMs) && performance.now() - start > budgetMs) throw new ParseBudgetError(budgetMs);
      throw new Error('LeakLens: tree-sitter returned no tree');
    }
    return tree;
  }

  query(id: LanguageId, source: string): Query {
    return new Query(this.language(id), source);
  }

  dispose(): void {
    for (const parser of this.parsers.values()) parser.delete();
    this.parsers.clear();
  }
}

/** Every known extension and its language (from the language modules). */
export const LANGUAGE_BY_EXTENSION: Record<string, LanguageId> = Object.fromEntries(
  Object.values(LANGUAGES).flatMap((l) => l.extensions.map((ext) => [ext, l.id])),
);

function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot).toLowerCase();
}

export function languageOfPath(path: string): LanguageId | undefined {
  return LANGUAGE_BY_EXTENSION[extensionOf(path)];
}

/**
 * The language of a file on disk: by its extension, or, for a name without one (`s3cmd`, `bin/serve`),
 * by its `#!` line, as an editor does. Reads at most the first line's worth of bytes.
 */
export function languageOfFile(path: string): LanguageId | undefined {
  const byName = languageOfPath(path);
  if (byName || basename(path).includes('.')) return byName;
  const head = Buffer.alloc(128);
  let length = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      length = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // unreadable: not ours to analyse
  }
  const first = head.subarray(0, length).toString('latin1');
  return Object.values(LANGUAGES).find((l) => l.shebang?.test(first))?.id;
}

/** Plain C (.c) cannot throw: raw-c-resource only counts explicit exits there. */
export function isPlainC(path: string): boolean {
  const ext = extensionOf(path);
  return languageForExtension(ext)?.noExceptions?.includes(ext) ?? false;
}

export class ParseBudgetError extends Error {
  constructor(readonly budgetMs: number) {
    super(`parsing took longer than the time budget (${budgetMs} ms); the file is skipped`);
  }
}
