// The report folder. When the profiler creates `.leaklens-profile` (the default), it puts a
// `.gitignore` of `*` inside, so reports, timelines and snapshot files never show up in `git status`
// and cannot be committed by accident. A folder that already existed is left as the user has it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';

export const DEFAULT_PROFILE_DIR = '.leaklens-profile';

/** mkdir -p `dir`; every `.leaklens-profile` folder this call created gets its own `.gitignore`. */
export function makeReportDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return; // nothing was created
  // The folders created: `first`, then each one below it down to `dir`.
  const created = [first];
  for (const part of relative(first, dir).split(sep).filter(Boolean))
    created.push(created[created.length - 1] + sep + part);
  for (const d of created) {
    if (basename(d) === DEFAULT_PROFILE_DIR && dirname(d) !== d) writeFileSync(`${d}${sep}.gitignore`, '*\n');
  }
}
