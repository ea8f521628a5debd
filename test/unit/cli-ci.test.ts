// `leaklens check` as CI and ruff users drive it: output formats, statistics, exit codes, output
// files, safe/unsafe fixes, --diff (applied with the real `patch`), the result cache, pyproject.toml
// configuration and `leaklens rule`. Real child processes on real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RULE_IDS } from '../../src/core/rules';
import { cliSandbox, ROOT } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'leaklens-ci-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { run, write } = cliSandbox(dir, { optIn: true });

const PRODUCER = 'for x in range(10**9):\n    q.put(x)\n';
const QUEUE_PY = `import queue\nq = queue.Queue()\n${PRODUCER}`;
// A file opened by hand and closed without `finally`: its `with` fix is safe.
const OPEN_PY = 'def read(path):\n    f = open(path)\n    data = f.read()\n    f.close()\n    return data\n';
const LEAK_C =
  '#include <stdlib.h>\nint work(int n) {\n  char* p = malloc(n);\n  if (!p) return -1;\n  if (n > 8) return 1;\n  free(p);\n  return 0;\n}\n';

describe('check: output formats and exit codes', () => {
  write('fmt/q.py', QUEUE_PY);
  write('fmt/o.py', OPEN_PY);
  write('fmt/clean.py', 'x = 1\n');
  write('fmt/w, odd:name.c', LEAK_C);

  it('text: grouped by file, [*] safe and [-] unsafe fixes marked, one summary line', () => {
    const r = run(['check', 'fmt', '--no-cache']);
    assert.equal(r.code, 1);
    const blocks = r.stdout.trim().split('\n\n');
    assert.equal(blocks.length, 4, r.stdout);
    assert.match(blocks[0], /^fmt\/o\.py:2:9: warning \[resource-without-context\] \[\*\] /);
    assert.match(blocks[1], /^fmt\/q\.py:2:5: warning \[unbounded-queue\] \[-\] /);
    assert.match(
      blocks[3],
      /^Found 3 leak risks in 3 files \(4 files checked; 1 fixable with --fix, 1 more with --fix --unsafe-fixes\)\.$/, // the .c file gets no C++ fix
    );
  });

  it('--format github: one workflow command per finding, properties escaped', () => {
    const r = run(['check', 'fmt', '--format', 'github', '--no-cache']);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(
      lines.every((l) =>
        /^::(warning|error|notice) file=[^:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=LeakLens \([a-z-]+\)::\S/.test(
          l,
        ),
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith('::warning file=fmt/w%2C odd%3Aname.c,line=3,')),
      'comma and colon escaped in the file property',
    );
  });

  it('--format gitlab: a Code Quality array with stable, distinct fingerprints', () => {
    const a = JSON.parse(run(['check', 'fmt', '--format', 'gitlab', '--no-cache']).stdout) as Array<
      Record<string, unknown>
    >;
    assert.equal(a.length, 3);
    for (const i of a) {
      assert.deepEqual(Object.keys(i).sort(), ['check_name', 'description', 'fingerprint', 'location', 'severity']);
      assert.match(i.fingerprint as string, /^[0-9a-f]{32}$/);
      assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(i.severity as string));
    }
    assert.equal(new Set(a.map((i) => i.fingerprint)).size, 3);
    // Lines added above a finding do not change its fingerprint.
    const shifted = mkdtempSync(join(dir, 'shift-'));
    cpSync(join(dir, 'fmt'), join(shifted, 'fmt'), { recursive: true });
    writeFileSync(join(shifted, 'fmt', 'q.py'), `# a comment\n\n${QUEUE_PY}`);
    const b = JSON.parse(run(['check', 'fmt', '--format', 'gitlab', '--no-cache'], shifted).stdout) as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(b.map((i) => i.fingerprint).sort(), a.map((i) => i.fingerprint).sort());
  });

  it('--format junit: a suite per file, a failure per finding, the clean file passes; well-formed for xmllint', () => {
    const r = run(['check', 'fmt', '--format', 'junit', '--no-cache']);
    assert.match(
      r.stdout,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="leaklens" tests="4" failures="3" errors="0">/,
    );
    assert.match(
      r.stdout,
      /<testsuite name="fmt\/clean.py" tests="1" failures="0" errors="0">\n {4}<testcase name="leaklens" classname="fmt\/clean.py" file="fmt\/clean.py"\/>/,
    );
    assert.match(
      r.stdout,
      /<testcase name="leaklens.unbounded-queue" classname="fmt\/q.py" file="fmt\/q.py" line="2">\n {6}<failure message="`queue.Queue\(\)` has no maxsize/,
    );
    const xmllint = spawnSync('xmllint', ['--noout', '-'], { input: r.stdout, encoding: 'utf8' });
    if (xmllint.error) return; // xmllint not installed: the shape checks above stand
    assert.equal(xmllint.status, 0, xmllint.stderr);
  });

  it('json: the fix with its applicability and 1-based edit ranges', () => {
    const doc = JSON.parse(run(['check', 'fmt', '--format', 'json', '--no-cache']).stdout);
    const q = doc.findings.find((f: { ruleId: string }) => f.ruleId === 'unbounded-queue');
    assert.equal(q.fix.applicability, 'unsafe');
    assert.deepEqual(q.fix.edits, [{ line: 2, column: 17, endLine: 2, endColumn: 17, newText: 'maxsize=1000' }]);
    const o = doc.findings.find((f: { ruleId: string }) => f.ruleId === 'resource-without-context');
    assert.equal(o.fix.applicability, 'safe');
  });

  it('--statistics: count per rule, most frequent first, fixability marked', () => {
    write('stats/a.py', `${QUEUE_PY}\nimport queue as q2\nr = q2.Queue()\nfor y in range(9):\n    r.put(y)\n`);
    write('stats/b.py', OPEN_PY);
    const r = run(['check', 'stats', '--statistics', '--no-cache']);
    assert.equal(r.code, 1);
    const rows = r.stdout.trim().split('\n');
    assert.match(rows[0], /^2  unbounded-queue +\[-\]  A work queue/);
    assert.match(rows[1], /^1 {2}resource-without-context {2}\[\*\] {2}A file/);
  });

  it('--exit-zero, --output-file (folders created), and an unwritable output file is exit 2', () => {
    const r = run([
      'check',
      'fmt',
      '--exit-zero',
      '--format',
      'sarif',
      '--output-file',
      'reports/deep/out.sarif',
      '--no-cache',
    ]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.equal(JSON.parse(readFileSync(join(dir, 'reports/deep/out.sarif'), 'utf8')).runs[0].results.length, 3);
    write('blocker', 'a file where a folder is wanted');
    const bad = run(['check', 'fmt', '--output-file', 'blocker/out.txt', '--no-cache']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot write --output-file blocker\/out.txt/);
    assert.equal(run(['check', 'fmt', '--format', 'xml']).code, 2);
  });
});

describe('check: fixes', () => {
  it('--diff prints a unified diff that `patch` applies to the same result as --fix; nothing is written', () => {
    const a = write('diff/a/q.py', QUEUE_PY);
    write('diff/a/o.py', OPEN_PY);
    const d = run(['check', 'a', '--diff', '--unsafe-fixes'], join(dir, 'diff'));
    assert.equal(d.code, 1, 'fixes to apply: exit 1, as ruff --diff');
    assert.match(d.stderr, /Would fix 2 leak risks in 2 file\(s\)/);
    assert.match(d.stdout, /^--- a\/a\/o\.py\n\+\+\+ b\/a\/o\.py\n@@ /);
    assert.equal(readFileSync(a, 'utf8'), QUEUE_PY, '--diff writes nothing');
    cpSync(join(dir, 'diff/a'), join(dir, 'diff/b'), { recursive: true });
    const patch = spawnSync('patch', ['-p1', '-s', '-d', join(dir, 'diff')], {
      input: d.stdout.replace(/ a\/a\//g, ' a/b/').replace(/ b\/a\//g, ' b/b/'),
      encoding: 'utf8',
    });
    assert.equal(patch.status, 0, patch.stderr + patch.stdout);
    assert.equal(run(['check', 'a', '--fix', '--unsafe-fixes'], join(dir, 'diff')).code, 0);
    for (const f of ['q.py', 'o.py'])
      assert.equal(readFileSync(join(dir, 'diff/b', f), 'utf8'), readFileSync(join(dir, 'diff/a', f), 'utf8'), f);
    const none = run(['check', 'a', '--diff'], join(dir, 'diff'));
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
  });

  it('--diff without --unsafe-fixes shows only the safe fixes; --fix with --diff is a usage error', () => {
    write('diff2/q.py', QUEUE_PY);
    write('diff2/o.py', OPEN_PY);
    const d = run(['check', 'diff2', '--diff']);
    assert.match(d.stdout, /\+\+\+ b\/diff2\/o\.py/);
    assert.doesNotMatch(d.stdout, /q\.py/);
    assert.equal(run(['check', 'diff2', '--diff', '--fix']).code, 2);
  });

  it('--show-fixes: each finding names its fix; with --fix, what was fixed per file', () => {
    write('show/q.py', QUEUE_PY);
    write('show/o.py', OPEN_PY);
    const listed = run(['check', 'show', '--show-fixes', '--no-cache']);
    assert.match(listed.stdout, /\n {4}fix \(unsafe\): Add maxsize=1000: put\(\) will block when the queue is full\n/);
    assert.match(listed.stdout, /\n {4}fix \(safe\): Use `with open\(path\) as f:`/);
    const fixed = run(['check', 'show', '--fix', '--show-fixes']);
    assert.match(fixed.stderr, /Applied 1 fix\.\nFixed:\n {2}show\/o\.py: 1 × resource-without-context\n/);
  });
});

describe('check: result cache', () => {
  const project = join(dir, 'cached');
  const files = 12;
  for (let i = 0; i < files; i++)
    write(`cached/src/m${i}.py`, i % 3 === 0 ? QUEUE_PY : OPEN_PY.replace('read', `read${i}`));

  const check = (...extra: string[]) =>
    run(['check', 'src', '--format', 'json', '--stats', '--jobs', '1', ...extra], project);
  const stats = (stderr: string) => /cache (\d+) hits?, (\d+) miss(?:es)?/.exec(stderr)!.slice(1).map(Number);

  it('a second run reads every result from the cache, with identical findings', () => {
    const cold = check();
    assert.deepEqual(stats(cold.stderr), [0, files]);
    assert.ok(existsSync(join(project, '.leaklens_cache', '.gitignore')));
    assert.equal(
      readFileSync(join(project, '.leaklens_cache', '.gitignore'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))[0],
      '*',
    );
    const warm = check();
    assert.deepEqual(stats(warm.stderr), [files, 0]);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(warm.code, cold.code);
  });

  it('a changed file, a new file and a changed config are analysed again', () => {
    writeFileSync(join(project, 'src/m1.py'), QUEUE_PY);
    write('cached/src/new.py', OPEN_PY);
    const r = check();
    assert.deepEqual(stats(r.stderr), [files - 1, 2]);
    assert.equal(
      JSON.parse(r.stdout).findings.filter(
        (f: { file: string; ruleId: string }) => f.file === 'src/m1.py' && f.ruleId === 'unbounded-queue',
      ).length,
      1,
    );
    write('cached/.leaklens.json', JSON.stringify({ rules: { 'unbounded-queue': 'error' } }));
    const c = check();
    assert.deepEqual(stats(c.stderr), [0, files + 1]);
    assert.ok(JSON.parse(c.stdout).findings.some((f: { severity: string }) => f.severity === 'error'));
    rmSync(join(project, '.leaklens.json'));
  });

  it('--no-cache neither reads nor writes; --cache-dir puts it elsewhere; --select keys it too', () => {
    const elsewhere = join(dir, 'elsewhere-cache');
    assert.doesNotMatch(check('--no-cache').stderr, /cache \d+ hit/);
    assert.deepEqual(stats(check('--cache-dir', elsewhere).stderr), [0, files + 1]);
    assert.ok(readdirSync(elsewhere).includes('.gitignore'));
    assert.deepEqual(stats(check('--cache-dir', elsewhere).stderr), [files + 1, 0]);
    assert.deepEqual(stats(check('--cache-dir', elsewhere, '--select', 'unbounded-queue').stderr), [0, files + 1]);
  });

  it('a corrupt cache file is ignored and rewritten', () => {
    const v1 = join(project, '.leaklens_cache', 'v1');
    for (const f of readdirSync(v1)) writeFileSync(join(v1, f), '{"key": truncated');
    const r = check();
    assert.equal(r.code, 1);
    assert.deepEqual(stats(r.stderr), [0, files + 1]);
    assert.deepEqual(stats(check().stderr), [files + 1, 0]);
  });
});

describe('configuration in pyproject.toml', () => {
  it('[tool.leaklens] is found upward and applies the same keys as .leaklens.json', () => {
    write(
      'py/pyproject.toml',
      '[project]\nname = "demo"\n\n[tool.leaklens]\nignore = ["gen/"]\n\n[tool.leaklens.rules]\nunbounded-queue = "error"\nresource-without-context = "off"\n',
    );
    write('py/pkg/sub/q.py', QUEUE_PY);
    write('py/pkg/sub/o.py', OPEN_PY);
    write('py/gen/q.py', QUEUE_PY);
    const doc = JSON.parse(run(['check', 'py', '--format', 'json', '--no-cache']).stdout);
    assert.deepEqual(
      doc.findings.map((f: { file: string; ruleId: string; severity: string }) => [f.file, f.ruleId, f.severity]),
      [['py/pkg/sub/q.py', 'unbounded-queue', 'error']],
    );
  });

  it('a pyproject.toml without [tool.leaklens] is passed over; .leaklens.json wins in the same folder', () => {
    write('py2/.leaklens.json', JSON.stringify({ rules: { 'unbounded-queue': 'info' } }));
    write('py2/app/pyproject.toml', '[project]\nname = "app"\n');
    write('py2/app/q.py', QUEUE_PY);
    assert.equal(
      JSON.parse(run(['check', 'py2', '--format', 'json', '--no-cache']).stdout).findings[0].severity,
      'info',
    );
    write('py2/app/.leaklens.json', JSON.stringify({ rules: { 'unbounded-queue': 'error' } }));
    write('py2/app/pyproject.toml', '[tool.leaklens.rules]\nunbounded-queue = "off"\n');
    assert.equal(
      JSON.parse(run(['check', 'py2', '--format', 'json', '--no-cache']).stdout).findings[0].severity,
      'error',
    );
  });

  it('errors name the file and the key: unknown key, bad value, broken TOML; --config takes a pyproject.toml', () => {
    write('py3/pyproject.toml', '[tool.leaklens]\nmaxFileSize = "big"\n');
    write('py3/q.py', QUEUE_PY);
    let r = run(['check', 'py3', '--no-cache']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /py3\/pyproject\.toml: "tool\.leaklens\.maxFileSize": must be (integer|number)/);
    write('py3/pyproject.toml', '[tool.leaklens]\ncolour = "red"\n');
    assert.match(run(['check', 'py3', '--no-cache']).stderr, /pyproject\.toml: "tool\.leaklens": unknown key "colour"/);
    write('py3/pyproject.toml', '[tool.leaklens\nx = 1\n');
    assert.match(run(['check', 'py3', '--no-cache']).stderr, /pyproject\.toml: not valid TOML at line 1/);
    write('py3/other.toml', '[tool.leaklens.rules]\nunbounded-queue = "off"\n');
    r = run(['check', 'py3/q.py', '--config', join(dir, 'py3/other.toml'), '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    write('py3/none.toml', '[tool.other]\nx = 1\n');
    assert.match(
      run(['check', 'py3/q.py', '--config', join(dir, 'py3/none.toml')]).stderr,
      /"tool\.leaklens": no \[tool\.leaklens\] table/,
    );
  });
});

describe('leaklens rule', () => {
  it("prints a rule's documentation, lists every rule, and names an unknown one", () => {
    const doc = run(['rule', 'unbounded-queue']);
    assert.equal(doc.code, 0);
    assert.equal(doc.stdout, readFileSync(join(ROOT, 'docs', 'rules', 'unbounded-queue.md'), 'utf8'));
    const all = run(['rule', '--all']);
    assert.deepEqual(
      all.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
      RULE_IDS,
    );
    assert.deepEqual(
      JSON.parse(run(['rule', '--all', '--format', 'json']).stdout).map((r: { id: string }) => r.id),
      RULE_IDS,
    );
    const bad = run(['rule', 'queue']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown rule "queue" \(did you mean unbounded-queue\?\)/);
  });
});

describe('pre-commit hooks', () => {
  it('.pre-commit-hooks.yaml declares the hooks, and each entry works as pre-commit calls it (entry + file names)', async () => {
    const { load } = await import('js-yaml');
    const hooks = load(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<Record<string, unknown>>;
    assert.deepEqual(
      hooks.map((h) => h.id),
      ['leaklens', 'leaklens-fix'],
    );
    for (const h of hooks) {
      assert.equal(h.language, 'node');
      assert.deepEqual(h.types_or, ['c', 'c++', 'python']);
      const [command, ...args] = String(h.entry).split(' ');
      assert.equal(command, 'leaklens', "the package's bin");
      const q = write(`hook-${h.id}/q.py`, QUEUE_PY);
      const o = write(`hook-${h.id}/o.py`, OPEN_PY);
      const r = run([...args, q, o]);
      assert.equal(r.code, 1, `${h.id}: findings fail the hook\n${r.stdout}${r.stderr}`);
      if (h.id === 'leaklens-fix') assert.match(readFileSync(o, 'utf8'), /with open\(path\) as f:/);
      else assert.equal(readFileSync(o, 'utf8'), OPEN_PY);
    }
    const bin = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.equal(bin.bin.leaklens, './bin/leaklens.js');
    const shim = readFileSync(join(ROOT, 'bin', 'leaklens.js'), 'utf8');
    assert.match(
      shim,
      /'scripts', 'build\.mjs'/,
      'a git install without scripts (pre-commit) builds dist/ on first use',
    );
  });
});
