// PATH lookup, so a missing command or tool gets a clear message before anything is spawned.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export function which(cmd: string, cwd = process.cwd(), pathEnv = process.env.PATH ?? ''): string | undefined {
  const isExec = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    return isExec(p) ? p : undefined;
  }
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && isExec(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}
