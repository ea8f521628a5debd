// Every Python process of the tree attributed: a leak inside a multiprocessing worker (fork, spawn,
// forkserver) or a Python subprocess is named at its line and tagged with the child's pid, while the
// steady parent's lines are not the top. Real processes.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatText } from '../../src/profile';
import { describeTop, fixture, markedLine, profile, itTimed } from './profile-helpers';

// The workers run far longer than the profile, which stops the tree after DURATION_S: the leak is
// still alive at the end (a worker that ends takes its RSS with it, and the total drops).
const WORKER_S = '60';
const DURATION_S = 4;

function describeProcs(r: Awaited<ReturnType<typeof profile>>['report']): string {
  const procs = r.processes.map((p) => `${p.name}:${p.pid}<-${p.ppid}`).join(' ');
  const lines = r.lines
    .slice(0, 3)
    .map((l) => `${l.file.split('/').pop()}:${l.line}@${l.pid}(${l.process})`)
    .join(' ');
  return `${describeTop(r)}\nprocesses: ${procs}\nlines: ${lines}`;
}

describe('profile python: child processes are attributed too', () => {
  for (const method of ['fork', 'spawn', 'forkserver']) {
    itTimed(`multiprocessing ${method}: the worker's line, tagged with the worker's pid`, async () => {
      const file = fixture('children/mp_worker_leak.py');
      const { report, session } = await profile({
        command: ['python3', file, method, WORKER_S],
        durationS: DURATION_S,
        pythonPeriodS: 0.4,
      });
      const why = describeProcs(report);
      assert.equal(session.mode, 'python');
      assert.equal(report.verdict, 'leak', why);
      const top = report.lines[0];
      assert.ok(top, why);
      assert.equal(top.file, file, why);
      assert.equal(top.line, markedLine(file), why);
      // The line grew in the worker, not in the root interpreter (the heap's pid).
      assert.ok(top.pid !== undefined && top.pid !== report.heap?.pid, why);
      const worker = report.processes.find((p) => p.pid === top.pid);
      assert.ok(worker, `the tagged pid is a sampled process of the tree: ${why}`);
      assert.match(top.process ?? '', /Process-1$/, why); // ForkProcess-1, SpawnProcess-1, ForkServerProcess-1
      assert.ok(top.growthBytes > 2 * 1024 * 1024, why);
      // The steady parent never shows the worker's line as its own.
      const rootLine = report.lines.find((l) => l.pid === report.heap?.pid && l.line === markedLine(file));
      assert.equal(rootLine, undefined, why);
      // Each traced child wrote its own snapshot folder, tagged with its pid.
      assert.ok(existsSync(join(session.outDir, 'python', `p${top.pid}`, 'index.jsonl')), why);
      // The CLI text tags the line with its process.
      const text = formatText(report);
      assert.match(text, new RegExp(`mp_worker_leak\\.py:${markedLine(file)}  \\[\\w*Process-1 ${top.pid}\\]`), text);
      assert.ok(
        report.notes.some((n) => n.startsWith('Python processes traced:')),
        why,
      );
    });
  }

  itTimed("seed 003's unbounded multiprocessing.Queue: the backlog's line in the worker", async () => {
    const file = fixture('children/mp_queue_backlog.py');
    const { report } = await profile({
      command: ['python3', file, WORKER_S],
      durationS: DURATION_S,
      pythonPeriodS: 0.4,
    });
    const why = describeProcs(report);
    assert.equal(report.verdict, 'leak', why);
    const top = report.lines[0];
    assert.equal(top?.file, file, why);
    assert.equal(top.line, markedLine(file), why);
    assert.ok(top.pid !== undefined && top.pid !== report.heap?.pid, why);
    assert.match(top.process ?? '', /^SpawnProcess-1$/, why);
  });

  itTimed(
    'a worker that leaked and ended before its parent: leak, the worker marked ended with its last RSS',
    async () => {
      const file = fixture('children/mp_worker_leak.py');
      const { report } = await profile({ command: ['python3', file, 'spawn', '3', '1.2'], pythonPeriodS: 0.4 });
      const why = describeProcs(report);
      const top = report.lines[0];
      assert.equal(top?.line, markedLine(file), why);
      const worker = report.processes.find((p) => p.pid === top.pid);
      assert.ok(worker?.endedS !== undefined, `the worker is marked ended: ${why}`);
      assert.ok(worker.finalRssBytes > worker.baselineRssBytes + 8 * 1024 * 1024, `its last RSS, not 0: ${why}`);
      assert.equal(report.verdict, 'leak', why);
      assert.ok(
        report.notes.some((n) => n.includes(`(pid ${top.pid}) grew`) && n.includes('until it ended')),
        why,
      );
      // Named as Python knows it (it runs `python3 -c …`: no script), as its line is; the program kept.
      assert.deepEqual([worker.name, worker.exe], ['SpawnProcess-1', 'python3'], why);
      assert.match(formatText(report), new RegExp(`SpawnProcess-1 \\(ended\\) +${top.pid} `), why);
      const root = report.processes.find((p) => p.pid === report.heap?.pid);
      assert.deepEqual([root?.name, root?.exe], ['mp_worker_leak.py', 'python3'], why);
    },
  );

  itTimed("a worker's zero-page leak (RSS flat): leak from the worker's own Python heap", async () => {
    const file = fixture('children/mp_zero_pages.py');
    const { report } = await profile({ command: ['python3', file, WORKER_S], durationS: 6, pythonPeriodS: 0.4 });
    const why = describeProcs(report);
    assert.equal(report.verdict, 'leak', why);
    const top = report.lines[0];
    assert.equal(top?.line, markedLine(file), why);
    assert.ok(top.pid !== undefined && top.pid !== report.heap?.pid, why);
    const worker = report.processes.find((p) => p.pid === top.pid);
    assert.ok((worker?.heapGrowthBytesPerSecond ?? 0) > 2 * 1024 * 1024, why);
    assert.ok(
      report.notes.some((n) => n.startsWith(`The Python heap of SpawnProcess-1 (pid ${top.pid}) grows`)),
      why,
    );
    assert.ok(!report.notes.some((n) => n.startsWith('RSS and the Python heap are flat')), why);
  });

  itTimed('python subprocess: the child script line, tagged with the child pid', async () => {
    const child = fixture('children/subprocess_child.py');
    const { report, session } = await profile({
      command: ['python3', fixture('children/subprocess_leak.py'), WORKER_S],
      durationS: DURATION_S,
      pythonPeriodS: 0.4,
    });
    const why = describeProcs(report);
    assert.equal(report.verdict, 'leak', why);
    const top = report.lines[0];
    assert.equal(top?.file, child, why);
    assert.equal(top.line, markedLine(child), why);
    assert.ok(top.pid !== undefined && top.pid !== report.heap?.pid, why);
    assert.ok(
      report.processes.some((p) => p.pid === top.pid && p.ppid === session.pid),
      `the subprocess is the root's child: ${why}`,
    );
    assert.equal(top.process, 'subprocess_child.py', why); // the script, as the user knows the process
  });

  itTimed('a steady spawn worker: no-leak, and the worker was traced', async () => {
    const { report, session } = await profile({
      command: ['python3', fixture('children/mp_steady.py'), WORKER_S],
      durationS: DURATION_S,
      pythonPeriodS: 0.4,
    });
    assert.equal(report.verdict, 'no-leak', describeProcs(report));
    const dirs = readdirSync(join(session.outDir, 'python')).filter((d) => /^p\d+$/.test(d));
    assert.ok(dirs.length >= 1, 'the spawned worker was traced');
  });
});
