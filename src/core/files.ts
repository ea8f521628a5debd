// Walks the paths given on the command line: skips .git, node_modules, build output, what
// .gitignore files ignore (nested ones too, via the `ignore` package) and the config's ignore list.
import ignore, { type Ignore } from 'ignore';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { languageOfFile } from './parser';
import type { AnalysisError } from './types';

export const SKIPPED_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  'build',
  'dist',
  'out',
  'target',
  '.cache',
  '.vscode-host',
  'site-packages',
  '.leaklens_cache',
]);

export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** As the user would write it: relative paths stay relative to the working directory. */
  display: string;
}

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

export function collectSourceFiles(
  paths: string[],
  cwd = process.cwd(),
): { files: SourceFile[]; errors: AnalysisError[] } {
  const files: SourceFile[] = [];
  const errors: AnalysisError[] = [];
  for (const given of paths) {
    const abs = resolve(cwd, given);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      errors.push({
        file: given,
        message: `no such file or directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      continue;
    }
    if (st.isFile()) {
      // A file named explicitly is analysed whatever its folder's ignore rules say.
      if (languageOfFile(abs)) files.push({ path: abs, display: given });
      else errors.push({ file: given, message: 'not a C, C++ or Python file' });
      continue;
    }
    walk(abs, given, [], files, errors);
  }
  return { files, errors };
}

function walk(dir: string, display: string, layers: IgnoreLayer[], files: SourceFile[], errors: AnalysisError[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    errors.push({ file: display, message: `cannot read folder (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
    return;
  }
  const gitignore = entries.find((e) => e.name === '.gitignore' && e.isFile());
  const here = gitignore
    ? [...layers, { base: dir, rules: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }]
    : layers;
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const abs = join(dir, entry.name);
    const shown = display === '.' ? entry.name : join(display, entry.name);
    const isDir = entry.isDirectory();
    if (isDir && (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('cmake-build-'))) continue;
    if (here.some((l) => l.rules.ignores(relative(l.base, abs) + (isDir ? '/' : '')))) continue;
    if (isDir) walk(abs, shown, here, files, errors);
    else if ((entry.isFile() || (entry.isSymbolicLink() && isFileTarget(abs))) && languageOfFile(abs))
      files.push({ path: abs, display: shown });
  }
}

/** A link to a file is followed (links to folders are not: they can form cycles). */
function isFileTarget(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // a dangling link
  }
}
