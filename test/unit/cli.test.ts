// The `leaklens check` command as a user runs it: a real child process on real files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, chmodSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RULE_IDS } from '../../src/core/rules';
import { cliSandbox, ROOT } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'leaklens-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { run, write } = cliSandbox(dir, { optIn: true });

// A queue filled in a loop with no maxsize (unbounded-queue), and one with a bound.
const PRODUCER = 'for x in range(10**9):\n    q.put(x)\n';
const LEAKY_PY = `import queue\nq = queue.Queue()\n${PRODUCER}`;
const CLEAN_PY = `import queue\nq = queue.Queue(maxsize=10)\n${PRODUCER}`;
// An unbounded cache on a method (it keeps every `self` alive): unbounded-cache.
const CACHED_METHOD = 'class M:\n    @cache\n    def f(self, x): return x\n';

describe('leaklens check', () => {
  it('exits 1 with findings, 0 without, 2 on usage errors', () => {
    write('a/leaky.py', LEAKY_PY);
    write('b/clean.py', CLEAN_PY);
    assert.equal(run(['check', 'a']).code, 1);
    assert.equal(run(['check', 'b']).code, 0);
    assert.equal(run(['check', 'b', '--format', 'xml']).code, 2);
    assert.equal(run(['check', 'b', '--select', 'no-such-rule']).code, 2);
    assert.equal(run(['check', 'b', '--jobs', 'zero']).code, 2);
    assert.equal(run(['frobnicate']).code, 2);
  });

  it('reads a script without an extension by its #! line, as an editor does', () => {
    // s3cmd's and keepalived's tools are Python programs named `s3cmd` and `vrrp_recap`.
    write('s/s3tool', `#!/usr/bin/env python3\n${LEAKY_PY}`);
    write('s/run.sh', `#!/bin/sh\nexec python3 -c 'import queue'\n`);
    write('s/notes', 'import queue\nq = queue.Queue()\n');
    const doc = JSON.parse(run(['check', 's', '--format', 'json']).stdout);
    assert.deepEqual(
      doc.findings.map((f: { file: string; ruleId: string }) => [f.file, f.ruleId]),
      [[join('s', 's3tool'), 'unbounded-queue']],
    );
    assert.deepEqual(doc.errors, []);
    // Named explicitly: a file with no extension and no #! line is still not one of ours.
    const notes = JSON.parse(run(['check', join('s', 'notes'), '--format', 'json']).stdout);
    assert.deepEqual(notes.errors, [{ file: join('s', 'notes'), message: 'not a C, C++ or Python file' }]);
    assert.equal(run(['check', join('s', 's3tool')]).code, 1);
    rmSync(join(dir, 's'), { recursive: true }); // the other tests check the whole sandbox
  });

  it('prints the JSON document with 1-based positions and paths as given', () => {
    write('j/leaky.py', LEAKY_PY);
    const r = run(['check', 'j', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.errors, []);
    const [f] = doc.findings;
    assert.deepEqual(
      {
        file: f.file,
        line: f.line,
        column: f.column,
        endLine: f.endLine,
        endColumn: f.endColumn,
        ruleId: f.ruleId,
        severity: f.severity,
      },
      {
        file: join('j', 'leaky.py'),
        line: 2,
        column: 5,
        endLine: 2,
        endColumn: 18,
        ruleId: 'unbounded-queue',
        severity: 'warning',
      },
    );
    assert.ok(Array.isArray(f.related));
  });

  it('prints SARIF 2.1.0 with every rule, help links and related locations', () => {
    const r = run(['check', join(ROOT, 'test/fixtures/upscaler'), '--format', 'sarif']);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    const run0 = sarif.runs[0];
    assert.deepEqual(
      run0.tool.driver.rules.map((x: { id: string }) => x.id),
      RULE_IDS,
    );
    for (const rule of run0.tool.driver.rules) assert.match(rule.helpUri, new RegExp(`docs/rules/${rule.id}\\.md$`));
    assert.equal(run0.results.length, 4);
    for (const res of run0.results) {
      assert.equal(run0.tool.driver.rules[res.ruleIndex].id, res.ruleId);
      const region = res.locations[0].physicalLocation.region;
      assert.ok(region.startLine >= 1 && region.startColumn >= 1);
      assert.ok(res.relatedLocations.length >= 1);
    }
  });

  it('--select and --ignore filter rules', () => {
    write('s/mixed.py', `import queue\nfrom functools import cache\nq = queue.Queue()\n${PRODUCER}${CACHED_METHOD}`);
    const ids = (args: string[]) =>
      JSON.parse(run(['check', 's', '--format', 'json', ...args]).stdout).findings.map(
        (f: { ruleId: string }) => f.ruleId,
      );
    assert.deepEqual(ids([]), ['unbounded-queue', 'unbounded-cache']);
    assert.deepEqual(ids(['--select', 'unbounded-cache']), ['unbounded-cache']);
    assert.deepEqual(ids(['--ignore', 'unbounded-cache']), ['unbounded-queue']);
  });

  it('honours suppression comments on the line and the line above', () => {
    write(
      'sup/a.py',
      [
        'import queue',
        'a = queue.Queue()  # leaklens-ignore[unbounded-queue]',
        '# leaklens-ignore',
        'b = queue.Queue()',
        'c = queue.Queue()  # leaklens-ignore[unbounded-cache]',
        'd = queue.Queue()',
        'while True:',
        '    a.put(1); b.put(1); c.put(1); d.put(1)',
        '',
      ].join('\n'),
    );
    const lines = JSON.parse(run(['check', 'sup', '--format', 'json']).stdout).findings.map(
      (f: { line: number }) => f.line,
    );
    assert.deepEqual(lines, [5, 6]);
  });

  it('reads .leaklens.json upward: severities, disabled rules, ignored paths', () => {
    write(
      'cfg/.leaklens.json',
      JSON.stringify({ rules: { 'unbounded-queue': 'error', 'unbounded-cache': 'off' }, ignore: ['vendor/'] }),
    );
    write('cfg/src/a.py', `import queue\nfrom functools import cache\nq = queue.Queue()\n${PRODUCER}${CACHED_METHOD}`);
    write('cfg/vendor/b.py', LEAKY_PY);
    const doc = JSON.parse(run(['check', '.', '--format', 'json'], join(dir, 'cfg')).stdout);
    assert.deepEqual(
      doc.findings.map((f: { file: string; severity: string; ruleId: string }) => [f.file, f.ruleId, f.severity]),
      [[join('src', 'a.py'), 'unbounded-queue', 'error']],
    );
  });

  it('a bad config is exit 2 with the file and the key named', () => {
    write('bad/.leaklens.json', JSON.stringify({ rules: { 'unbounded-queue': 'loud' } }));
    write('bad/a.py', LEAKY_PY);
    const r = run(['check', 'bad']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.leaklens\.json/);
    assert.match(r.stderr, /rules\.unbounded-queue/);
    write('bad2/.leaklens.json', '{ "rules": ');
    write('bad2/a.py', LEAKY_PY);
    assert.match(run(['check', 'bad2']).stderr, /not valid JSON/);
    write('bad3/.leaklens.json', JSON.stringify({ colour: 'red' }));
    write('bad3/a.py', LEAKY_PY);
    assert.match(run(['check', 'bad3']).stderr, /unknown key "colour"/);
  });

  it('skips .gitignore-d files, node_modules and build output', () => {
    write('gi/.gitignore', 'generated/\n*.gen.py\n');
    write('gi/generated/a.py', LEAKY_PY);
    write('gi/x.gen.py', LEAKY_PY);
    write('gi/node_modules/pkg/a.py', LEAKY_PY);
    write('gi/build/a.py', LEAKY_PY);
    write('gi/src/keep.py', LEAKY_PY);
    const doc = JSON.parse(run(['check', 'gi', '--format', 'json']).stdout);
    assert.deepEqual(
      doc.findings.map((f: { file: string }) => f.file),
      [join('gi', 'src', 'keep.py')],
    );
  });

  it('bad input is an error line and the rest of the run goes on', () => {
    write('bi/ok.py', LEAKY_PY);
    write('bi/binary.py', Buffer.from([0x69, 0x00, 0x01, 0x02]));
    write('bi/latin1.py', Buffer.from([0x23, 0x20, 0xe9, 0x0a]));
    write('bi/huge.py', `x = 1\n${'#'.repeat(6 * 1024 * 1024)}\n`);
    write('bi/broken.cpp', 'void f( { int x = ;; }}}\n');
    const locked = write('bi/locked.py', LEAKY_PY);
    chmodSync(locked, 0o000);
    const r = run(['check', 'bi', 'missing-dir', '--format', 'json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    const errors = Object.fromEntries(doc.errors.map((e: { file: string; message: string }) => [e.file, e.message]));
    assert.match(errors[join('bi', 'binary.py')], /binary/);
    assert.equal(errors[join('bi', 'latin1.py')], undefined, 'a Latin-1 file is read byte for byte, not skipped');
    assert.match(errors[join('bi', 'huge.py')], /limit/);
    assert.match(errors['missing-dir'], /no such file/);
    if (process.getuid?.() !== 0) assert.match(errors[join('bi', 'locked.py')], /cannot read/);
    assert.ok(doc.findings.some((f: { file: string }) => f.file === join('bi', 'ok.py')));
  });

  it('--fix applies safe fixes only; --unsafe-fixes adds the rest and the result is clean', () => {
    const p = write('fix/a.py', LEAKY_PY);
    const safeOnly = run(['check', 'fix', '--fix']);
    assert.equal(safeOnly.code, 1, 'a bound that makes put() block is unsafe: not applied by --fix');
    assert.match(safeOnly.stderr, /Applied 0 fixes/);
    assert.match(safeOnly.stdout, /\[unbounded-queue\] \[-\]/);
    assert.equal(readFileSync(p, 'utf8'), LEAKY_PY);
    const r = run(['check', 'fix', '--fix', '--unsafe-fixes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /Applied 1 fix/);
    assert.equal(readFileSync(p, 'utf8'), `import queue\nq = queue.Queue(maxsize=1000)\n${PRODUCER}`);
  });

  it('a Latin-1 file is analysed, and --fix writes its other bytes back unchanged', () => {
    // `# Jos\xe9` in Latin-1: not valid UTF-8.
    const latin1 = Buffer.concat([Buffer.from('# Jos'), Buffer.from([0xe9]), Buffer.from(`\n${LEAKY_PY}`)]);
    const p = write('latin/a.py', latin1);
    const found = JSON.parse(run(['check', 'latin', '--format', 'json', '--no-cache']).stdout);
    assert.deepEqual(found.errors, []);
    assert.deepEqual(
      found.findings.map((f: { ruleId: string; line: number }) => [f.ruleId, f.line]),
      [['unbounded-queue', 3]],
    );
    const r = run(['check', 'latin', '--fix', '--unsafe-fixes', '--no-cache']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const after = readFileSync(p);
    assert.equal(after[5], 0xe9, 'the Latin-1 byte is written back as one byte');
    assert.match(after.toString('latin1'), /queue\.Queue\(maxsize=1000\)/);
  });

  it('worker threads give the same findings as one thread', () => {
    const fixtures = join(ROOT, 'test/fixtures');
    const one = JSON.parse(run(['check', fixtures, '--format', 'json', '--jobs', '1']).stdout);
    const two = JSON.parse(run(['check', fixtures, '--format', 'json', '--jobs', '2']).stdout);
    assert.ok(one.findings.length > 15);
    assert.deepEqual(two.findings, one.findings);
  });

  it('this thread and two workers check every file exactly once (--jobs 3, no cache)', () => {
    const fixtures = join(ROOT, 'test/fixtures');
    const one = run(['check', fixtures, '--format', 'json', '--jobs', '1', '--no-cache', '--stats']);
    const three = run(['check', fixtures, '--format', 'json', '--jobs', '3', '--no-cache', '--stats']);
    assert.deepEqual(JSON.parse(three.stdout), JSON.parse(one.stdout));
    const count = (stderr: string) => Number(/(\d+) files, \d+ findings/.exec(stderr)?.[1]);
    assert.ok(count(one.stderr) > 24, one.stderr);
    assert.equal(count(three.stderr), count(one.stderr));
    assert.match(three.stderr, /\(3 jobs\)/);
  });
});

describe('leaklens check: links', () => {
  it('follows links to files, not links to folders, and survives a dangling link', () => {
    write('ln/real/a.py', LEAKY_PY);
    symlinkSync(join(dir, 'ln/real/a.py'), join(dir, 'ln/linked.py'));
    symlinkSync(join(dir, 'ln/real'), join(dir, 'ln/loop'));
    symlinkSync(join(dir, 'ln/nowhere.py'), join(dir, 'ln/dangling.py'));
    const doc = JSON.parse(run(['check', 'ln', '--format', 'json']).stdout);
    assert.deepEqual(doc.findings.map((f: { file: string }) => f.file).sort(), [
      join('ln', 'linked.py'),
      join('ln', 'real', 'a.py'),
    ]);
  });
});
