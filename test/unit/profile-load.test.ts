// Verdicts that hold: a bounded cache that warms up and then stays flat is no-leak with its plateau
// reported, and a steady program stays no-leak while two CPU-bound processes compete for the CPUs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe } from 'node:test';
import { fixture, profile, itTimed } from './profile-helpers';

const MB = 1024 * 1024;
const notes = (r: { verdict: string; notes: string[] }) => `${r.verdict}: ${r.notes.join(' | ')}`;

describe('verdicts that hold (real processes)', () => {
  itTimed('a cache that fills to its bound and then stays flat: no-leak, plateau reported', async () => {
    const { report } = await profile({ command: ['python3', fixture('load/warm_cache.py'), '9'], pythonPeriodS: 0.4 });
    assert.equal(report.verdict, 'no-leak', notes(report));
    assert.ok(report.plateau, notes(report));
    // About 30 MB of cache, reached within the first few seconds.
    assert.ok(report.plateau.rssBytes - report.processes[0].baselineRssBytes > 10 * MB, JSON.stringify(report.plateau));
    assert.ok(report.plateau.fromS < 6, JSON.stringify(report.plateau));
    assert.match(report.notes.join('\n'), /a plateau \(a cache or pool filled to its bound\), not growth/);
  });

  itTimed('a steady program beside two CPU-bound processes: no-leak', async () => {
    const hogs: ChildProcess[] = [0, 1].map(() =>
      spawn('python3', ['-c', 'import time\nend = time.time() + 30\nwhile time.time() < end: pass'], {
        stdio: 'ignore',
      }),
    );
    try {
      const { report } = await profile({ command: ['python3', fixture('load/steady.py'), '8'], pythonPeriodS: 0.4 });
      assert.equal(report.verdict, 'no-leak', notes(report));
      assert.equal(report.plateau, undefined, notes(report));
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
  });
});
