// PATH lookup, so a missing command or tool gets a clear message before anything is spawned.
// On Windows a command is found as the shell finds it: `python` is `python.exe`, through PATHEXT,
// in PATH (or Path: names are case-insensitive there) split at `;`. The platform and the
// environment can be given, so the Windows rules are tested anywhere.
import { accessSync, constants, statSync } from 'node:fs';
import { posix, win32 } from 'node:path';

export interface WhichOptions {
  /** Where a relative path (`./run.sh`, `bin\tool.exe`) is taken from. Default: the current folder. */
  cwd?: string;
  /** The environment PATH (and PATHEXT) come from. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Default: this process's. */
  platform?: NodeJS.Platform;
}

/** What PATHEXT is when it is not set (cmd.exe's list, the order it tries them in). */
const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

/** An environment variable; on Windows whatever its case (`Path`, `PATHEXT`). */
export function envVar(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/**
 * The path of `cmd` as it would run: a path (with a separator) as it is, relative to `cwd`; a bare
 * name from the PATH directories. On Windows each candidate is tried as given when it has one of
 * PATHEXT's extensions, then with each extension in turn (`python` → `python.EXE`); an existing
 * file is enough there (Windows has no execute bit), elsewhere it must be executable.
 */
export function which(cmd: string, o: WhichOptions = {}): string | undefined {
  const platform = o.platform ?? process.platform;
  const env = o.env ?? process.env;
  const windows = platform === 'win32';
  const path = windows ? win32 : posix;
  const host = platform === process.platform; // else the paths are this machine's (tests of the Windows rules)
  const base = o.cwd ?? process.cwd();
  const exts = windows
    ? (envVar(env, 'PATHEXT', platform) || DEFAULT_PATHEXT)
        .split(';')
        .map((e) => e.trim())
        .filter((e) => e.startsWith('.'))
    : [];
  const usable = (p: string) => {
    try {
      if (!windows) accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const find = (p: string): string | undefined => {
    if (!windows) return usable(p) ? p : undefined;
    const ext = path.extname(p).toLowerCase();
    if (ext && exts.some((e) => e.toLowerCase() === ext) && usable(p)) return p;
    for (const e of exts) if (usable(p + e)) return p + e;
    return undefined;
  };
  if (cmd.includes('/') || (windows && (cmd.includes('\\') || /^[a-z]:/i.test(cmd))))
    return find(path.isAbsolute(cmd) ? cmd : host ? path.resolve(base, cmd) : inDir(base, cmd));
  for (const dir of (envVar(env, 'PATH', platform) ?? '').split(path.delimiter)) {
    const d = windows ? dir.replace(/^"(.*)"$/, '$1') : dir; // a quoted PATH entry
    const found = d ? find(host ? path.join(d, cmd) : inDir(d, cmd)) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** Another platform's rules on this machine's paths: `name` in `dir`, with the separator `dir` uses. */
function inDir(dir: string, name: string): string {
  if (/[\\/]$/.test(dir)) return dir + name;
  return dir + (dir.includes('\\') && !dir.includes('/') ? '\\' : '/') + name;
}
