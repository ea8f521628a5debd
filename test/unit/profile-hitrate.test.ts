// Attribution that does not depend on luck: leaking programs of each kind (slow, fast, large, small,
// zero pages, a slow leak inside a busy program) run as real processes in the default mode, whose
// top line must be the marked one; a busy steady control gets no growing line; the runner's window
// schedule (long while the program waits, short while it computes) read from its own index.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { buildReport, formatText, noLineText, type Report } from '../../src/profile';
import { findPythonHelpers } from '../../src/profile/python';
import { describeTop, fixture, markedLine, profile, tempDir, itTimed } from './profile-helpers';

const RUN_S = '6';

const KINDS: [string, string][] = [
  ['hitrate/slow_large.py', 'one 200 KB object every 0.5 s'],
  ['hitrate/slow_small.py', 'one ~2 KB string every 100 ms'],
  ['hitrate/fast_small.py', '50 small dicts every 5 ms'],
  ['hitrate/fast_large.py', 'a 256 KB buffer every 20 ms beside freed ones'],
  ['hitrate/zero_pages.py', 'a zero-filled 1 MiB bytes every 100 ms'],
  ['hitrate/busy_slow.py', 'one 200 KB object every 0.5 s inside allocation-heavy work'],
];

describe('default Python mode names the leaking line of every kind (real processes)', () => {
  for (const [name, what] of KINDS) {
    itTimed(`${name} (${what}): the top line is the leaking line`, async () => {
      const file = fixture(name);
      const { report } = await profile({ command: ['python3', file, RUN_S] });
      assert.equal(report.linesBy, 'sampling');
      assert.ok(report.lines.length > 0, describeTop(report));
      assert.equal(report.lines[0].file, file, describeTop(report));
      assert.equal(report.lines[0].line, markedLine(file), describeTop(report));
      assert.ok(report.lines[0].bytesPerSecond > 0, describeTop(report));
    });
  }

  itTimed('hitrate/steady.py (busy, bounded): no-leak, no growth located, no line listed as growing', async () => {
    const { report } = await profile({ command: ['python3', fixture('hitrate/steady.py'), RUN_S] });
    assert.equal(report.verdict, 'no-leak', describeTop(report));
    assert.equal(report.heap?.verdict, 'no-leak', describeTop(report));
    assert.equal(report.growthWhere, undefined, describeTop(report));
    // What the windows saw survive is listed as turnover, not as lines that grew.
    const text = formatText(report);
    assert.doesNotMatch(text, /Lines that grew|Growth is/, text);
    if (report.lines.length) assert.match(text, /turnover: memory is flat, nothing grows/, text);
  });
});

interface WindowRecord {
  kind: string;
  span: number;
  busy: number;
  escalated: boolean;
  /** The window length the schedule chose (span is what the wall clock saw, longer under load). */
  planned: number;
}

function runRunner(script: string, args: string[]): WindowRecord[] {
  const out = tempDir('leaklens-runner-');
  const runner = join(findPythonHelpers(__dirname)!, 'leaklens_runner.py');
  execFileSync('python3', [runner, '--out', out, '--', script, ...args], { stdio: 'pipe' });
  return readFileSync(join(out, 'index.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WindowRecord)
    .filter((r) => r.kind === 'window');
}

describe('the runner’s window schedule', () => {
  itTimed('a CPU-bound steady program keeps ~10 ms windows and never escalates', () => {
    const w = runRunner(fixture('bench_alloc.py'), ['400000']);
    assert.ok(w.length >= 2, JSON.stringify(w));
    for (const r of w) {
      assert.ok(r.planned < 0.05, JSON.stringify(r));
      assert.equal(r.escalated, false, JSON.stringify(r));
    }
  });

  itTimed('a program that mostly sleeps is traced most of the time', () => {
    const w = runRunner(fixture('hitrate/slow_large.py'), ['4']);
    assert.ok(w.length >= 2, JSON.stringify(w));
    // (the first windows may be shorter: the tracing slowdown is not measured yet)
    assert.ok(w.filter((r) => r.planned > 0.5).length >= 2, JSON.stringify(w));
    assert.ok(w.reduce((a, r) => a + r.planned, 0) > 1.5, JSON.stringify(w));
  });

  itTimed('a busy program whose heap keeps growing gets longer windows (escalation)', () => {
    const w = runRunner(fixture('hitrate/busy_slow.py'), ['6']);
    assert.ok(
      w.some((r) => r.escalated && r.planned >= 0.2),
      JSON.stringify(w),
    );
    assert.ok(
      w.some((r) => !r.escalated && r.planned < 0.05),
      JSON.stringify(w),
    );
  });
});

describe('a leak with no line says so and how to get one', () => {
  const base = (linesBy?: Report['linesBy']): Report => {
    const totals = Array.from({ length: 30 }, (_, i) => ({ elapsedS: i * 0.2, rssBytes: 50e6 + i * 1e6 }));
    return buildReport({ totals, processes: [], lines: [], fired: [], verdictOptions: {}, notes: [], linesBy });
  };

  itTimed('sampling: suggests --exact, in the text output too', () => {
    const r = base('sampling');
    assert.equal(r.verdict, 'leak');
    assert.match(noLineText(r)!, /No line was named.*--exact/);
    assert.match(formatText(r), /No line was named: the tracing windows caught none.*--exact/);
  });

  itTimed('rss mode points at python/native modes; exact mode at native stacks', () => {
    assert.match(noLineText(base())!, /--mode python .* --mode native/);
    assert.match(noLineText(base('exact'))!, /heaptrack/);
  });

  itTimed('nothing to say when lines were named or there is no leak', () => {
    const r = base('sampling');
    r.lines = [{ file: '/x.py', line: 3, growthBytes: 1, growthCount: 1, bytesPerSecond: 1 }];
    assert.equal(noLineText(r), undefined);
    assert.doesNotMatch(formatText(r), /No line was named/);
    const flat = buildReport({
      totals: Array.from({ length: 30 }, (_, i) => ({ elapsedS: i * 0.2, rssBytes: 50e6 })),
      processes: [],
      lines: [],
      fired: [],
      verdictOptions: {},
      notes: [],
      linesBy: 'sampling',
    });
    assert.equal(noLineText(flat), undefined);
  });
});
