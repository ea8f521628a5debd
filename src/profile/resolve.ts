// Resolves a command before anything is spawned: the interpreter put before a bare script.py, the
// executable found on PATH, the Python script that must exist, each failure a clear ProfileError.
// Which backend then runs it is the registry's choice (trackers.ts).
import { existsSync } from 'node:fs';
import { ProfileError } from './errors';
import { interpreterCommand, parsePythonCommand } from './python';
import type { TrackerTarget } from './tracker';
import { envVar, which } from './which';

export interface ResolveOptions {
  cwd?: string;
  /** The interpreter for a bare `script.py` (--python); default: defaultPython(). */
  python?: string;
  /** The target's environment, over this process's (its PATH and PATHEXT are the ones looked in). */
  env?: NodeJS.ProcessEnv;
  /** Default: this process's. */
  platform?: NodeJS.Platform;
}

/**
 * The interpreter put before a bare `script.py`: `python3`; on Windows `python` (python.org and the
 * Store install that name, not python3), else the `py -3` launcher (python.org installs without
 * "Add to PATH"). The Store's `python` alias under WindowsApps only offers to install Python, so
 * `py` goes first when it is the only `python` found.
 */
export function defaultPython(o: { cwd?: string; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {}): string[] {
  const platform = o.platform ?? process.platform;
  if (platform !== 'win32') return ['python3'];
  const found = (cmd: string) => which(cmd, { cwd: o.cwd, env: o.env, platform });
  const python = found('python');
  if (python && !/[\\/]WindowsApps[\\/]/i.test(python)) return ['python'];
  if (found('py')) return ['py', '-3'];
  return ['python'];
}

/** `over`'s variables over `base`'s; on Windows, where names ignore case, `Path` is replaced by `PATH`. */
export function overEnv(
  base: NodeJS.ProcessEnv,
  over: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): NodeJS.ProcessEnv {
  if (platform !== 'win32') return { ...base, ...over };
  const names = new Set(Object.keys(over).map((k) => k.toUpperCase()));
  return { ...Object.fromEntries(Object.entries(base).filter(([k]) => !names.has(k.toUpperCase()))), ...over };
}

export function resolveTarget(command: readonly string[], o: ResolveOptions): TrackerTarget {
  if (command.length === 0)
    throw new ProfileError('no command given (expected: leaklens profile [options] -- COMMAND ARGS...)');
  const platform = o.platform ?? process.platform;
  const env = overEnv(process.env, o.env ?? {}, platform);
  const pathEnv = envVar(env, 'PATH', platform) ?? '';
  const py = parsePythonCommand(command, o.python ?? defaultPython({ cwd: o.cwd, env, platform }));
  const cmd = [...command];
  if (py && command[0].endsWith('.py')) cmd.unshift(...interpreterCommand(py));
  const exe = which(cmd[0], { cwd: o.cwd, env, platform });
  if (!exe) {
    if (py && cmd[0] === py.python)
      throw new ProfileError(
        `Python interpreter "${py.python}" not found on PATH; install Python 3 or pass --python PATH`,
      );
    throw new ProfileError(`command not found: ${cmd[0]}`);
  }
  if (platform === 'win32' && /\.(bat|cmd)$/i.test(exe))
    throw new ProfileError(
      `${exe} is a batch file, which Windows cannot start without cmd.exe; ` +
        (py ? 'pass the interpreter itself (--python C:\\...\\python.exe)' : 'run the program it starts instead'),
    );
  if (
    py &&
    !py.target[0].startsWith('-') &&
    !existsSync(py.target[0]) &&
    !existsSync(`${o.cwd ?? '.'}/${py.target[0]}`)
  ) {
    throw new ProfileError(`Python script not found: ${py.target[0]}`);
  }
  return { command: cmd, exe, python: py, pathEnv };
}
