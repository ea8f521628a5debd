// Real C++ programs (built with g++ -g here) under heaptrack: leaks, controls, fallbacks.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it, before } from 'node:test';
import { existsSync } from 'node:fs';
import { findHeaptrack } from '../../src/profile';
import { compile, describeTop, fixture, itTimed, markedLine, profile, tempDir } from './profile-helpers';

const RUN_S = '3.5';

/** Installs heaptrack when missing (CI); skip only when that truly fails. */
function heaptrackOrSkipReason(): string | undefined {
  if (findHeaptrack()) return undefined;
  try {
    execFileSync('sh', [fixture('ensure-heaptrack.sh')], { stdio: 'inherit', timeout: 300_000 });
  } catch {
    // reported below
  }
  return findHeaptrack()
    ? undefined
    : 'heaptrack is not installed and could not be installed (apt-get install -y heaptrack)';
}

describe('profile native (heaptrack)', () => {
  const skip = heaptrackOrSkipReason();
  const dir = tempDir('leaklens-native-');
  before(() => assert.ok(existsSync(dir)));

  // Timed: on a loaded machine heaptrack's analyses come seldom (each waits 4x the last one's cost), and a
  // short run can end before two of them saw the site grow (CI once saw a leak with no line).
  for (const name of ['cpp_malloc_loop.cpp', 'cpp_early_exit.cpp']) {
    itTimed(
      `${name}: leak, and the leaking line is the top line`,
      async () => {
        const src = fixture(name);
        const bin = compile(src, dir);
        const { report, session } = await profile({ command: [bin, RUN_S], mode: 'auto', root: fixture('.') });
        assert.equal(session.mode, 'native');
        assert.equal(report.verdict, 'leak', describeTop(report));
        assert.equal(report.lines[0]?.file, src, describeTop(report));
        assert.equal(report.lines[0].line, markedLine(src), describeTop(report));
        assert.ok(existsSync(`${dir}`));
      },
      3,
      { skip },
    );
  }

  for (const name of ['cpp_churn.cpp', 'cpp_spike.cpp']) {
    it(`${name}: no-leak`, { skip }, async () => {
      const bin = compile(fixture(name), dir);
      const { report, session } = await profile({ command: [bin, RUN_S], mode: 'native', root: fixture('.') });
      assert.equal(session.mode, 'native');
      assert.equal(report.verdict, 'no-leak', describeTop(report));
    });
  }

  it('a binary without debug info falls back to RSS only, with a message', async () => {
    const bin = compile(fixture('cpp_malloc_loop.cpp'), tempDir('leaklens-nodebug-'), false);
    execFileSync('strip', ['--strip-debug', bin]);
    const { report, session } = await profile({ command: [bin, '2.5'], mode: 'native' });
    assert.equal(session.mode, 'rss');
    assert.ok(
      report.notes.some((n) => /no debug info/.test(n)),
      report.notes.join('\n'),
    );
    assert.equal(report.lines.length, 0);
    assert.equal(report.verdict, 'leak', describeTop(report));
  });

  it('heaptrack missing: RSS only, and the message says how to install it', async () => {
    const bin = compile(fixture('cpp_churn.cpp'), tempDir('leaklens-noht-'));
    const { report, session } = await profile({ command: [bin, '1'], mode: 'native', env: { PATH: '/nonexistent' } });
    assert.equal(session.mode, 'rss');
    assert.ok(
      report.notes.some((n) => /heaptrack not found.*apt-get install heaptrack/.test(n)),
      report.notes.join('\n'),
    );
  });
});
