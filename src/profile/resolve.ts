// Resolves a command before anything is spawned: the interpreter put before a bare script.py, the
// executable found on PATH, the Python script that must exist, each failure a clear ProfileError.
// Which backend then runs it is the registry's choice (trackers.ts).
import { existsSync } from 'node:fs';
import { ProfileError } from './errors';
import { parsePythonCommand } from './python';
import type { TrackerTarget } from './tracker';
import { which } from './which';

export function resolveTarget(
  command: readonly string[],
  o: { cwd?: string; python?: string; env?: NodeJS.ProcessEnv },
): TrackerTarget {
  if (command.length === 0)
    throw new ProfileError('no command given (expected: leaklens profile [options] -- COMMAND ARGS...)');
  const pathEnv = o.env?.PATH ?? process.env.PATH ?? '';
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
  return { command: cmd, exe, python: py, pathEnv };
}
