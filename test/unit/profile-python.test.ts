// Real Python programs that leak, and controls that do not, profiled end to end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { describeTop, fixture, markedLine, profile } from './profile-helpers';

const RUN_S = '3.5';

describe('profile python (sampling windows, default)', () => {
  for (const name of ['py_global_list.py', 'py_queue_backlog.py', 'py_lru_cache.py', 'py_registry.py']) {
    it(`${name}: leak, and the leaking line is the top line`, async () => {
      const file = fixture(name);
      const { report, session } = await profile({ command: ['python3', file, RUN_S], pythonPeriodS: 0.4 });
      assert.equal(session.mode, 'python');
      assert.equal(report.verdict, 'leak', describeTop(report));
      assert.ok(report.lines.length > 0, describeTop(report));
      assert.equal(report.lines[0].file, file, describeTop(report));
      assert.equal(report.lines[0].line, markedLine(file), describeTop(report));
      assert.ok(report.lines[0].growthBytes > 0 && report.lines[0].bytesPerSecond > 0);
    });
  }

  for (const name of ['py_churn.py', 'py_spike.py']) {
    it(`${name}: no-leak`, async () => {
      const { report } = await profile({ command: ['python3', fixture(name), RUN_S], pythonPeriodS: 0.4 });
      assert.equal(report.verdict, 'no-leak', describeTop(report));
    });
  }

  it('py_spike.py: the peak is reported and memory returned to baseline', async () => {
    const { report } = await profile({ command: [fixture('py_spike.py'), RUN_S], mode: 'rss' });
    assert.equal(report.verdict, 'no-leak', describeTop(report));
    assert.ok(report.peakRssBytes - report.finalRssBytes > 60 * 1024 * 1024, describeTop(report));
    assert.ok(
      report.notes.some((n) => /returned to its baseline/.test(n)),
      report.notes.join('\n'),
    );
  });
});

describe('profile python --exact (tracemalloc snapshots diffed out of process)', () => {
  it('py_registry.py: leak at the marked line, per-site rule fires', async () => {
    const file = fixture('py_registry.py');
    const { report } = await profile({ command: ['python3', file, RUN_S], exact: true, pythonPeriodS: 0.4 });
    assert.equal(report.verdict, 'leak', describeTop(report));
    assert.equal(report.lines[0].file, file);
    assert.equal(report.lines[0].line, markedLine(file), describeTop(report));
    assert.ok(report.lines[0].growthCount > 10, describeTop(report));
    assert.ok(
      report.notes.some((n) => n.startsWith('Per-site rule') && n.includes(`py_registry.py:${markedLine(file)}`)),
      report.notes.join('\n'),
    );
  });

  it('py_churn.py: no-leak', async () => {
    const { report, session } = await profile({
      command: ['python3', fixture('py_churn.py'), RUN_S],
      exact: true,
      pythonPeriodS: 0.4,
    });
    assert.equal(report.verdict, 'no-leak', describeTop(report));
    // Snapshot files are consumed by the differ, not left behind.
    const index = readFileSync(`${session.files.report.replace(/report\.json$/, '')}python/index.jsonl`, 'utf8');
    assert.match(index, /"kind": "exact"/);
    assert.ok(!existsSync(`${session.files.report.replace(/report\.json$/, '')}python/s000001.snap`));
  });
});
