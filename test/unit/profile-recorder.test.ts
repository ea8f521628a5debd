// The Recorder (src/profile/recorder.ts) on real processes: a node program that keeps 2 MiB more
// every 100 ms is recorded for about 2 s; the timeline, report.json and timeline.csv it writes are
// read back. Then the debug hook's use: the folder made at the first sample, a second PID followed
// by one sampling loop, stops.json beside the report, and a report folder that cannot be made.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { CSV_HEADER, readTimeline, type Report, type Sample } from '../../src/profile';
import { Recorder } from '../../src/profile/recorder';
import { tempDir, itTimed } from './profile-helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** A node process that keeps 2 MiB more (written, so resident) every 100 ms; `steady` keeps nothing. */
function grower(steady = false): ChildProcess {
  const code = steady
    ? 'setInterval(() => undefined, 1000)'
    : 'const kept = []; setInterval(() => kept.push(Buffer.alloc(2 * 1024 * 1024, 1)), 100)';
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  children.push(child);
  assert.ok(child.pid, 'child started');
  return child;
}

describe('Recorder', () => {
  itTimed('records a growing process for ~2 s: timeline.jsonl, report.json and timeline.csv agree', async () => {
    const child = grower();
    const out = join(tempDir('leaklens-recorder-'), 'run');
    let polls = 0;
    const recorder = new Recorder({ outDir: out, intervalMs: 100, afterSample: () => polls++ });
    const seen: Sample[] = [];
    recorder.on('sample', (s: Sample) => seen.push(s));
    recorder.open();
    recorder.start(child.pid!);
    await sleep(2000);
    assert.ok(recorder.rssNowSync()! > 10 * MiB, 'a synchronous reading of the tree');
    await recorder.stop();
    recorder.close();
    child.kill('SIGKILL');

    // The timeline: one sample every ~100 ms, each of the child, growing.
    const n = recorder.totals.length;
    assert.ok(n >= 8 && n <= 25, `${n} samples in 2 s at 100 ms`);
    assert.equal(seen.length, n, 'one sample event per sample');
    assert.ok(polls >= n - 2, `afterSample ran after each sample (${polls})`);
    const timeline = await readTimeline(recorder.files.timelineJsonl);
    assert.deepEqual(
      timeline.map((s) => s.totalRssBytes),
      recorder.totals.map((t) => t.rssBytes),
    );
    assert.ok(timeline.every((s) => s.processes.some((p) => p.pid === child.pid)));
    const grew = timeline[timeline.length - 1].totalRssBytes - timeline[0].totalRssBytes;
    assert.ok(grew > 10 * MiB, `the child grew ${grew} bytes`);
    assert.ok(timeline[0].elapsedS < 0.5 && timeline[timeline.length - 1].elapsedS > 1.5);

    // report.json: the recorded totals and the per-process table, with the caller's lines and notes.
    const report = recorder.report({ lines: [], fired: [], verdictOptions: {}, notes: ['from the test'] });
    assert.equal(recorder.writeReport(report), join(out, 'report.json'));
    const saved = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    assert.deepEqual(saved, JSON.parse(JSON.stringify(report)));
    assert.equal(saved.version, 1);
    assert.ok(saved.notes.includes('from the test'));
    assert.ok(saved.finalRssBytes - saved.baselineRssBytes > 10 * MiB);
    assert.ok(saved.growthBytesPerSecond > 4 * MiB, `trend ${saved.growthBytesPerSecond} B/s`);
    const proc = saved.processes.find((p) => p.pid === child.pid);
    assert.ok(proc && proc.samples === n && proc.name === 'node');
    assert.ok(Math.abs(saved.durationSeconds - (timeline[n - 1].elapsedS - timeline[0].elapsedS)) < 1e-6);

    // timeline.csv: seed 001's columns, a row per process per sample.
    assert.equal(await recorder.writeCsv(), undefined);
    const rows = readFileSync(join(out, 'timeline.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(rows[0], CSV_HEADER);
    assert.equal(
      rows.length - 1,
      timeline.reduce((a, s) => a + s.processes.length, 0),
    );
    const first = rows[1].split(',');
    assert.equal(first.length, 7);
    assert.equal(first[2], 'node');
    assert.equal(Number(first[3]), child.pid);
    assert.equal(Number(first[5]), Math.round((timeline[0].processes[0].rssBytes / MiB) * 100) / 100);
  });

  itTimed(
    'the debug hook’s use: folder at the first sample, a second PID followed by one loop, stops.json',
    async () => {
      const a = grower(true);
      const b = grower(true);
      const ws = tempDir('leaklens-recorder-');
      const out = join(ws, '.leaklens-profile', 'session-debug');
      const recorder = new Recorder({ outDir: out, intervalMs: 100 });
      assert.equal(existsSync(out), false, 'nothing written before the first sample');
      recorder.start(a.pid!);
      await sleep(600);
      assert.ok(existsSync(join(out, 'timeline.jsonl')), 'timeline started at the first sample');
      assert.equal(readFileSync(join(ws, '.leaklens-profile', '.gitignore'), 'utf8'), '*\n');
      const before = recorder.totals.length;
      recorder.start(b.pid!);
      await sleep(1000);
      recorder.close();
      const afterSwitch = recorder.totals.length - before;
      // One loop after the switch: about 10 samples in 1 s (two loops would take about 20).
      assert.ok(afterSwitch >= 4 && afterSwitch <= 14, `${afterSwitch} samples in 1 s after the switch`);
      const timeline = await readTimeline(join(out, 'timeline.jsonl'));
      assert.equal(timeline.length, recorder.totals.length, 'one timeline across both PIDs');
      assert.ok(timeline.slice(before).every((s) => s.processes.every((p) => p.pid === b.pid)));
      assert.ok(timeline[before].elapsedS < 0.5, 'elapsed time restarts with the new PID');
      recorder.writeReport(recorder.report({ lines: [], fired: [], verdictOptions: {}, notes: [] }));
      const stops = recorder.writeJson('stops.json', { stops: [] });
      assert.equal(stops, join(out, 'stops.json'));
      assert.deepEqual(JSON.parse(readFileSync(stops, 'utf8')), { stops: [] });
    },
  );

  itTimed('a report folder that cannot be made: timeline and report go to a temp folder, with notes', async () => {
    const child = grower(true);
    const blocker = join(tempDir('leaklens-recorder-'), 'a-file');
    writeFileSync(blocker, 'in the way\n');
    const recorder = new Recorder({ outDir: join(blocker, 'run'), intervalMs: 100 });
    const notes: string[] = [];
    recorder.on('note', (m: string) => notes.push(m));
    recorder.start(child.pid!);
    await sleep(500);
    recorder.close();
    assert.ok(recorder.totals.length >= 2);
    assert.match(notes[0], /Could not write .*timeline\.jsonl \(ENOTDIR.*\); the timeline continues in /);
    const timeline = await readTimeline(recorder.files.timelineJsonl);
    assert.equal(timeline.length, recorder.totals.length, 'no sample lost');
    const report = recorder.report({ lines: [], fired: [], verdictOptions: {}, notes: [] });
    const path = recorder.writeReport(report);
    assert.notEqual(path, join(blocker, 'run', 'report.json'));
    assert.ok(existsSync(path));
    assert.match(report.notes[report.notes.length - 1], /the report is in /);
    assert.equal(await recorder.writeCsv(), undefined, 'the CSV beside the moved timeline');
  });
});
