// The result cache of `leaklens check` (and the workspace scan): a file's findings are reused when its
// content, its resolved configuration, the rule set and the engine build are all unchanged, as ruff
// does with .ruff_cache. Keyed by content (not mtime): a checkout or a copy that keeps the bytes keeps
// the entry, and a touched file with new bytes never gets stale findings.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LeakLensConfig } from './config';
import type { FileResult } from './types';

export const DEFAULT_CACHE_DIR = '.leaklens_cache';

interface Entry {
  /** sha256 of the file's bytes and of its resolved configuration. */
  content: string;
  config: string;
  result: FileResult;
}

interface CacheFile {
  key: string;
  entries: Record<string, Entry>;
}

export function hashBytes(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const configHashes = new WeakMap<LeakLensConfig, string>();

/** One hash per resolved configuration object (the resolver hands out one object per folder). */
export function configHash(config: LeakLensConfig): string {
  let h = configHashes.get(config);
  if (!h) configHashes.set(config, (h = hashBytes(JSON.stringify(config))));
  return h;
}

/**
 * The identity of an engine build: its version and the bytes of the running bundle, so a rebuilt
 * engine (a rule changed, same version number) never reads results of the old one.
 */
export function engineKey(version: string, script = __filename): string {
  let build = '';
  try {
    const st = statSync(script);
    build = `${st.size}:${st.mtimeMs}`;
  } catch {
    build = 'unknown';
  }
  return `${version}\0${build}`;
}

export class ResultCache {
  private readonly path: string;
  private entries: Record<string, Entry> = {};
  private dirty = false;
  hits = 0;
  misses = 0;

  /**
   * `parts`: what makes results comparable across runs besides the file and its config (engine
   * build, enabled rules, custom rule sources). Each distinct combination has its own file.
   */
  constructor(
    readonly dir: string,
    parts: string[],
  ) {
    const key = hashBytes(parts.join('\0\0'));
    this.path = join(dir, 'v1', `${key.slice(0, 24)}.json`);
    try {
      const doc = JSON.parse(readFileSync(this.path, 'utf8')) as CacheFile;
      if (doc.key === key && doc.entries && typeof doc.entries === 'object') this.entries = doc.entries;
    } catch {
      // no cache yet, or an unreadable one: start empty (it is only a cache)
    }
    this.key = key;
  }

  private readonly key: string;

  get(file: string, content: string, config: string): FileResult | undefined {
    const e = this.entries[file];
    if (e && e.content === content && e.config === config) {
      this.hits++;
      return e.result;
    }
    this.misses++;
    return undefined;
  }

  set(file: string, content: string, config: string, result: FileResult): void {
    // Keyed by this file's bytes alone, the entry would outlive a change to the files it read.
    if (result.readOtherFiles) {
      if (this.entries[file]) {
        delete this.entries[file];
        this.dirty = true;
      }
      return;
    }
    this.entries[file] = { content, config, result };
    this.dirty = true;
  }

  /** Writes the cache atomically (a concurrent run sees the old file or the new one, never half). */
  save(): void {
    if (!this.dirty) return;
    ensureCacheDir(this.dir);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key: this.key, entries: this.entries } satisfies CacheFile));
    renameSync(tmp, this.path);
    this.dirty = false;
  }
}

/** The cache folder ignores itself in git and is tagged as a cache for backup tools. */
export function ensureCacheDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  try {
    statSync(ignore);
  } catch {
    writeFileSync(ignore, '# Automatically created by leaklens.\n*\n');
    writeFileSync(
      join(dir, 'CACHEDIR.TAG'),
      'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by leaklens.\n',
    );
  }
}
