// The editor's view of finished profiles, without VS Code: the report picker's rows (newest first,
// verdict, program, date), the end-of-run notification's severity and buttons, the overlay threshold,
// the hover's cumulative rows, and the Memory timeline's summary (verdict, trend, heap, top lines).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Report } from '../../src/profile/types';
import {
  RERUN_EXACT,
  SHOW_LINES,
  cumulativeRows,
  endOfRunNotice,
  grownBy,
  listRecentReports,
  parseReportFolder,
  recentReportItem,
  timelineSummary,
  trendSegment,
  visibleLines,
} from '../../src/extension/profile/report-ui';
import { tempDir } from './profile-helpers';

const MiB = 1024 * 1024;

function report(over: Partial<Report> = {}): Report {
  return {
    version: 1,
    verdict: 'leak',
    durationSeconds: 10,
    baselineRssBytes: 20 * MiB,
    peakRssBytes: 60 * MiB,
    finalRssBytes: 60 * MiB,
    growthBytesPerSecond: 4 * MiB,
    processes: [
      {
        pid: 1,
        ppid: 0,
        name: 'python3',
        firstSeenS: 0,
        lastSeenS: 10,
        baselineRssBytes: 20 * MiB,
        finalRssBytes: 60 * MiB,
        deltaBytes: 40 * MiB,
        peakRssBytes: 60 * MiB,
        peakAtS: 10,
        growthBytesPerSecond: 4 * MiB,
        cpuPeakPercent: 10,
        cpuAvgPercent: 5,
        samples: 50,
      },
    ],
    lines: [{ file: '/w/app.py', line: 9, growthBytes: 38 * MiB, growthCount: 600, bytesPerSecond: 3.8 * MiB }],
    linesBy: 'sampling',
    notes: [],
    ...over,
  };
}

describe('recent reports (the Open memory report picker)', () => {
  it('reads the folder names the profiler and the debug hook write', () => {
    assert.deepEqual(parseReportFolder('2026-11-30T16-33-46-leak_list.py'), {
      date: new Date('2026-11-30T16:33:46Z'),
      program: 'leak_list.py',
    });
    assert.equal(parseReportFolder('2026-11-30T16-33-46-debug-Run_app').program, 'debug: Run_app');
    assert.deepEqual(parseReportFolder('my-run'), { program: 'my-run' });
  });

  it('lists finished reports newest first, skipping unfinished and foreign folders', () => {
    const root = tempDir('leaklens-recent-');
    const put = (name: string, r: Partial<Report> | string) => {
      mkdirSync(join(root, name), { recursive: true });
      writeFileSync(join(root, name, 'report.json'), typeof r === 'string' ? r : JSON.stringify(report(r)));
    };
    put('2026-01-01T10-00-00-app.py', { verdict: 'leak' });
    put('2026-01-02T10-00-00-app.py', { verdict: 'no-leak', lines: [] });
    put('2026-01-01T12-00-00-debug-Run_app', { verdict: 'inconclusive' });
    put('2026-01-03T10-00-00-broken.py', '{"version": 1, "verdict": "le');
    put('2026-01-04T10-00-00-other', '{"name": "not ours"}');
    mkdirSync(join(root, '2026-01-05T10-00-00-running.py')); // no report.json yet
    writeFileSync(join(root, '.gitignore'), '*\n');
    const list = listRecentReports([root, join(root, 'missing')]);
    assert.deepEqual(
      list.map((r) => [r.program, r.verdict]),
      [
        ['app.py', 'no-leak'],
        ['debug: Run_app', 'inconclusive'],
        ['app.py', 'leak'],
      ],
    );
    const item = recentReportItem(list[2]);
    assert.match(item.label, /^\$\(warning\) LEAK · app\.py$/);
    assert.match(item.description, /^2026-01-0[12] \d\d:\d\d$/);
    assert.match(item.detail, /peak 60\.0 MB · trend \+4\.0 MB\/s · 1 line · top app\.py:9 \+38\.0 MB/);
    assert.match(recentReportItem(list[0]).label, /^\$\(pass\) no leak · app\.py$/);
  });
});

describe('end-of-run notification', () => {
  const py = { mode: 'python', exact: false, pythonCommand: true };
  it('a LEAK with a line is a warning whose first button is "Show lines"', () => {
    const n = endOfRunNotice(report(), py);
    assert.equal(n.severity, 'warning');
    assert.equal(n.actions[0], SHOW_LINES);
    assert.equal(n.rerunExact, false);
  });
  it('a LEAK with no line offers a re-run with exact attribution, where that can name one', () => {
    const noLine = report({ lines: [] });
    assert.deepEqual(endOfRunNotice(noLine, py).actions[0], RERUN_EXACT);
    assert.equal(endOfRunNotice(report({ lines: [], linesBy: undefined }), { ...py, mode: 'rss' }).rerunExact, true);
    // Already exact, an attached process, growth outside the Python heap, a native program: no.
    assert.equal(endOfRunNotice(noLine, { ...py, exact: true }).rerunExact, false);
    assert.equal(endOfRunNotice(noLine, { ...py, pythonCommand: false }).rerunExact, false);
    assert.equal(endOfRunNotice(report({ lines: [], growthWhere: 'outside-python-heap' }), py).rerunExact, false);
    assert.equal(endOfRunNotice(noLine, { ...py, mode: 'native' }).rerunExact, false);
    assert.equal(endOfRunNotice(noLine, { ...py, exact: true }).severity, 'warning');
  });
  it('no leak and inconclusive are information', () => {
    assert.equal(endOfRunNotice(report({ verdict: 'no-leak' }), py).severity, 'information');
    assert.equal(endOfRunNotice(report({ verdict: 'inconclusive', lines: [] }), py).rerunExact, false);
  });
});

describe('overlay', () => {
  it('hides lines that grew less than the threshold', () => {
    const lines = [5 * MiB, 2 * MiB, 0.5 * MiB, 0, -MiB].map((g, i) => ({
      file: '/a.py',
      line: i + 1,
      growthBytes: g,
      growthCount: 0,
      bytesPerSecond: 0,
    }));
    const v = visibleLines(lines, MiB);
    assert.deepEqual(
      v.shown.map((l) => l.line),
      [1, 2],
    );
    assert.equal(v.hidden, 1);
    assert.equal(visibleLines(lines, 0).shown.length, 3);
  });

  it('hover rows are cumulative: no row claims more than the program had grown by then', () => {
    // The case: +118 MB re-extrapolated at 2.4 s when 24 MB existed.
    const rss = [0, 1, 2, 3, 4].map((t) => ({ t, y: 20 * MiB + t * 10 * MiB }));
    const cap = grownBy(rss);
    const rows = cumulativeRows(
      [
        { tS: 2.4, bytes: 118 * MiB },
        { tS: 4, bytes: 35 * MiB },
      ],
      cap,
    );
    assert.deepEqual(rows[0], { tS: 2.4, bytes: 20 * MiB, capped: true });
    assert.deepEqual(rows[1], { tS: 4, bytes: 35 * MiB, capped: false });
    // Zero-filled pages: RSS flat, the Python heap grows; the heap's rise is what existed.
    const heapCap = grownBy(
      [
        { t: 0, y: 20 * MiB },
        { t: 4, y: 20 * MiB },
      ],
      [
        { t: 0, y: 5 * MiB },
        { t: 2, y: 25 * MiB },
      ],
    );
    assert.equal(heapCap(3), 20 * MiB);
    assert.equal(cumulativeRows([{ tS: 3, bytes: 18 * MiB }], heapCap)[0].capped, false);
    assert.equal(cumulativeRows([{ tS: 1, bytes: 18 * MiB }])[0].capped, false, 'no cap without measurements');
  });
});

describe('Memory timeline summary', () => {
  it('the trend line has the report slope, through the samples after the warm-up', () => {
    const rss = Array.from({ length: 51 }, (_, i) => ({
      t: i * 0.2,
      y: 20 * MiB + i * 0.2 * 4 * MiB + (i % 2) * 1000,
    }));
    const tr = trendSegment(rss, 4 * MiB, 10)!;
    assert.equal(tr.t0, 2); // 20 % warm-up
    assert.equal(tr.t1, 10);
    assert.ok(Math.abs((tr.y1 - tr.y0) / (tr.t1 - tr.t0) - 4 * MiB) < 1);
    assert.ok(Math.abs(tr.y0 - (20 * MiB + 8 * MiB)) < 2000, `${tr.y0}`);
    assert.equal(trendSegment([], 1, 1), undefined);
  });

  it('verdict, heap series and top lines (sampled figures marked ≈)', () => {
    const s = timelineSummary(
      report({
        heapGrowthBytesPerSecond: 3.9 * MiB,
        growthWhere: 'python-heap',
        heap: {
          pid: 1,
          source: 'census',
          verdict: 'leak',
          baselineBytes: 0,
          finalBytes: 0,
          peakBytes: 0,
          growthBytesPerSecond: 3.9 * MiB,
          blocksGrowthPerSecond: 0,
          series: [
            [1, 10 * MiB, 100],
            [2, null, 120],
            [3, 18 * MiB, 140],
          ],
        },
      }),
      [
        { t: 0, y: 20 * MiB },
        { t: 10, y: 60 * MiB },
      ],
    );
    assert.equal(s.headline, 'LEAK · trend +4.0 MB/s · Python heap +3.9 MB/s · in the Python heap');
    assert.deepEqual(s.heap, {
      source: 'census',
      points: [
        [1, 10 * MiB],
        [3, 18 * MiB],
      ],
    });
    assert.deepEqual(s.top, [{ file: '/w/app.py', line: 9, label: '≈ +38.0 MB · 3.8 MB/s' }]);
    const exact = timelineSummary(report({ linesBy: 'exact', verdict: 'no-leak' }), []);
    assert.equal(exact.top[0].label, '+38.0 MB · 3.8 MB/s');
    assert.equal(exact.trend, undefined);
    assert.equal(exact.heap, undefined);
    assert.match(exact.headline, /^no leak · trend/);
  });
});
