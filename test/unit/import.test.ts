// Leak reports as findings: a real program built with -fsanitize=address (its LeakSanitizer log) and
// the same program under `valgrind --leak-check=full --xml=yes`, imported by `leaklens import` and
// joined with the static findings by `check --evidence`; plus the shapes a real run can leave: an
// indirect leak, unsymbolized frames, a truncated log or XML, a foreign file, a LeakLens report.json.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSandbox, FIXTURES } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'leaklens-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { run, write } = cliSandbox(dir);
const lineOf = (file: string, text: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;
const json = (args: string[]) => {
  const r = run(args);
  return {
    ...r,
    doc: JSON.parse(r.stdout) as { findings: JsonFinding[]; errors: Array<{ file: string; message: string }> },
  };
};

interface JsonFinding {
  file: string;
  line: number;
  ruleId: string;
  severity: string;
  message: string;
  related: Array<{ file?: string; line: number; message: string }>;
  evidence?: Array<{ source: string; kind: string; bytes: number; blocks?: number; summary: string }>;
}

describe('leak reports from real runs', () => {
  before(() => {
    // The project: the two fixture files, copied so that paths in the reports lie under `dir`.
    cpSync(join(FIXTURES, 'leaks'), join(dir, 'src'), { recursive: true });
    const sources = [join(dir, 'src', 'leaky_list.cpp'), join(dir, 'src', 'leaky_main.cpp')];
    execFileSync('g++', ['-g', '-O0', '-fsanitize=address', ...sources, '-o', join(dir, 'leaky_asan')]);
    const asan = spawnSync(join(dir, 'leaky_asan'), { cwd: dir, encoding: 'utf8' });
    writeFileSync(join(dir, 'lsan.log'), asan.stderr);
    execFileSync('g++', ['-g', '-O0', ...sources, '-o', join(dir, 'leaky_plain')]);
    spawnSync(
      'valgrind',
      ['--leak-check=full', '--xml=yes', `--xml-file=${join(dir, 'vg.xml')}`, join(dir, 'leaky_plain')],
      {
        cwd: dir,
      },
    );
  });

  it('import a LeakSanitizer log: each leak at its first frame in the project, bytes and blocks, the stack related', () => {
    const { code, doc } = json(['import', 'lsan.log', '--format', 'json']);
    assert.equal(code, 1, 'leaks found');
    const sites = doc.findings.map((f) => [f.file, f.line, f.ruleId, f.severity]);
    assert.deepEqual(sites, [
      ['src/leaky_list.cpp', 13, 'measured-leak', 'warning'],
      ['src/leaky_list.cpp', 22, 'measured-leak', 'warning'],
    ]);
    const buf = doc.findings[0];
    assert.equal(buf.message, 'Direct leak of 64 B in 1 block allocated here in `make_buffer(int)` (LeakSanitizer)');
    assert.deepEqual(
      buf.related.filter((r) => !/malloc|libc/.test(r.message)).map((r) => [r.file, r.line, r.message]),
      [
        ['src/leaky_list.cpp', 13, '#1 make_buffer(int)'],
        ['src/leaky_main.cpp', lineOf(join(dir, 'src', 'leaky_main.cpp'), 'make_buffer(argc'), '#2 main'],
      ],
    );
    assert.equal(buf.evidence?.[0].source, 'LeakSanitizer');
  });

  it('import Valgrind memcheck XML: the same sites, its byte counts', () => {
    const { code, doc } = json(['import', 'vg.xml', '--format', 'json']);
    assert.equal(code, 1);
    assert.deepEqual(
      doc.findings.map((f) => [f.line, f.evidence?.[0].source, f.evidence?.[0].bytes]),
      [
        [13, 'Valgrind', 64],
        [22, 'Valgrind', 96], // the head and, reached only through it, the two other nodes
      ],
    );
  });

  it('check --evidence: the static finding says it is confirmed (text, JSON, SARIF); the leak no rule found is a measured-leak finding', () => {
    const { doc } = json([
      'check',
      'src',
      '--no-cache',
      '--format',
      'json',
      '--evidence',
      'lsan.log',
      '--evidence',
      'vg.xml',
    ]);
    const stat = doc.findings.find((f) => f.ruleId === 'raw-c-resource');
    assert.ok(stat, 'the static finding');
    assert.equal(stat.line, 13);
    assert.deepEqual(
      stat.evidence?.map((e) => e.summary),
      ['confirmed by LeakSanitizer: 64 B in 1 block', 'confirmed by Valgrind: 64 B in 1 block'],
    );
    const measured = doc.findings.filter((f) => f.ruleId === 'measured-leak');
    assert.deepEqual(
      measured.map((f) => f.line),
      [22],
      'the list leak (a `new` no static rule reports) comes from the reports alone',
    );
    const text = run(['check', 'src', '--no-cache', '--evidence', 'lsan.log']).stdout;
    assert.match(
      text,
      /\[raw-c-resource\].*\n {4}confirmed by LeakSanitizer: 64 B in 1 block \(lsan\.log, \d{4}-\d\d-\d\d \d\d:\d\d\)/,
    );
    const sarif = JSON.parse(run(['check', 'src', '--no-cache', '--format', 'sarif', '--evidence', 'lsan.log']).stdout);
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'raw-c-resource');
    assert.match(result.message.text, /\(confirmed by LeakSanitizer: 64 B in 1 block\)$/);
    assert.equal(result.properties.evidence[0].bytes, 64);
    assert.ok(sarif.runs[0].tool.driver.rules.some((r: { id: string }) => r.id === 'measured-leak'));
  });
});

describe('report shapes and faults', () => {
  const LSAN = (body: string) =>
    `=================================================================\n==77==ERROR: LeakSanitizer: detected memory leaks\n\n${body}`;

  it('an indirect leak is info, a direct one a warning; several reports at once', () => {
    write('src2/tree.cpp', 'struct T { T* kid; };\nT* grow() {\n  T* t = new T{new T{nullptr}};\n  return t;\n}\n');
    write(
      'tree.log',
      LSAN(
        `Direct leak of 16 byte(s) in 1 object(s) allocated from:\n    #0 0x7f in operator new(unsigned long) ../../../../src/libsanitizer/asan/asan_new_delete.cpp:95\n    #1 0x55 in grow() ${dir}/src2/tree.cpp:3:10\n\n` +
          `Indirect leak of 16 byte(s) in 1 object(s) allocated from:\n    #0 0x7f in operator new(unsigned long) ../../../../src/libsanitizer/asan/asan_new_delete.cpp:95\n    #1 0x55 in grow() ${dir}/src2/tree.cpp:3:16\n\n` +
          'SUMMARY: AddressSanitizer: 32 byte(s) leaked in 2 allocation(s).\n',
      ),
    );
    write(
      'other.log',
      LSAN(
        `Direct leak of 8 byte(s) in 2 object(s) allocated from:\n    #0 0x7f in malloc x.c:1\n    #1 0x55 in grow() ${dir}/src2/tree.cpp:3:10\n\nSUMMARY: AddressSanitizer: 8 byte(s) leaked in 2 allocation(s).\n`,
      ),
    );
    const { doc } = json(['import', 'tree.log', 'other.log', '--format', 'json']);
    assert.equal(doc.findings.length, 1, 'one site: line 3');
    assert.equal(doc.findings[0].severity, 'warning');
    assert.match(
      doc.findings[0].message,
      /^Direct leak of 16 B in 1 block/,
      'the report that measured most, not a sum across reports',
    );
    assert.deepEqual(
      doc.findings[0].evidence?.map((e) => [e.kind, e.bytes]),
      [
        ['direct', 16],
        ['direct', 8],
        ['indirect', 16],
      ],
    );
    write(
      'indirect.log',
      LSAN(
        `Indirect leak of 48 byte(s) in 2 object(s) allocated from:\n    #1 0x55 in grow() ${dir}/src2/tree.cpp:3:16\n\nSUMMARY: x\n`,
      ),
    );
    assert.equal(json(['import', 'indirect.log', '--format', 'json']).doc.findings[0].severity, 'info');
  });

  it('unsymbolized frames and frames outside the project: counted, named on stderr, nothing invented', () => {
    write(
      'nosym.log',
      LSAN(
        'Direct leak of 32 byte(s) in 1 object(s) allocated from:\n    #0 0x7f3a in malloc (/lib/x86_64-linux-gnu/libasan.so.8+0xb89cf)\n    #1 0x5563  (/opt/app/bin/server+0x1234)\n\nSUMMARY: AddressSanitizer: 32 byte(s) leaked in 1 allocation(s).\n',
      ),
    );
    const r = json(['import', 'nosym.log', '--format', 'json']);
    assert.deepEqual(r.doc.findings, []);
    assert.match(
      r.stderr,
      /1 leak with no frame under .* \(system libraries, or unsymbolized: build with -g; or pass --root\)/,
    );
    assert.equal(r.code, 1, 'the leak is still a leak');
  });

  it('a truncated log keeps its complete records; a truncated Valgrind XML its complete <error>s', () => {
    const log = readFileSync(join(dir, 'lsan.log'), 'utf8');
    write('cut.log', log.slice(0, log.indexOf('Direct leak', log.indexOf('Direct leak') + 1) + 40));
    const cut = json(['import', 'cut.log', '--format', 'json']).doc;
    assert.equal(cut.findings.length, 1);
    assert.match(cut.findings[0].evidence![0].summary, /64 B/);
    const xml = readFileSync(join(dir, 'vg.xml'), 'utf8');
    const second = xml.indexOf('<error>', xml.indexOf('<error>') + 1);
    write('cut.xml', xml.slice(0, second + 60));
    const vg = json(['import', 'cut.xml', '--format', 'json']);
    assert.equal(vg.code, 1);
    assert.deepEqual(
      vg.doc.findings.map((f) => f.line),
      [13],
    );
  });

  it('a foreign or broken file is a clear error; the other reports are still imported (exit 2)', () => {
    write('notes.txt', 'hello, this is not a report\n');
    write('broken.json', '{"version": 1, "lines": [');
    write('foreign.xml', '<?xml version="1.0"?><project><name>x</name></project>');
    const r = json([
      'import',
      'notes.txt',
      'broken.json',
      'foreign.xml',
      'missing.log',
      'lsan.log',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 2);
    assert.equal(r.doc.findings.length, 2, 'lsan.log still imported');
    const why = Object.fromEntries(r.doc.errors.map((e) => [e.file, e.message]));
    assert.match(why['notes.txt'], /not a leak report LeakLens reads/);
    assert.match(why['broken.json'], /JSON that does not parse .*truncated\?/);
    assert.match(why['foreign.xml'], /not Valgrind output/);
    assert.match(why['missing.log'], /cannot read \(ENOENT\)/);
  });

  it('a LeakLens report.json: each line that grew, with its rate', () => {
    write('app/worker.py', 'cache = []\ndef f():\n    cache.append(bytearray(1 << 20))\n');
    write(
      'report.json',
      JSON.stringify({
        version: 1,
        verdict: 'leak',
        durationSeconds: 30,
        lines: [
          {
            file: join(dir, 'app/worker.py'),
            line: 3,
            growthBytes: 12 * 1048576,
            growthCount: 12,
            bytesPerSecond: 419430,
          },
        ],
      }),
    );
    const f = json(['import', 'report.json', '--format', 'json']).doc.findings[0];
    assert.deepEqual([f.file, f.line], ['app/worker.py', 3]);
    assert.equal(f.message, 'Memory allocated here grew +12.0 MB over 30 s (LeakLens profile)');
  });
});

describe('leaklens profile --format sarif', () => {
  it('the lines that grew and the verdict as SARIF results', () => {
    const script = join(FIXTURES, 'profile', 'py_registry.py');
    const r = spawnSync(
      process.execPath,
      [
        join(FIXTURES, '..', '..', 'bin', 'leaklens.js'),
        'profile',
        '--quiet',
        '--format',
        'sarif',
        '--duration',
        '8',
        '--out',
        join(dir, 'prof'),
        '--',
        'python3',
        script,
      ],
      {
        cwd: join(FIXTURES, '..', '..'),
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 1, r.stderr);
    const run0 = JSON.parse(r.stdout).runs[0];
    const verdict = run0.results.find((x: { properties?: { verdict?: string } }) => x.properties?.verdict);
    assert.equal(verdict.properties.verdict, 'leak');
    assert.equal(verdict.kind, 'fail');
    const lines = run0.results.filter((x: { locations?: unknown[] }) => x.locations?.length);
    assert.ok(lines.length >= 1);
    assert.ok(lines[0].locations[0].physicalLocation.artifactLocation.uri.endsWith('py_registry.py'));
    assert.match(lines[0].message.text, /^Memory allocated here grew \+[\d.]+ [KM]B/);
  });
});
