// Shared helpers of the profile tests: fixture paths, marked lines, g++ builds, a session run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ProfileSession, type ProfileOptions, type Report } from '../../src/profile';

/** out/test/unit → test/fixtures/profile (the sources, not compiled). */
export const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'profile');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** 1-based line of the first line carrying the `LEAK` marker comment. */
export function markedLine(file: string, marker = 'LEAK'): number {
  const i = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => new RegExp(`(#|//) ${marker}\\b`).test(l));
  if (i < 0) throw new Error(`${file} has no ${marker} marker`);
  return i + 1;
}

export function tempDir(prefix = 'leaklens-profile-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Builds a C++ fixture into `dir` (with -g unless `debug` is false). */
export function compile(source: string, dir: string, debug = true): string {
  const out = join(dir, basename(source, '.cpp'));
  execFileSync('g++', [...(debug ? ['-g'] : []), '-O1', '-o', out, source], { stdio: 'pipe' });
  return out;
}

export async function profile(
  opts: Omit<ProfileOptions, 'outDir'> & { outDir?: string },
): Promise<{ report: Report; session: ProfileSession }> {
  const session = new ProfileSession({ intervalMs: 100, outDir: tempDir(), ...opts });
  await session.start();
  const report = await session.done;
  return { report, session };
}

export function describeTop(r: Report): string {
  return `${r.verdict}; top lines: ${r.lines
    .slice(0, 3)
    .map((l) => `${basename(l.file)}:${l.line} +${l.growthBytes}`)
    .join(', ')}; notes: ${r.notes.join(' | ')}`;
}

/**
 * A test of real programs timed on a shared machine: up to `attempts` runs, passing on the first
 * success, as pytest-rerunfailures does per test. Each failed attempt is printed with its error, so a
 * test that needed a retry shows in the output; one that fails every attempt fails.
 */
export function itTimed(
  name: string,
  body: () => unknown,
  attempts = 3,
  options: { skip?: string | boolean } = {},
): void {
  it(name, options, async (t) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await body();
        if (attempt > 1) t.diagnostic(`passed on attempt ${attempt} of ${attempts}`);
        return;
      } catch (e) {
        if (attempt >= attempts) throw e;
        const why = e instanceof Error ? e.message : String(e);
        t.diagnostic(`attempt ${attempt} of ${attempts} failed: ${why.split('\n').slice(0, 6).join(' | ')}`);
        console.log(`# ${name}: attempt ${attempt} of ${attempts} failed: ${why.split('\n')[0]}`);
      }
    }
  });
}
