// `leaklens profile compare BEFORE AFTER`: reports of a real leaky program and of its fixed version
// (the same app.py, edited between the two runs), compared through the CLI; and reports that are
// missing, unfinished, truncated or not reports at all.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { profileCommand } from '../../src/cli/profile';
import type { Comparison } from '../../src/profile/compare';
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
    assert.match(out, /^python3 \(pid \d+ → \d+\)$/m);
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
    const py = c.processes.find((p) => p.name === 'python3');
    assert.ok(py?.before && py.after, JSON.stringify(c.processes));
    assert.ok(py.before.growthBytesPerSecond > 3 * 1024 * 1024, JSON.stringify(py));
    assert.ok(py.after.growthBytesPerSecond < 1024 * 1024, JSON.stringify(py));
    const stopped = c.lines.stopped.find((l) => l.file === app && l.line === leakLine);
    assert.ok(stopped?.before && stopped.before.growthBytes > 1024 * 1024, JSON.stringify(c.lines));
    assert.ok(!c.lines.still.some((l) => l.line === leakLine));
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
