// Pure parts of the profiler: robust slope, verdict, seed 002's per-site rule, line attribution,
// heaptrack output parsing, command recognition, CSV/text output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildReport,
  CSV_HEADER,
  formatText,
  parsePythonCommand,
  siteRuleFires,
  theilSen,
  verdict,
  type RssPoint,
} from '../../src/profile';
import { parseLeaks, parseSize } from '../../src/profile/heaptrack';
import { growthFromSnapshots, growthFromWindows, type SiteSnapshot } from '../../src/profile/lines';
import { sampleToCsvRows } from '../../src/profile/timeline';

const MB = 1024 * 1024;
const series = (n: number, dt: number, f: (t: number, i: number) => number): RssPoint[] =>
  Array.from({ length: n }, (_, i) => ({ elapsedS: i * dt, rssBytes: f(i * dt, i) }));
// Deterministic noise so the tests do not depend on Math.random.
const noise = (i: number, amp: number) => (((i * 7919) % 101) / 100 - 0.5) * 2 * amp;

describe('theilSen', () => {
  it('recovers the slope of a line despite outliers', () => {
    const pts = Array.from({ length: 50 }, (_, i) => ({ x: i, y: 3 * i + 10 + (i % 10 === 0 ? 500 : 0) }));
    const fit = theilSen(pts);
    assert.ok(Math.abs(fit.slope - 3) < 1e-9, String(fit.slope));
    assert.ok(fit.tau > 0.7, String(fit.tau));
  });
  it('is flat for a constant', () => {
    assert.equal(
      theilSen([
        { x: 0, y: 5 },
        { x: 1, y: 5 },
        { x: 2, y: 5 },
      ]).slope,
      0,
    );
  });
});

describe('verdict', () => {
  it('seed 003: ~1 MB/s linear growth on a 200 MB process is a leak with that rate', () => {
    const s = series(60, 0.2, (t, i) => 200 * MB + t * MB + noise(i, 64 * 1024));
    const v = verdict(s);
    assert.equal(v.verdict, 'leak');
    assert.ok(Math.abs(v.growthBytesPerSecond - MB) < 0.1 * MB, String(v.growthBytesPerSecond));
  });
  it('seed 001 after the fix: 13 MB → 3.5 GB peak → 12.5 MB is no-leak, with the peak reported', () => {
    const s = series(100, 1, (t) => (t < 20 ? 13.2 * MB : t < 40 ? 3590 * MB : 12.5 * MB));
    const v = verdict(s);
    assert.equal(v.verdict, 'no-leak');
    assert.equal(v.peakRssBytes, 3590 * MB);
    assert.equal(v.returnedToBaseline, true);
    assert.ok(
      v.notes.some((n) => /peaked at 3590\.0 MB.*returned to its baseline/.test(n)),
      v.notes.join('\n'),
    );
  });
  it('seed 001 before the fix: 600 MB → 4.5 GB and never released is a leak', () => {
    const s = series(60, 1, (t) => 600 * MB + Math.min(t, 50) * 78 * MB);
    assert.equal(verdict(s).verdict, 'leak');
  });
  it('flat noisy memory is no-leak', () => {
    assert.equal(verdict(series(50, 0.2, (_t, i) => 50 * MB + noise(i, 2 * MB))).verdict, 'no-leak');
  });
  it('a rise buried in noise is inconclusive, not a leak', () => {
    const s = series(40, 0.2, (t, i) => 50 * MB + t * 0.8 * MB + noise(i, 12 * MB) + (i % 2 ? 10 * MB : -10 * MB));
    const v = verdict(s);
    assert.notEqual(v.verdict, 'leak', JSON.stringify(v.fit));
  });
  it('too few samples is inconclusive', () => {
    assert.equal(verdict(series(3, 0.2, (t) => t * 100 * MB)).verdict, 'inconclusive');
  });
  it('the per-site rule confirms a noisy rise, but does not overrule flat RSS at baseline', () => {
    const v = verdict(
      series(50, 0.2, () => 80 * MB),
      {},
      [{ key: 'a.py:3', growthBytes: 2 * MB }],
    );
    assert.equal(v.verdict, 'no-leak'); // flat and at baseline: RSS wins
    const rising = series(50, 0.2, (t, i) => 80 * MB + t * MB + noise(i, 0.5 * MB));
    assert.equal(verdict(rising, { minTrend: 0.99 }).verdict, 'inconclusive');
    const w = verdict(rising, { minTrend: 0.99 }, [{ key: 'a.py:3', growthBytes: 2 * MB }]);
    assert.equal(w.verdict, 'leak');
    assert.ok(w.notes.some((n) => n.includes('a.py:3')));
  });
});

describe("seed 002's rule: a site grew > 2 % three times in a row", () => {
  it('fires on three consecutive growths above the threshold', () => {
    assert.equal(siteRuleFires([100, 103, 106.5, 110], 2, 3), true);
  });
  it('does not fire on two, or when one growth is below the threshold', () => {
    assert.equal(siteRuleFires([100, 103, 106.5], 2, 3), false);
    assert.equal(siteRuleFires([100, 103, 104, 108, 112], 2, 3), false);
    assert.equal(siteRuleFires([100, 103, 101, 104, 107], 2, 3), false);
  });
  it('honours a configured threshold and count', () => {
    assert.equal(siteRuleFires([100, 101.5, 103, 104.6], 1, 3), true);
    assert.equal(siteRuleFires([100, 110, 120], 5, 2), true);
  });
});

describe('line attribution', () => {
  const rule = { thresholdPct: 2, consecutive: 3, minBytes: MB };
  const snap = (tS: number, entries: [string, number, number][]): SiteSnapshot => ({
    tS,
    sites: new Map(entries.map(([k, b, c]) => [k, [b, c]])),
  });
  it('snapshots: growing site first, stable site absent, rule fires on the grower', () => {
    const snaps = [0, 1, 2, 3, 4].map((t) =>
      snap(t, [
        ['/w/a.py:10', 5 * MB, 50],
        ['/w/a.py:20', MB + t * MB, 10 + t * 10],
      ]),
    );
    const a = growthFromSnapshots(snaps, rule);
    assert.deepEqual(
      a.lines.map((l) => `${l.file}:${l.line}`),
      ['/w/a.py:20'],
    );
    assert.equal(a.lines[0].growthBytes, 4 * MB);
    assert.equal(a.lines[0].growthCount, 40);
    assert.ok(Math.abs(a.lines[0].bytesPerSecond - MB) < 1);
    assert.deepEqual(
      a.fired.map((f) => f.key),
      ['/w/a.py:20'],
    );
  });
  it('a poll that raced the exit reads the same data as the final analysis: one reading, the line kept', () => {
    const site: [string, number, number] = ['/w/early_exit.cpp:12', 36 * MB, 280];
    const a = growthFromSnapshots([snap(0.001, []), snap(3.01, [site]), snap(3.01, [site])], rule, 0.7);
    assert.deepEqual(
      a.lines.map((l) => `${l.file}:${l.line}`),
      ['/w/early_exit.cpp:12'],
    );
    assert.equal(a.lines[0].growthBytes, 36 * MB);
  });
  it('a single analysis (a short run on a loaded machine): what it saw held grew from nothing', () => {
    const a = growthFromSnapshots(
      [
        snap(3.5, [
          ['/w/early_exit.cpp:11', 20 * MB, 160],
          ['/w/early_exit.cpp:40', 64, 1],
        ]),
      ],
      rule,
    );
    assert.deepEqual(
      a.lines.map((l) => `${l.file}:${l.line}`),
      ['/w/early_exit.cpp:11', '/w/early_exit.cpp:40'],
    );
    assert.equal(a.lines[0].growthBytes, 20 * MB);
    assert.equal(a.lines[0].growthCount, 160);
    assert.ok(Math.abs(a.lines[0].bytesPerSecond - (20 * MB) / 3.5) < 1, String(a.lines[0].bytesPerSecond));
  });
  it('windows: net growth per traced second, churn that cancels out is dropped', () => {
    const w = (tS: number) => ({
      tS,
      spanS: 0.01,
      sites: new Map<string, [number, number]>([
        ['/w/b.py:7', [20_000, 2]],
        ['/w/b.py:9', [tS % 2 ? 8000 : -8000, 0]],
      ]),
    });
    const a = growthFromWindows([1, 2, 3, 4].map(w), rule, 10);
    assert.equal(a.lines[0].file, '/w/b.py');
    assert.equal(a.lines[0].line, 7);
    assert.equal(a.lines[0].bytesPerSecond, 2_000_000);
    assert.ok(!a.lines.some((l) => l.line === 9));
  });
});

describe('heaptrack_print parsing', () => {
  const text = `MEMORY LEAKS
1.25M leaked over 25 calls from
  grow
    at /w/src/leak.cpp:7
    in /w/leak
  main
    at /w/src/leak.cpp:15
    in /w/leak

72.70K leaked over 1 calls from
  0x7f75e90a57b9
    in /lib/x86_64-linux-gnu/libstdc++.so.6
  call_init
    at ./elf/dl-init.c:74

300K leaked over 3 calls from
  operator new(unsigned long)
    at /usr/include/c++/12/new:1
  make
    at /w/src/leak.cpp:30

total runtime: 2.50s.`;
  it('attributes each leak to the first frame under the root', () => {
    const p = parseLeaks(text, '/w');
    assert.equal(p.runtimeS, 2.5);
    assert.deepEqual(
      [...p.sites.entries()],
      [
        ['/w/src/leak.cpp:7', [1_250_000, 25]],
        ['/w/src/leak.cpp:30', [300_000, 3]],
      ],
    );
    assert.equal(p.entries, 3);
  });
  it('reads sizes', () => {
    assert.equal(parseSize('72.70K'), 72_700);
    assert.equal(parseSize('512B'), 512);
    assert.equal(parseSize('1.5G'), 1_500_000_000);
  });
});

describe('command recognition', () => {
  it('recognises python scripts and modules, not inline code', () => {
    assert.deepEqual(parsePythonCommand(['x.py', 'a']), { python: 'python3', flags: [], target: ['x.py', 'a'] });
    assert.deepEqual(parsePythonCommand(['python3.11', '-u', '-X', 'dev', 'x.py']), {
      python: 'python3.11',
      flags: ['-u', '-X', 'dev'],
      target: ['x.py'],
    });
    assert.deepEqual(parsePythonCommand(['/usr/bin/python3', '-m', 'pkg.mod', '--n', '3']), {
      python: '/usr/bin/python3',
      flags: [],
      target: ['-m', 'pkg.mod', '--n', '3'],
    });
    assert.equal(parsePythonCommand(['python3', '-c', 'print(1)']), undefined);
    assert.equal(parsePythonCommand(['./server', '--port', '1']), undefined);
  });
});

describe('outputs', () => {
  it("CSV rows carry seed 001's columns", () => {
    assert.equal(CSV_HEADER, 'timestamp,elapsed_seconds,process_name,pid,cpu_percent,memory_rss_mb,memory_percent');
    const rows = sampleToCsvRows({
      t: Date.UTC(2025, 11, 9, 23, 42, 4),
      elapsedS: 1.5,
      totalRssBytes: 0,
      processes: [
        { pid: 4951, ppid: 1, name: 'rq, worker', rssBytes: 13.2 * MB, cpuPercent: 69.94, memoryPercent: 0.51 },
      ],
    });
    assert.deepEqual(rows, ['2025-12-09T23:42:04.000Z,1.500,"rq, worker",4951,69.9,13.20,0.51']);
  });
  it("the report has the issue's fields and the text has the before/after/delta/peak table", () => {
    const totals = series(30, 0.2, (t) => 10 * MB + t * 5 * MB);
    const r = buildReport({
      totals,
      processes: [],
      lines: [{ file: '/w/a.py', line: 3, growthBytes: 12.4 * MB, growthCount: 9, bytesPerSecond: 1.1 * MB }],
      fired: [],
      verdictOptions: {},
      notes: ['hello'],
    });
    assert.deepEqual(Object.keys(r), [
      'version',
      'verdict',
      'durationSeconds',
      'baselineRssBytes',
      'peakRssBytes',
      'finalRssBytes',
      'growthBytesPerSecond',
      'processes',
      'lines',
      'notes',
    ]);
    assert.deepEqual(Object.keys(r.lines[0]), ['file', 'line', 'growthBytes', 'growthCount', 'bytesPerSecond']);
    assert.equal(r.verdict, 'leak');
    const text = formatText(r);
    for (const h of ['Before', 'After', 'Delta', 'Peak', '/w/a.py:3', '+12.4 MB'])
      assert.ok(text.includes(h), `${h} missing in\n${text}`);
  });
});
