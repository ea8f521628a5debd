// The registry of profiling backends (src/profile/trackers.ts): ids, an unknown id, availability
// with its reason, and the choice a session makes under each mode. Real files: a fake heaptrack
// install laid out as the real one is, a binary built with -g and one without.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProfileError } from '../../src/profile';
import { resolveTarget } from '../../src/profile/resolve';
import type { TrackerTarget } from '../../src/profile/tracker';
import { chooseTracker, trackerAvailability, trackerFactory, trackerIds } from '../../src/profile/trackers';
import { compile, fixture, tempDir } from './profile-helpers';

/** A PATH holding heaptrack and heaptrack_print, with ../lib/heaptrack laid out as findHeaptrack expects. */
function fakeHeaptrack(): string {
  const root = tempDir('leaklens-fake-heaptrack-');
  const bin = join(root, 'bin');
  const lib = join(root, 'lib', 'heaptrack');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(lib, 'libexec'), { recursive: true });
  for (const tool of [
    join(bin, 'heaptrack'),
    join(bin, 'heaptrack_print'),
    join(lib, 'libexec', 'heaptrack_interpret'),
  ]) {
    writeFileSync(tool, '#!/bin/sh\nexit 0\n');
    chmodSync(tool, 0o755);
  }
  writeFileSync(join(lib, 'libheaptrack_preload.so'), '');
  return bin;
}

/** A PATH with nothing on it but an empty folder. */
const emptyPath = () => tempDir('leaklens-empty-path-');

const nativeTarget = (exe: string, pathEnv: string): TrackerTarget => ({ command: [exe], exe, pathEnv });

describe('tracker registry', () => {
  it('knows the RSS, Python and heaptrack backends by their mode names', () => {
    assert.deepEqual(trackerIds(), ['rss', 'python', 'native']);
    for (const id of trackerIds()) assert.equal(trackerFactory(id).id, id);
    // Only RSS can follow a process LeakLens did not start.
    assert.deepEqual(
      trackerIds().filter((id) => trackerFactory(id).attach),
      ['rss'],
    );
  });

  it('an unknown id is a ProfileError that lists the known ones', () => {
    assert.throws(
      () => trackerFactory('memray'),
      (e: Error) =>
        e instanceof ProfileError &&
        /unknown profiling backend "memray" \(known: rss, python, native\)/.test(e.message),
    );
    const target = resolveTarget(['sleep', '0'], {});
    assert.throws(() => chooseTracker(target, 'valgrind' as never), /known: rss, python, native/);
  });

  it('heaptrack missing: unavailable, and the reason says how to install it', () => {
    const a = trackerAvailability('native', nativeTarget('/bin/sh', emptyPath()));
    assert.equal(a.available, false);
    assert.match(a.available ? '' : a.reason, /heaptrack not found.*\(RSS only\).*apt-get install heaptrack/);
  });

  it('heaptrack installed: a binary without debug info is refused with the reason, one built with -g is taken', () => {
    const path = fakeHeaptrack();
    const plain = compile(fixture('cpp_malloc_loop.cpp'), tempDir(), false);
    const a = trackerAvailability('native', nativeTarget(plain, path));
    assert.equal(a.available, false);
    assert.match(a.available ? '' : a.reason, /has no debug info .*rebuild with -g/);
    const withG = compile(fixture('cpp_malloc_loop.cpp'), tempDir());
    assert.equal(trackerAvailability('native', nativeTarget(withG, path)).available, true);
    const choice = chooseTracker(nativeTarget(withG, path), 'auto');
    assert.equal(choice.id, 'native');
    assert.deepEqual(choice.notes, []);
  });

  it('Python: a script is taken; a command that is not one is refused with the reason', () => {
    const script = resolveTarget([fixture('py_global_list.py')], {});
    assert.equal(trackerAvailability('python', script).available, true);
    assert.equal(chooseTracker(script).id, 'python');
    const shell = resolveTarget(['sleep', '0'], {});
    const a = trackerAvailability('python', shell);
    assert.match(a.available ? '' : a.reason, /--mode python needs a Python script/);
  });

  it('the choice: the mode asked for, else RSS with the reason; auto falls back to RSS quietly', () => {
    const shell = resolveTarget(['sleep', '0'], { env: { PATH: `/usr/bin:/bin` } });
    const noHeaptrack: TrackerTarget = { ...shell, pathEnv: emptyPath() };
    assert.deepEqual(chooseTracker(noHeaptrack, 'auto').notes, []);
    assert.equal(chooseTracker(noHeaptrack, 'auto').id, 'rss');
    const native = chooseTracker(noHeaptrack, 'native');
    assert.equal(native.id, 'rss');
    assert.match(native.notes.join('\n'), /heaptrack not found/);
    const python = chooseTracker(shell, 'python');
    assert.equal(python.id, 'rss');
    assert.match(python.notes.join('\n'), /needs a Python script.*measuring RSS only/);
    const rss = chooseTracker(resolveTarget([fixture('py_global_list.py')], {}), 'rss');
    assert.equal(rss.id, 'rss');
    assert.deepEqual(rss.notes, []);
    assert.equal(rss.create({ outDir: tempDir(), t0: Date.now(), processName: () => undefined }).linesBy, undefined);
  });
});
