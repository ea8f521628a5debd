// The Python heap read beside RSS: real programs whose heap grows while RSS stays flat (zero-filled
// frames), whose RSS grows outside the heap (C malloc through ctypes), and a bounded control, run as
// real processes; then the verdict's combination rules on hand-made series.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe } from 'node:test';
import { buildReport, formatText, summaryText, whereText, type Report } from '../../src/profile';
import type { HeapPoint, ProcessSummary } from '../../src/profile/types';
import { describeTop, fixture, markedLine, profile, itTimed } from './profile-helpers';

const MB = 1024 * 1024;
const RUN_S = '7';

function describeHeap(r: Report): string {
  const h = r.heap;
  return `${describeTop(r)}; rss ${r.growthBytesPerSecond} B/s; heap ${h ? `${h.verdict} ${h.growthBytesPerSecond} B/s, ${h.series.filter((p) => p[1] !== null).length} readings` : 'none'}`;
}

describe('Python heap beside RSS (real processes)', () => {
  itTimed(
    'zero-filled 1 MiB frames kept every 100 ms: RSS flat, the heap grows → leak, in the Python heap',
    async () => {
      const file = fixture('py_zero_pages.py');
      const { report, session } = await profile({ command: ['python3', file, RUN_S], pythonPeriodS: 0.4 });
      assert.equal(report.verdict, 'leak', describeHeap(report));
      // RSS does not see the frames (never written, never resident) ...
      assert.ok(report.growthBytesPerSecond < 1 * MB, describeHeap(report));
      // ... the heap does: 10 frames of 1 MiB per second.
      assert.equal(report.heap?.verdict, 'leak', describeHeap(report));
      assert.equal(report.heap?.source, 'census');
      assert.ok(
        report.heapGrowthBytesPerSecond! > 7 * MB && report.heapGrowthBytesPerSecond! < 13 * MB,
        describeHeap(report),
      );
      assert.equal(report.growthWhere, 'python-heap', describeHeap(report));
      const root = report.processes.find((p) => p.pid === report.heap!.pid);
      assert.equal(root?.heapGrowthBytesPerSecond, report.heapGrowthBytesPerSecond);
      // report.json carries the heap rate beside the RSS rate.
      const onDisk = JSON.parse(readFileSync(session.files.report, 'utf8')) as Report;
      assert.equal(onDisk.heapGrowthBytesPerSecond, report.heapGrowthBytesPerSecond);
      assert.ok(onDisk.heap!.series.length >= 5);
      const text = formatText(report);
      assert.match(text, /^Python heap \(gc census, pid \d+\) .* · leak$/m);
      assert.match(text, /Growth is in the Python heap \(\+\d+\.\d MB\/s; RSS \+0\.\d MB\/s\)/);
      assert.match(text, /RSS does not show it/);
      assert.match(
        summaryText(report, 'py_zero_pages.py'),
        /^LeakLens: LEAK in py_zero_pages\.py — .* in the Python heap/,
      );
      // When a window caught the line, the where-text points at it.
      if (report.lines[0]?.line === markedLine(file)) assert.match(whereText(report)!, /py_zero_pages\.py:9/);
    },
  );

  itTimed(
    'C malloc through ctypes, never freed: RSS grows, the heap is flat → leak, outside the Python heap',
    async () => {
      const { report } = await profile({
        command: ['python3', fixture('py_ctypes_malloc.py'), RUN_S],
        pythonPeriodS: 0.4,
      });
      assert.equal(report.verdict, 'leak', describeHeap(report));
      assert.ok(report.growthBytesPerSecond > 6 * MB, describeHeap(report)); // 256 KiB × 50/s
      assert.equal(report.heap?.verdict, 'no-leak', describeHeap(report));
      assert.ok(Math.abs(report.heapGrowthBytesPerSecond!) < 0.5 * MB, describeHeap(report));
      assert.equal(report.growthWhere, 'outside-python-heap', describeHeap(report));
      const text = formatText(report);
      assert.match(text, /Growth is outside the Python heap \(native code, C extensions, the allocator\)/);
      assert.match(text, /heaptrack python3 SCRIPT/);
      assert.match(text, /malloc_trim/);
      assert.match(
        summaryText(report, 'py_ctypes_malloc.py'),
        /LEAK in py_ctypes_malloc\.py .* outside the Python heap \(native code, C extensions, the allocator\): run it under heaptrack; try malloc_trim/,
      );
    },
  );

  itTimed('the same frames in a bounded ring of 5: the heap plateaus → no-leak, no where-text', async () => {
    const { report } = await profile({
      command: ['python3', fixture('py_zero_pages_bounded.py'), RUN_S],
      pythonPeriodS: 0.4,
    });
    assert.equal(report.verdict, 'no-leak', describeHeap(report));
    assert.equal(report.heap?.verdict, 'no-leak', describeHeap(report));
    assert.ok(Math.abs(report.heapGrowthBytesPerSecond!) < 0.5 * MB, describeHeap(report));
    assert.equal(report.growthWhere, undefined);
    assert.equal(whereText(report), undefined);
    assert.doesNotMatch(formatText(report), /Growth is/);
    assert.doesNotMatch(summaryText(report, 'x.py'), /heap \(|in the Python heap/);
  });

  itTimed('--exact: the heap is tracemalloc’s traced total, and zero-filled frames are still a leak', async () => {
    const { report } = await profile({
      command: ['python3', fixture('py_zero_pages.py'), '5'],
      pythonPeriodS: 0.4,
      exact: true,
    });
    assert.equal(report.verdict, 'leak', describeHeap(report));
    assert.equal(report.heap?.source, 'tracemalloc');
    assert.ok(report.heapGrowthBytesPerSecond! > 7 * MB, describeHeap(report));
    assert.equal(report.growthWhere, 'python-heap');
  });

  itTimed('rss mode has no heap and no heap fields', async () => {
    const { report } = await profile({ command: ['python3', fixture('py_zero_pages.py'), '1.5'], mode: 'rss' });
    assert.equal(report.heap, undefined);
    assert.equal('heapGrowthBytesPerSecond' in report, false);
  });
});

describe('verdict from RSS and the Python heap (hand-made series)', () => {
  const n = 40;
  const totals = (f: (t: number) => number) =>
    Array.from({ length: n }, (_, i) => ({ elapsedS: i * 0.25, rssBytes: f(i * 0.25) }));
  const heap = (f: (t: number) => number): HeapPoint[] =>
    Array.from({ length: n / 2 }, (_, i) => ({
      elapsedS: i * 0.5,
      bytes: f(i * 0.5),
      blocks: 40000 + i,
      source: 'census',
    }));
  const row = { pid: 7, ppid: 1, name: 'python3' } as ProcessSummary;
  const build = (rss: (t: number) => number, h: HeapPoint[], fired: { key: string; growthBytes: number }[] = []) =>
    buildReport({
      totals: totals(rss),
      processes: [{ ...row }],
      lines: [],
      fired,
      verdictOptions: {},
      notes: [],
      heap: { pid: 7, points: h },
    });

  itTimed('flat RSS, heap +4 MB/s: leak in the Python heap, with the rate on the process row', () => {
    const r = build(
      () => 50 * MB,
      heap((t) => 10 * MB + 4 * MB * t),
    );
    assert.equal(r.verdict, 'leak');
    assert.equal(r.heap!.verdict, 'leak');
    assert.equal(r.heapGrowthBytesPerSecond, 4 * MB);
    assert.equal(r.processes[0].heapGrowthBytesPerSecond, 4 * MB);
    assert.equal(r.growthWhere, 'python-heap');
    assert.match(whereText(r)!, /re-run with --exact/); // no line caught
  });

  itTimed('RSS +4 MB/s, heap flat: leak outside the Python heap', () => {
    const r = build(
      (t) => 50 * MB + 4 * MB * t,
      heap(() => 10 * MB),
    );
    assert.equal(r.verdict, 'leak');
    assert.equal(r.heap!.verdict, 'no-leak');
    assert.equal(r.growthWhere, 'outside-python-heap');
  });

  itTimed('RSS +8 MB/s, heap +1 MB/s: both', () => {
    const r = build(
      (t) => 50 * MB + 8 * MB * t,
      heap((t) => 10 * MB + MB * t),
    );
    assert.equal(r.growthWhere, 'both');
    assert.match(whereText(r)!, /in the Python heap \(\+1\.0 MB\/s\) and outside it/);
  });

  itTimed('RSS +4 MB/s, heap +4 MB/s: in the Python heap only', () => {
    const r = build(
      (t) => 50 * MB + 4 * MB * t,
      heap((t) => 10 * MB + 4 * MB * t),
    );
    assert.equal(r.growthWhere, 'python-heap');
  });

  itTimed('both flat: no-leak, no where', () => {
    const r = build(
      () => 50 * MB,
      heap(() => 10 * MB),
    );
    assert.equal(r.verdict, 'no-leak');
    assert.equal(r.growthWhere, undefined);
  });

  itTimed('a heap read too rarely says so and leaves the RSS verdict alone', () => {
    const r = build(() => 50 * MB, heap((t) => 10 * MB + 4 * MB * t).slice(0, 4));
    assert.equal(r.verdict, 'no-leak');
    assert.equal(r.growthWhere, undefined);
    assert.ok(
      r.notes.some((m) => /Python heap was read 4 time\(s\).*too few/.test(m)),
      r.notes.join('\n'),
    );
  });

  // Rose from 3 MB to 18 MB by 1.4 s, then flat: an interpreter starting slowly beside CPU hogs.
  const startThenFlat = (t: number) => (t < 1.5 ? 3 * MB + 10 * MB * t : 18 * MB);
  const traced = (f: (t: number) => number) => heap(f).map((p) => ({ ...p, source: 'tracemalloc' as const }));

  itTimed("an RSS rise the Python heap cannot hold is the runtime's start, not a plateau", () => {
    // The gc census (what sampling mode reads) and tracemalloc's total both say so.
    for (const h of [heap(() => 4.6 * MB), traced(() => 4.6 * MB)]) {
      const r = build(startThenFlat, h);
      assert.equal(r.verdict, 'no-leak');
      assert.equal(r.plateau, undefined, r.notes.join('\n'));
      assert.ok(
        r.notes.some((m) => /own start, not a cache filling/.test(m)),
        r.notes.join('\n'),
      );
      assert.ok(!r.notes.some((m) => /a plateau \(a cache/.test(m)), r.notes.join('\n'));
    }
  });

  itTimed('the same RSS rise held by the Python heap is a plateau', () => {
    const r = build(
      startThenFlat,
      heap((t) => (t < 1.5 ? 1 * MB + 9 * MB * t : 14.5 * MB)),
    );
    assert.equal(r.verdict, 'no-leak');
    assert.ok(r.plateau, r.notes.join('\n'));
    assert.ok(
      r.notes.some((m) => /a plateau \(a cache or pool filled to its bound\)/.test(m)),
      r.notes.join('\n'),
    );
  });

  itTimed('no reading with bytes: RSS only, noted', () => {
    const r = build(() => 50 * MB, [{ elapsedS: 0, blocks: 1 }]);
    assert.equal(r.heap, undefined);
    assert.ok(r.notes.some((m) => /Python heap was not measured/.test(m)));
  });
});
