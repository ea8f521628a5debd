// The editor's view of finished profiles, without VS Code: the report picker's rows (newest first,
// verdict, program, date), the end-of-run notification's severity and buttons, the overlay threshold,
// the hover's cumulative rows, the Memory timeline's summary (verdict, trend, heap, top lines, growing
// types), the growing types a line makes and their hover text, and the type census of debugger stops
// in a real interpreter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPythonHelpers } from '../../src/profile/python';
import type { Report, TypeGrowth } from '../../src/profile/types';
import { retainedText, typeGrowthLabel, typesAllocatedOn, typesMarkdown } from '../../src/extension/profile/format';
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

const FRAME: TypeGrowth = {
  type: 'Frame',
  countGrowth: 812,
  bytesGrowth: 52_000,
  retainedBy: [
    'module __main__ (app.py)',
    '.HANDLERS (dict)',
    "['on_frame'] (list)",
    '[3] (Handler)',
    '.frame (Frame)',
  ],
};
const ODICT: TypeGrowth = { type: 'collections.OrderedDict', countGrowth: 40, bytesGrowth: 9_000, retainedBy: [] };
const DICT: TypeGrowth = { type: 'dict', countGrowth: 30, bytesGrowth: 7_000 };
const LIST: TypeGrowth = { type: 'list', countGrowth: 9, bytesGrowth: 900 };
const BYTES: TypeGrowth = { type: 'bytes', countGrowth: 6, bytesGrowth: 6 * MiB };
const SESSION: TypeGrowth = { type: 'app.models.Session', countGrowth: 12, bytesGrowth: 672 };

describe('growing types on a line and in the hover', () => {
  const types = [FRAME, ODICT, DICT, LIST, BYTES, SESSION];
  const made = (line: string) => typesAllocatedOn(line, types).map((t) => t.type);

  it('a line makes the types it calls by name, qualified or not', () => {
    assert.deepEqual(made('        frame = Frame(i, data)'), ['Frame']);
    assert.deepEqual(made('    cache = collections.OrderedDict()'), ['collections.OrderedDict']);
    assert.deepEqual(made('    s = models.Session(user)  # one per request'), ['app.models.Session']);
    assert.deepEqual(made('HANDLERS["on_frame"].append(Handler(Frame(i)))'), ['Frame']);
  });

  it('builtins also by their literals: dict, list, bytes', () => {
    assert.deepEqual(made('    _cache[key] = {"k": key, "v": value}'), ['dict']);
    assert.deepEqual(made('    rows.append([i, i * 2])'), ['list']);
    assert.deepEqual(made('    rows = [x for x in range(3)]'), ['list']);
    assert.deepEqual(made('    buf = b"x" * (1 << 20)'), ['bytes']);
    assert.deepEqual(made('    ok = dict(a=1)'), ['dict']);
  });

  it('not a subscript, a definition, a comment, a name inside a longer one, or a string', () => {
    assert.deepEqual(made('    x = rows[3]'), []);
    assert.deepEqual(made('class Frame(Base):'), []);
    assert.deepEqual(made('def Frame(x):'), []);
    assert.deepEqual(made('    pass  # Frame(…) is made elsewhere'), []);
    assert.deepEqual(made('    f = BigFrame(1)'), []);
    assert.deepEqual(made('    f = self.Frame_(1)'), []);
    assert.deepEqual(made('    log("a # b")'), []);
  });

  it('labels, chains and the hover text', () => {
    assert.equal(typeGrowthLabel(FRAME), '+812 objects, +51 KB');
    assert.equal(typeGrowthLabel({ ...LIST, countGrowth: 1 }), '+1 object, +900 B');
    assert.equal(
      retainedText(FRAME),
      "module __main__ (app.py) → .HANDLERS (dict) → ['on_frame'] (list) → [3] (Handler) → .frame (Frame)",
    );
    assert.equal(retainedText(ODICT), 'not found (no root reached)');
    assert.equal(retainedText(DICT), undefined, 'not searched (below the top 3)');
    assert.deepEqual(typesMarkdown('**Types**', []), []);
    assert.deepEqual(typesMarkdown('**Types**', [FRAME, ODICT, DICT, LIST], 3), [
      '**Types**',
      '',
      '- `Frame` +812 objects, +51 KB — kept alive by `module __main__ (app.py)` → `.HANDLERS (dict)` → ' +
        "`['on_frame'] (list)` → `[3] (Handler)` → `.frame (Frame)`",
      '- `collections.OrderedDict` +40 objects, +9 KB — kept alive by: not found (no root reached)',
      '- `dict` +30 objects, +7 KB',
      '- … 1 more',
    ]);
  });

  it('the timeline summary lists the growing types with their chains', () => {
    const s = timelineSummary(report({ types: [FRAME, ODICT, DICT] }), []);
    assert.deepEqual(s.types, [
      { type: 'Frame', label: '+812 objects, +51 KB', retainedBy: retainedText(FRAME) },
      { type: 'collections.OrderedDict', label: '+40 objects, +9 KB', retainedBy: 'not found (no root reached)' },
      { type: 'dict', label: '+30 objects, +7 KB' },
    ]);
    assert.equal(timelineSummary(report({ types: [] }), []).types, undefined);
  });
});

/** leaklens_types.py as a Python string literal. */
const typesFile = () => JSON.stringify(join(findPythonHelpers(__dirname)!, 'leaklens_types.py'));

describe('debugger stops: the type census in a real interpreter', () => {
  it('a registry of View objects grows from stop to stop, kept alive by the module global', () => {
    // The expression "Track allocations" evaluates, called at five "stops" of a program.
    const program = [
      'import importlib.util, sys',
      `spec = importlib.util.spec_from_file_location('leaklens_stop_types', ${typesFile()})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'class View:',
      '    def __init__(self, i): self.buf = b"x" * 100; self.i = i',
      '_registry = []',
      'scratch = None',
      'for i in range(5):',
      '    _registry.append(View(i))',
      '    scratch = [View(-1)]  # replaced at every stop: not growth',
      '    print(m.stop_census([]))',
    ].join('\n');
    const answers = execFileSync('python3', ['-c', program], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { censuses: number; types: TypeGrowth[]; span_s: number; cost_s: number });
    assert.deepEqual(
      answers.map((a) => a.types.length),
      [0, 0, 1, 1, 1],
      'a type grows from the third stop on',
    );
    const [view] = answers[4].types;
    assert.equal(view.type, 'View');
    assert.equal(view.countGrowth, 4);
    assert.deepEqual(view.retainedBy?.slice(0, 2), ['module __main__', '._registry (list)']);
    assert.match(view.retainedBy?.[2] ?? '', /^\[\d\] \(View\)$/);
    assert.equal(answers[4].censuses, 5);
    assert.ok(answers[4].cost_s < 1, JSON.stringify(answers[4]));
  });

  it("under tracemalloc, the census's own allocations are no line's (the differ drops them)", () => {
    const helpers = findPythonHelpers(__dirname)!;
    const dir = tempDir();
    const script = join(dir, 'stops.py');
    // At each "stop": a snapshot, then the census, called from a line of the program (as a debugger's
    // evaluate runs on top of the stopped frame): what the census keeps between stops is LeakLens's.
    writeFileSync(
      script,
      [
        'import importlib.util, sys, tracemalloc',
        `spec = importlib.util.spec_from_file_location('leaklens_stop_types', ${typesFile()})`,
        'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
        'tracemalloc.start(25)',
        '_registry = []',
        'for i in range(5):',
        '    _registry.append(bytes(4096))  # LEAK',
        "    tracemalloc.take_snapshot().dump(sys.argv[1] + '/s%d' % i)",
        '    answer = m.stop_census([])  # STOP',
      ].join('\n') + '\n',
    );
    execFileSync('python3', [script, dir]);
    const out = execFileSync('python3', [join(helpers, 'leaklens_diff.py')], {
      input: `${join(dir, 's0')}\n${join(dir, 's4')}\n`,
      encoding: 'utf8',
    });
    const [first, last] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sites: Record<string, [number, number]>; unattributed: number });
    const grew = (line: number) =>
      (last.sites[`${script}:${line}`]?.[0] ?? 0) - (first.sites[`${script}:${line}`]?.[0] ?? 0);
    assert.ok(grew(7) >= 4 * 4096, `the leaking line grew: ${out}`);
    assert.equal(last.sites[`${script}:9`], undefined, `the census's line: ${out}`);
    assert.ok(last.unattributed > 1024, `the census's state is counted, as nobody's: ${out}`);
  });
});
