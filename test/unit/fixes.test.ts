// Every quick-fix on every fixture: the result must still compile (g++ -fsyntax-only against stub
// headers, python3 -m py_compile), the rule must no longer flag it, and fixing is idempotent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixText } from '../../src/core/check';
import { applyEdits } from '../../src/core/fixes/edit';
import { languageOfPath } from '../../src/core/parser';
import type { FileResult } from '../../src/core/types';
import { allRulesConfig, engine, FIXTURES } from './helpers';

const SETS = ['upscaler', 'render_pipeline', 'camera', 'cpp'];
const work = mkdtempSync(join(tmpdir(), 'leaklens-fixes-'));
// dereference: some fixtures are links to examples/ (one copy of each file), which a relative link would lose.
cpSync(FIXTURES, work, { recursive: true, dereference: true });
after(() => rmSync(work, { recursive: true, force: true }));

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourcesUnder(p) : languageOfPath(p) ? [p] : [];
  });
}

/** Writes `text` over the copy of `file` and compiles it; returns the compiler's complaint, if any. */
function compile(file: string, text: string): string | undefined {
  const target = join(work, relative(FIXTURES, file));
  const original = readFileSync(target, 'utf8');
  writeFileSync(target, text);
  try {
    if (file.endsWith('.py')) execFileSync('python3', ['-m', 'py_compile', target], { stdio: 'pipe' });
    else
      execFileSync(
        'g++',
        ['-std=c++17', '-fsyntax-only', '-x', 'c++', `-I${join(work, 'include')}`, `-I${dirname(target)}`, target],
        { stdio: 'pipe' },
      );
    return undefined;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  } finally {
    writeFileSync(target, original);
  }
}

async function analyse(file: string, text: string): Promise<FileResult> {
  return (await engine()).analyzeText(text, languageOfPath(file)!, { file, config: allRulesConfig() }).result;
}

const files = SETS.flatMap((s) => sourcesUnder(join(FIXTURES, s)));

describe('quick-fixes on every fixture', () => {
  it('finds fixtures with fixable findings', async () => {
    let fixable = 0;
    for (const f of files)
      fixable += (await analyse(f, readFileSync(f, 'utf8'))).findings.filter((x) =>
        x.fixes.some((y) => y.isPreferred),
      ).length;
    assert.ok(fixable >= 12, `only ${fixable} fixable findings in the fixtures`);
  });

  for (const file of files) {
    const name = relative(FIXTURES, file);
    it(`${name}: the original compiles`, () => {
      assert.equal(compile(file, readFileSync(file, 'utf8')), undefined);
    });

    it(`${name}: each fix alone compiles and removes its finding`, async () => {
      const text = readFileSync(file, 'utf8');
      const before = await analyse(file, text);
      for (const finding of before.findings) {
        for (const fix of finding.fixes) {
          const fixed = applyEdits(text, fix.edits);
          const error = compile(file, fixed);
          assert.equal(
            error,
            undefined,
            `"${fix.title}" (line ${finding.location.startPoint.line + 1}) broke the build:\n${error}`,
          );
          const after = await analyse(file, fixed);
          const count = (r: FileResult) => r.findings.filter((x) => x.ruleId === finding.ruleId).length;
          assert.ok(
            count(after) < count(before),
            `"${fix.title}" left ${finding.ruleId} at line ${finding.location.startPoint.line + 1} flagged`,
          );
        }
      }
    });

    it(`${name}: fixing everything compiles, leaves nothing fixable, and is idempotent`, async () => {
      const e = await engine();
      const text = readFileSync(file, 'utf8');
      const once = fixText(e, text, file, allRulesConfig(), () => true, true);
      assert.equal(compile(file, once.text), undefined);
      const after = await analyse(file, once.text);
      assert.deepEqual(
        after.findings
          .filter((f) => f.fixes.some((x) => x.isPreferred))
          .map((f) => `${f.ruleId}:${f.location.startPoint.line + 1}`),
        [],
      );
      const twice = fixText(e, once.text, file, allRulesConfig(), () => true, true);
      assert.equal(twice.applied, 0);
      assert.equal(twice.text, once.text);
    });
  }

  it('a long owner declaration gets a local alias for its type; short ones do not', async () => {
    const file = join(FIXTURES, 'cpp/long_owner.cpp');
    const fixed = fixText(await engine(), readFileSync(file, 'utf8'), file, allRulesConfig(), () => true, true).text;
    assert.ok(
      fixed.includes(
        '  using SurfaceOwner = std::unique_ptr<SDL_Surface, decltype(&SDL_FreeSurface)>;\n  SurfaceOwner surface(',
      ),
      fixed,
    );
    assert.ok(
      fixed.split('\n').every((l) => l.length <= 100),
      'no line over 100 columns',
    );
    const short = join(FIXTURES, 'cpp/resources.cpp');
    const plain = fixText(await engine(), readFileSync(short, 'utf8'), short, allRulesConfig(), () => true, true).text;
    assert.ok(!/using \w+Owner =/.test(plain));
  });

  it('keeps CRLF line endings and indentation', async () => {
    for (const rel of ['cpp/resources.cpp', 'camera/camera_view.py', 'upscaler/src/utils/tiling_processor.cpp']) {
      const file = join(FIXTURES, rel);
      const crlf = readFileSync(file, 'utf8').replace(/\n/g, '\r\n');
      const fixed = fixText(await engine(), crlf, file, allRulesConfig(), () => true, true);
      assert.ok(fixed.applied > 0, rel);
      assert.doesNotMatch(fixed.text, /[^\r]\n/, `${rel}: a bare LF crept in`);
      assert.equal(compile(file, fixed.text.replace(/\r\n/g, '\n')), undefined);
    }
  });

  it('the per-instance cache helper really caches per instance and frees the instance', () => {
    const file = join(FIXTURES, 'render_pipeline/src/api/pipeline.py');
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-py-'));
    try {
      return engine().then((e) => {
        writeFileSync(
          join(dir, 'pipeline.py'),
          fixText(e, readFileSync(file, 'utf8'), file, allRulesConfig(), () => true, true).text,
        );
        const out = execFileSync(
          'python3',
          [
            '-c',
            [
              'import gc, weakref, pipeline',
              'p = pipeline.Pipeline([len], 8)',
              'assert p.pipeline_key(1) is p.pipeline_key(1)',
              'r = weakref.ref(p); del p; gc.collect()',
              'print("freed" if r() is None else "alive")',
            ].join('\n'),
          ],
          { cwd: dir, encoding: 'utf8' },
        );
        assert.equal(out.trim(), 'freed');
      });
    } finally {
      setTimeout(() => rmSync(dir, { recursive: true, force: true }), 0);
    }
  });
});

describe('no C++ fix in C code', () => {
  const src = [
    '#include <stdio.h>',
    '#include <stdlib.h>',
    'int first_byte(const char *path) {',
    '  FILE *f = fopen(path, "rb");',
    '  if (!f) return -1;',
    '  char *buf = malloc(16);',
    '  if (!buf) return -2;',
    '  if (fread(buf, 1, 16, f) != 16) return -3;',
    '  int c = buf[0];',
    '  free(buf);',
    '  fclose(f);',
    '  return c;',
    '}',
    '',
  ].join('\n');

  it('a .c file (and a header with no C++ in it) gets findings but no unique_ptr or scope guard', async () => {
    const e = await engine();
    for (const file of ['reader.c', 'reader.h']) {
      const { result } = e.analyzeText(src, 'cpp', { file, config: allRulesConfig() });
      const found = result.findings.filter((f) => f.ruleId === 'raw-c-resource');
      assert.ok(found.length >= 2, `${file}: ${found.length} findings`);
      assert.deepEqual(
        found.flatMap((f) => f.fixes.map((x) => x.title)).filter((t) => !t.startsWith('Ignore LeakLens')),
        [],
        file,
      );
    }
    // The same code as C++ gets owners, and the fixed file compiles as C++.
    const { result } = e.analyzeText(src, 'cpp', { file: 'reader.cpp', config: allRulesConfig() });
    assert.ok(result.findings.some((f) => f.fixes.some((x) => /unique_ptr|scope guard/.test(x.title))));
  });

  it('`leaklens check --fix` leaves a .c file byte for byte, and it still compiles as C', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-cfix-'));
    try {
      const file = join(dir, 'reader.c');
      writeFileSync(file, src);
      try {
        execFileSync(
          process.execPath,
          [
            join(__dirname, '..', '..', '..', 'bin', 'leaklens.js'),
            'check',
            '--fix',
            '--unsafe-fixes',
            '--no-cache',
            file,
          ],
          { stdio: 'pipe' },
        );
      } catch {
        // exit 1: findings remain
      }
      assert.equal(readFileSync(file, 'utf8'), src);
      execFileSync('gcc', ['-fsyntax-only', '-x', 'c', file], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
