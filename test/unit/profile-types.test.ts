// Growing types and their roots (Python mode): real programs — a listener registry that keeps every
// Frame alive through a module-level dict, the same program with its handlers unsubscribed and a
// bounded ring, a registry held by a class attribute, and one held by a function's local on the main
// thread's stack — then the record reader and the text rendering on hand-made input.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { buildReport, formatText, type Report } from '../../src/profile';
import { readTypeGrowth, typeGrowthFromRecord, typesText } from '../../src/profile/typegrowth';
import { fixture, profile, tempDir, itTimed } from './profile-helpers';

const RUN_S = '6';

function describeTypes(r: Report): string {
  return `verdict ${r.verdict}; census ${JSON.stringify(r.typesCensus)}; types ${JSON.stringify(r.types)}`;
}

const typeOf = (r: Report, name: string) => r.types?.find((t) => t.type === name);

describe('growing types and their roots (real processes)', () => {
  itTimed('a module-level registry of handlers holding Frames: Frame grows, kept alive through HANDLERS', async () => {
    const { report, session } = await profile({
      command: ['python3', fixture('types/py_types_registry.py'), RUN_S],
      pythonPeriodS: 0.4,
    });
    const frame = typeOf(report, 'Frame');
    assert.ok(frame, describeTypes(report));
    // One Frame (and one Handler) every 20 ms over ~5 s after the baseline census.
    assert.ok(frame.countGrowth >= 80, describeTypes(report));
    assert.ok(frame.bytesGrowth > 0, describeTypes(report));
    assert.ok(typeOf(report, 'Handler'), describeTypes(report));
    // The chain: the module's globals → HANDLERS → its 'on_frame' list → a Handler → its .frame.
    const chain = frame.retainedBy ?? [];
    assert.match(chain[0] ?? '', /^module __main__ \(py_types_registry\.py\)$/, describeTypes(report));
    assert.equal(chain[1], '.HANDLERS (dict)', describeTypes(report));
    assert.equal(chain[2], "['on_frame'] (list)", describeTypes(report));
    assert.match(chain[3] ?? '', /^\[\d+\] \(Handler\)$/, describeTypes(report));
    assert.equal(chain[chain.length - 1], '.frame (Frame)', describeTypes(report));
    assert.ok(report.typesCensus!.censuses >= 4, describeTypes(report));
    assert.equal(report.typesCensus!.pid, report.heap?.pid);
    // report.json carries it, the text prints it.
    const onDisk = JSON.parse(readFileSync(session.files.report, 'utf8')) as Report;
    assert.deepEqual(onDisk.types, report.types);
    const text = formatText(report);
    assert.match(text, /^Types that grew in count \(\d+ gc censuses over \d+\.\d s, \d+ ms CPU/m);
    assert.match(text, /^ +\+\d+ objects +\+[\d.]+ KB  Frame$/m);
    assert.match(
      text,
      /^ {6}kept alive by: module __main__ \(py_types_registry\.py\) → \.HANDLERS \(dict\) → \['on_frame'\] \(list\) → \[\d+\] \(Handler\) → \.frame \(Frame\)$/m,
    );
  });

  itTimed('--exact: the same registry found by the type census beside tracemalloc', async () => {
    const { report } = await profile({
      command: ['python3', fixture('types/py_types_registry.py'), RUN_S],
      pythonPeriodS: 0.4,
      exact: true,
    });
    const frame = typeOf(report, 'Frame');
    assert.ok(frame && frame.countGrowth >= 50, describeTypes(report));
    assert.equal(frame.retainedBy?.[1], '.HANDLERS (dict)', describeTypes(report));
  });

  itTimed('the same program with handlers unsubscribed and a bounded ring of 5 frames: no type grows', async () => {
    const { report } = await profile({
      command: ['python3', fixture('types/py_types_steady.py'), RUN_S],
      pythonPeriodS: 0.4,
    });
    assert.deepEqual(report.types, [], describeTypes(report));
    assert.ok(report.typesCensus!.censuses >= 4, describeTypes(report));
    assert.match(formatText(report), /^No type grew in count \(\d+ gc censuses/m);
    assert.doesNotMatch(formatText(report), /kept alive by/);
  });

  itTimed('a cache that warms up to its bound and then stays flat: Entry is not listed', async () => {
    const { report } = await profile({
      command: ['python3', fixture('types/py_types_warmup.py'), RUN_S],
      pythonPeriodS: 0.4,
    });
    assert.ok(report.typesCensus!.censuses >= 4, describeTypes(report));
    assert.equal(typeOf(report, 'Entry'), undefined, describeTypes(report));
  });

  itTimed('a class attribute and a function local on the main thread: each root named', async () => {
    // Stopped by --duration while main() runs (no census at exit): the last periodic census's chains.
    const { report } = await profile({
      command: ['python3', fixture('types/py_types_roots.py'), '60'],
      pythonPeriodS: 0.4,
      durationS: 5,
    });
    const cached = typeOf(report, 'Session')?.retainedBy ?? [];
    assert.equal(cached[0], 'class Cache', describeTypes(report));
    assert.match(cached[1] ?? '', /^\.sessions \(list\)$/, describeTypes(report));
    assert.match(cached[2] ?? '', /^\[\d+\] \(Session\)$/, describeTypes(report));
    const local = typeOf(report, 'Event')?.retainedBy ?? [];
    assert.match(local[0] ?? '', /^thread MainThread, main\(\) at py_types_roots\.py:\d+$/, describeTypes(report));
    assert.equal(local[1], 'local pending (list)', describeTypes(report));
    assert.match(local[2] ?? '', /^\[\d+\] \(Event\)$/, describeTypes(report));
  });
});

describe('growing types: records and text (hand-made)', () => {
  itTimed('reads the last "types" record of index.jsonl, skipping a torn line', () => {
    const dir = tempDir();
    const index = join(dir, 'index.jsonl');
    const rec = (n: number, final: boolean) =>
      JSON.stringify({
        kind: 'types',
        t: 1,
        final,
        censuses: n,
        span_s: n * 1.0,
        cost_s: 0.0123,
        types: [{ type: 'Frame', countGrowth: n * 10, bytesGrowth: n * 560, count: 99, bytes: 5544, retainedBy: [] }],
      });
    writeFileSync(
      index,
      [JSON.stringify({ kind: 'meta', pid: 5 }), rec(4, false), rec(6, true), '{"kind": "types", "t'].join('\n'),
    );
    const got = readTypeGrowth(index, 5)!;
    assert.equal(got.census.censuses, 6);
    assert.equal(got.types[0].countGrowth, 60);
    assert.deepEqual(got.types[0].retainedBy, []);
    assert.equal(readTypeGrowth(join(dir, 'none.jsonl'), 5), undefined);
    assert.equal(readTypeGrowth(index, undefined), undefined);
  });

  itTimed('renders chains, a chain not found and its reason, and leaves the section out without a census', () => {
    const input = typeGrowthFromRecord(
      {
        kind: 'types',
        censuses: 5,
        span_s: 4.2,
        cost_s: 0.02,
        types: [
          {
            type: 'Frame',
            countGrowth: 200,
            bytesGrowth: 11200,
            retainedBy: ['module app', '.registry (dict)', "['k'] (list)", '[3] (Frame)'],
          },
          {
            type: 'Node',
            countGrowth: 50,
            bytesGrowth: 2 * 1024 * 1024,
            retainedBy: [],
            note: 'not found within 4000 objects',
          },
          { type: 'tuple', countGrowth: 20, bytesGrowth: 1280 },
        ],
      },
      9,
    );
    const report = buildReport({
      totals: [],
      processes: [],
      lines: [],
      fired: [],
      verdictOptions: {},
      notes: [],
      types: input,
    });
    const lines = typesText(report);
    assert.equal(
      lines[0],
      'Types that grew in count (5 gc censuses over 4.2 s, 20 ms CPU; bytes are shallow, sys.getsizeof):',
    );
    assert.equal(lines[1], '       +200 objects    +10.9 KB  Frame');
    assert.equal(lines[2], "      kept alive by: module app → .registry (dict) → ['k'] (list) → [3] (Frame)");
    assert.equal(lines[4], '      kept alive by: not found (not found within 4000 objects)');
    assert.match(lines[5], /\+20 objects +\+1\.3 KB  tuple$/);
    assert.equal(lines.length, 6);
    assert.deepEqual(typesText({ ...report, typesCensus: undefined }), []);
  });
});
