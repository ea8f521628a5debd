// The other files of the project a file belongs to, for the few questions one file cannot answer:
// who calls this function? A helper that only `main()` in another file calls runs once, and the
// process exits soon after; whatever it leaves held on an error path is not a leak worth a finding.
// Files are listed and read only when a rule first asks, and only files whose text mentions the
// name are parsed, so a run that never asks pays nothing.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Node, Tree } from 'web-tree-sitter';
import { CONFIG_FILE_NAME } from './config-types';
import { SKIPPED_DIRS } from './files';
import { languageOfFile, type Grammars } from './parser';
import type { LanguageId } from './types';

/** Past these the project is too big to read for a caller: the question stays unanswered. */
const MAX_FILES = 20_000;
const MAX_BYTES = 256 << 20;
const MAX_FILE_SIZE = 2 << 20;
/** A name mentioned in more files than this is called from all over: not "once" by any reading. */
export const MAX_MENTIONING_FILES = 16;
/** Trees kept parsed: a chain of callers asks about the same few files. */
const TREE_CACHE = 16;

/**
 * The project root of `file`: the nearest folder above it with a `.git` or a `.leaklens.json`, else
 * `fallback` when the file is inside it (the CLI's working directory), else none.
 */
export function projectRootFor(file: string, fallback?: string): string | undefined {
  let dir = dirname(resolve(file));
  for (;;) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, CONFIG_FILE_NAME))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (!fallback) return undefined;
  const root = resolve(fallback);
  const rel = relative(root, resolve(file));
  // Never the whole file system or a home folder: a check started there is not one project.
  if (root === dirname(root) || rel.startsWith('..') || rel === '' || rel.startsWith(sep)) return undefined;
  return root;
}

/** One other file of the project, parsed for the duration of a callback. */
export interface ProjectFile {
  path: string;
  text: string;
  root: Node;
}

export class ProjectSources {
  private texts: Map<string, string> | null | undefined;
  private readonly trees = new Map<string, Tree>();
  private readonly derived = new Map<string, unknown>();
  /** Files whose tree a callback is using now (a chain of callers nests them): never evicted. */
  private readonly inUse = new Map<string, number>();

  constructor(
    readonly root: string,
    private readonly grammars: Grammars,
  ) {}

  /** Every source file of `language` under the root, read once; null when the project is too big. */
  private sources(): Map<string, string> | null {
    if (this.texts !== undefined) return this.texts;
    const texts = new Map<string, string>();
    let bytes = 0;
    const stack = [this.root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        const path = join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) stack.push(path);
          continue;
        }
        if (!e.isFile() || !languageOfFile(path)) continue;
        let size: number;
        try {
          size = statSync(path).size;
        } catch {
          continue;
        }
        if (size > MAX_FILE_SIZE) continue;
        bytes += size;
        if (texts.size >= MAX_FILES || bytes > MAX_BYTES) return (this.texts = null);
        try {
          texts.set(path, readFileSync(path, 'latin1'));
        } catch {
          continue;
        }
      }
    }
    return (this.texts = texts);
  }

  /**
   * The files of `language`'s family (C and C++ together), other than `except`, whose text has `word`
   * as a whole word, not as a member's name; undefined when the project cannot be read or too many files
   * mention it.
   */
  filesMentioning(word: string, language: LanguageId, except: string): string[] | undefined {
    const texts = this.sources();
    if (!texts) return undefined;
    // A whole word, not a member of something (`server.run`, `Foo::run`, `p->run`): those are other functions.
    const pattern = new RegExp(`(?<![\\w.>:])${word.replace(/[^\w]/g, '\\$&')}\\b`);
    const found: string[] = [];
    const self = resolve(except);
    for (const [path, text] of texts) {
      if (path === self || languageOfFile(path) !== language || !text.includes(word) || !pattern.test(text)) continue;
      found.push(path);
      if (found.length > MAX_MENTIONING_FILES) return undefined;
    }
    return found;
  }

  /**
   * A fact computed once from every source file's text (`compute` sees path and text), kept with the
   * project; undefined when the project is too big to read.
   */
  derive<T>(key: string, compute: (texts: ReadonlyMap<string, string>) => T): T | undefined {
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const texts = this.sources();
    const value = texts ? compute(texts) : undefined;
    this.derived.set(key, value);
    return value;
  }

  /** `fn` on the parsed file; the tree is kept for the next questions and must not escape `fn`. */
  withFile<T>(path: string, language: LanguageId, fn: (file: ProjectFile) => T): T | undefined {
    const text = this.sources()?.get(path);
    if (text === undefined) return undefined;
    let tree = this.trees.get(path);
    if (!tree) {
      try {
        tree = this.grammars.parse(language, text, undefined, 2_000, path);
      } catch {
        return undefined;
      }
      if (this.trees.size >= TREE_CACHE) {
        const oldest = [...this.trees.keys()].find((p) => !this.inUse.get(p));
        if (oldest) {
          this.trees.get(oldest)!.delete();
          this.trees.delete(oldest);
        }
      }
      this.trees.set(path, tree);
    }
    this.inUse.set(path, (this.inUse.get(path) ?? 0) + 1);
    try {
      return fn({ path, text, root: tree.rootNode });
    } finally {
      this.inUse.set(path, this.inUse.get(path)! - 1);
    }
  }

  dispose(): void {
    for (const t of this.trees.values()) t.delete();
    this.trees.clear();
    this.texts = undefined;
  }
}
