// Turns `auto` into a concrete mode for a command and applies the fallbacks the issue asks for:
// python for .py targets, native (heaptrack) for ELF binaries with debug info, RSS otherwise,
// each downgrade explained in a note.
import { existsSync } from 'node:fs';
import { ProfileError } from './errors';
import { findHeaptrack, hasDebugInfo, HEAPTRACK_INSTALL_HINT, type HeaptrackTools } from './heaptrack';
import { findPythonHelpers, parsePythonCommand, type PythonCommand } from './python';
import type { ProfileMode, ResolvedMode } from './types';
import { which } from './which';

export interface ResolvedCommand {
  mode: ResolvedMode;
  command: string[];
  notes: string[];
  python?: PythonCommand;
  helpers?: string;
  heaptrack?: HeaptrackTools;
}

export function resolveMode(
  command: readonly string[],
  o: { mode?: ProfileMode; cwd?: string; python?: string; env?: NodeJS.ProcessEnv },
): ResolvedCommand {
  if (command.length === 0)
    throw new ProfileError('no command given (expected: leaklens profile [options] -- COMMAND ARGS...)');
  const pathEnv = o.env?.PATH ?? process.env.PATH ?? '';
  const mode = o.mode ?? 'auto';
  const notes: string[] = [];
  const py = parsePythonCommand(command, o.python ?? 'python3');
  const cmd = [...command];
  if (py && command[0].endsWith('.py')) cmd.unshift(py.python);
  const exe = which(cmd[0], o.cwd, pathEnv);
  if (!exe) {
    if (py && cmd[0] === py.python)
      throw new ProfileError(
        `Python interpreter "${py.python}" not found on PATH; install Python 3 or pass --python PATH`,
      );
    throw new ProfileError(`command not found: ${cmd[0]}`);
  }
  if (
    py &&
    !py.target[0].startsWith('-') &&
    !existsSync(py.target[0]) &&
    !existsSync(`${o.cwd ?? '.'}/${py.target[0]}`)
  ) {
    throw new ProfileError(`Python script not found: ${py.target[0]}`);
  }
  const rss = (why?: string): ResolvedCommand => {
    if (why) notes.push(why);
    return { mode: 'rss', command: cmd, notes };
  };
  if (mode === 'rss') return rss();
  if (mode === 'python' || (mode === 'auto' && py)) {
    if (!py)
      return rss('--mode python needs a Python script (python3 [flags] script.py | -m module); measuring RSS only.');
    const helpers = findPythonHelpers();
    if (!helpers) return rss('LeakLens Python runner not found (dist/python); measuring RSS only.');
    return { mode: 'python', command: cmd, notes, python: py, helpers };
  }
  // native or auto on a non-Python command
  const tools = findHeaptrack(pathEnv);
  if (!tools)
    return mode === 'native'
      ? rss(`heaptrack not found, so no per-line growth (RSS only); ${HEAPTRACK_INSTALL_HINT}.`)
      : rss();
  if (!hasDebugInfo(exe)) {
    return mode === 'native'
      ? rss(`${exe} has no debug info (or is not an ELF binary): no per-line growth (RSS only); rebuild with -g.`)
      : rss();
  }
  return { mode: 'native', command: cmd, notes, heaptrack: tools };
}
