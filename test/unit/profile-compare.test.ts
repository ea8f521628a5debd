// `leaklens profile compare BEFORE AFTER`: reports of a real leaky program and of its fixed version
// (the same app.py, edited between the two runs), compared through the CLI; and reports that are
// missing, unfinished, truncated or not reports at all; processes matched across the naming of old reports.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { profileCommand } from '../../src/cli/profile';
import { compareReports, matchProcesses, type Comparison } from '../../src/profile/compare';
import type { ProcessSummary, Report } from '../../src/profile/types';
import { describeTop, fixture, markedLine, profile, tempDir } from './profile-helpers';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await profileCommand(
    ['compare', ...args],
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

describe('profile compare: a leak and its fix, profiled for real', () => {
  const work = tempDir('leaklens-compare-');
  const app = join(work, 'app.py');
  const beforeDir = join(work, 'before');
  const afterDir = join(work, 'after');
  const leakLine = markedLine(fixture('compare/app_leaky.py'));

  before(async () => {
    copyFileSync(fixture('compare/app_leaky.py'), app);
    const b = await profile({ command: ['python3', app, '3.5'], pythonPeriodS: 0.4, outDir: beforeDir });
    assert.equal(b.report.verdict, 'leak', describeTop(b.report));
    copyFileSync(fixture('compare/app_fixed.py'), app); // the fix, same file and lines
    const a = await profile({ command: ['python3', app, '3.5'], pythonPeriodS: 0.4, outDir: afterDir });
    assert.equal(a.report.verdict, 'no-leak', describeTop(a.report));
  });

  it('text: LEAK → NO-LEAK (fixed), the process table, and the leaking line stopped growing', async () => {
    const { code, out, err } = await cli([beforeDir, afterDir]);
    assert.equal(code, 0, err);
    assert.match(out, /^LeakLens compare: LEAK → NO-LEAK \(fixed\)$/m);
    assert.match(out, /^Verdict +LEAK +NO-LEAK +fixed$/m);
    assert.match(out, /^app\.py \(pid \d+ → \d+\)$/m);
    // The leaky run grew ~12 MB/s, the fixed one is flat.
    const growth = out.match(/^ {2}growth\/s +\+(\d+\.\d) MB +\+(\d+\.\d) MB +(.+)$/m);
    assert.ok(growth, out);
    assert.ok(Number(growth[1]) > 3 && Number(growth[2]) < 1, out);
    assert.match(growth[3], /× less|gone/);
    assert.match(
      out,
      new RegExp(`Lines that stopped growing \\(\\d+\\):\\n {2}${app.replace(/[.]/g, '\\.')}:${leakLine} `),
    );
    assert.match(out, /Lines that newly grow \(0\)/);
  });

  it('json: the same comparison as data; the report files can be given instead of the folders', async () => {
    const { code, out } = await cli([
      '--format',
      'json',
      join(beforeDir, 'report.json'),
      join(afterDir, 'report.json'),
    ]);
    assert.equal(code, 0);
    const c = JSON.parse(out) as Comparison;
    assert.equal(c.outcome, 'fixed');
    assert.equal(c.before.verdict, 'leak');
    assert.equal(c.after.verdict, 'no-leak');
    assert.equal(c.before.report, join(beforeDir, 'report.json'));
    assert.ok(c.before.heapGrowthBytesPerSecond! > c.after.heapGrowthBytesPerSecond!);
    const py = c.processes.find((p) => p.name === 'app.py');
    assert.ok(py?.before && py.after, JSON.stringify(c.processes));
    assert.ok(py.before.growthBytesPerSecond > 3 * 1024 * 1024, JSON.stringify(py));
    assert.ok(py.after.growthBytesPerSecond < 1024 * 1024, JSON.stringify(py));
    const stopped = c.lines.stopped.find((l) => l.file === app && l.line === leakLine);
    assert.ok(stopped?.before && stopped.before.growthBytes > 1024 * 1024, JSON.stringify(c.lines));
    assert.ok(!c.lines.still.some((l) => l.line === leakLine));
  });

  it('a report from before processes were named by their script (python3) still matches app.py', async () => {
    const old = JSON.parse(readFileSync(join(beforeDir, 'report.json'), 'utf8')) as Report;
    const root = old.processes[0];
    assert.deepEqual([root.name, root.exe], ['app.py', 'python3'], 'named by its script, the executable kept');
    for (const p of old.processes) {
      p.name = p.exe ?? p.name; // what LeakLens wrote then: the kernel's name
      delete p.exe;
    }
    const file = join(work, 'old-report.json');
    writeFileSync(file, JSON.stringify(old));
    const { code, out } = await cli([file, afterDir]);
    assert.equal(code, 0);
    assert.match(out, /^app\.py \(pid \d+ → \d+\)$/m);
    assert.doesNotMatch(out, /\(pid (\d+|–) → –\)|\(pid – →/, 'every process matched');
  });

  it('the other way round is a regression: exit 1 and the line newly grows', async () => {
    const { code, out } = await cli([afterDir, beforeDir]);
    assert.equal(code, 1);
    assert.match(out, /NO-LEAK → LEAK \(regressed\)/);
    assert.match(out, new RegExp(`Lines that newly grow \\(\\d+\\):\\n {2}${app.replace(/[.]/g, '\\.')}:${leakLine} `));
  });

  it('a report compared with itself: unchanged, and its lines still grow', async () => {
    const { code, out } = await cli([beforeDir, beforeDir]);
    assert.equal(code, 1);
    assert.match(out, /LEAK → LEAK \(unchanged\)/);
    assert.match(out, /Lines that stopped growing \(0\)/);
    assert.match(out, new RegExp(`Lines that still grow \\(\\d+\\):\\n.*app\\.py:${leakLine} `));
  });

  describe('reports that cannot be compared: exit 2 and what is wrong', () => {
    const bad = tempDir('leaklens-compare-bad-');
    const good = () => join(beforeDir, 'report.json');

    it('a missing folder', async () => {
      const r = await cli([join(bad, 'nope'), good()]);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.match(r.err, /^leaklens profile compare: BEFORE: .*nope does not exist\n$/);
    });

    it('a folder whose profile did not finish (timeline, no report)', async () => {
      const dir = join(bad, 'unfinished');
      mkdirSync(dir);
      writeFileSync(join(dir, 'timeline.jsonl'), '{"t":1}\n');
      const r = await cli([good(), dir]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /AFTER: .*unfinished has no report\.json \(it has a timeline\.jsonl: the profile did not finish\)/,
      );
    });

    it('a truncated report.json (cut in the middle)', async () => {
      const text = readFileSync(good(), 'utf8');
      const file = join(bad, 'truncated.json');
      writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
      const r = await cli([good(), file]);
      assert.equal(r.code, 2);
      assert.match(r.err, /AFTER: .*truncated\.json is truncated \(it ends mid-document\)/);
    });

    it('an empty file', async () => {
      const file = join(bad, 'empty.json');
      writeFileSync(file, '');
      const r = await cli([file, good()]);
      assert.equal(r.code, 2);
      assert.match(r.err, /BEFORE: .*empty\.json is empty/);
    });

    it('JSON that is not a profile report', async () => {
      const cases: [string, RegExp][] = [
        ['{"version": 2, "verdict": "leak"}', /version is 2, expected 1/],
        ['[1, 2]', /not a JSON object/],
        [
          '{"version": 1, "verdict": "leak", "durationSeconds": 1, "peakRssBytes": 1, "growthBytesPerSecond": 1, "processes": [], "lines": [{"file": "a.py"}]}',
          /a line entry lacks file, line or growthBytes/,
        ],
        ['{"version": 1, "verdict": "maybe"}', /no verdict/],
      ];
      for (const [i, [text, why]] of cases.entries()) {
        const file = join(bad, `bad${i}.json`);
        writeFileSync(file, text);
        const r = await cli([good(), file]);
        assert.equal(r.code, 2, text);
        assert.match(r.err, /AFTER: .* is not a LeakLens profile report \(version 1\): /, text);
        assert.match(r.err, why, text);
      }
    });

    it('JSON with a syntax error that is not a truncation', async () => {
      const file = join(bad, 'syntax.json');
      writeFileSync(file, '{"version": 1,, "verdict": "leak"}');
      const r = await cli([good(), file]);
      assert.equal(r.code, 2);
      assert.match(r.err, /syntax\.json is not valid JSON/);
    });

    it('usage errors: one report, three reports, a bad --format; --help', async () => {
      for (const args of [[good()], [good(), good(), good()], ['--format', 'xml', good(), good()], ['--nope']]) {
        const r = await cli(args);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.err, /usage: leaklens profile compare BEFORE AFTER/);
      }
      const h = await cli(['--help']);
      assert.equal(h.code, 0);
      assert.match(h.out, /^usage: leaklens profile compare/);
    });
  });
});

describe('profile compare: processes matched across naming schemes', () => {
  const proc = (pid: number, name: string, firstSeenS: number, exe?: string): ProcessSummary => ({
    pid,
    ppid: 1,
    name,
    ...(exe ? { exe } : {}),
    firstSeenS,
    lastSeenS: 5,
    baselineRssBytes: 0,
    finalRssBytes: 0,
    deltaBytes: pid,
    peakRssBytes: 0,
    peakAtS: 0,
    growthBytesPerSecond: 0,
    cpuPeakPercent: 0,
    cpuAvgPercent: 0,
    samples: 1,
  });
  const pairs = (b: ProcessSummary[], a: ProcessSummary[]) =>
    matchProcesses(b, a).map(([x, y]) => `${x?.pid ?? '-'}>${y?.pid ?? '-'}`);

  it('an old report (kernel names) beside a new one: by executable, in the order first seen', () => {
    // Old: the root and its multiprocessing worker were both "python3"; new: app.py and python3 (-c).
    const old = [proc(10, 'sh', 0), proc(11, 'python3', 0), proc(12, 'python3', 0.4), proc(13, 'python3', 0.6)];
    const now = [proc(20, 'sh', 0), proc(21, 'app.py', 0, 'python3'), proc(23, 'python3', 0.4), proc(24, 'x', 1)];
    assert.deepEqual(pairs(old, now), ['10>20', '11>21', '12>23', '13>-', '->24']);
    assert.deepEqual(pairs(now, old), ['20>10', '21>11', '23>12', '24>-', '->13']);
  });

  it('two new reports: by name first, so the root is not taken for a worker of the same executable', () => {
    const b = [proc(1, 'app.py', 0, 'python3'), proc(2, 'python3', 0.2), proc(3, 'python3', 0.3)];
    const a = [proc(7, 'python3', 0), proc(5, 'app.py', 0.1, 'python3'), proc(6, 'python3', 0.2)];
    assert.deepEqual(pairs(b, a), ['1>5', '2>7', '3>6']);
  });

  it('a renamed script (the fix moved to app_fixed.py) still pairs by its executable', () => {
    const b = [proc(31, 'worker.py', 0, 'python3'), proc(30, 'app.py', 0, 'python3')];
    const a = [proc(40, 'app_fixed.py', 0, 'python3'), proc(41, 'worker.py', 0, 'python3')];
    assert.deepEqual(pairs(b, a), ['31>41', '30>40']);
  });

  it('the comparison names a pair by its script', () => {
    const report = (processes: ProcessSummary[]) =>
      ({
        version: 1,
        verdict: 'no-leak',
        durationSeconds: 1,
        peakRssBytes: 0,
        growthBytesPerSecond: 0,
        processes,
        lines: [],
        notes: [],
      }) as unknown as Report;
    const c = compareReports(
      { path: 'b', report: report([proc(11, 'python3', 0)]) },
      { path: 'a', report: report([proc(21, 'app.py', 0, 'python3')]) },
    );
    assert.deepEqual(
      c.processes.map((p) => [p.name, p.before?.pid, p.after?.pid]),
      [['app.py', 11, 21]],
    );
  });
});
