// Suppressions a project wrote for another tool's check of the same risk (ruff, pylint, clang-tidy,
// cppcheck, Coverity) silence the LeakLens rule there, with that tool's own scope; other codes do not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from './helpers';

const PY_RULE = 'resource-without-context';
const C_RULE = 'raw-c-resource';

const READ = (comment: string, above = '') =>
  code`
  def read(path):
      ABOVEf = open(path)  COMMENT
      data = f.read()
      parse(data)
      f.close()
      return data`
    .replace('ABOVE', above ? `${above}\n    ` : '')
    .replace('  COMMENT', comment ? `  ${comment}` : '');

describe('foreign suppressions in Python', () => {
  it('flags the unsuppressed shape', async () => {
    assert.deepEqual(await lines(READ(''), 'python', PY_RULE), [2]);
  });

  it('takes `# noqa: SIM115` (ruff, flake8-simplify) on the line, among other codes', async () => {
    assert.deepEqual(await lines(READ('# noqa: E501, SIM115'), 'python', PY_RULE), []);
  });

  it('does not take a bare `# noqa` or another code', async () => {
    assert.deepEqual(await lines(READ('# noqa'), 'python', PY_RULE), [2]);
    assert.deepEqual(await lines(READ('# noqa: E501'), 'python', PY_RULE), [2]);
  });

  it('takes `# ruff: noqa: SIM115` on a line of its own for the whole file', async () => {
    assert.deepEqual(await lines(`# ruff: noqa: SIM115\n${READ('')}`, 'python', PY_RULE), []);
  });

  it('takes pylint `disable=consider-using-with` (and R1732) trailing, or `disable-next` above', async () => {
    assert.deepEqual(await lines(READ('# pylint: disable=consider-using-with'), 'python', PY_RULE), []);
    assert.deepEqual(await lines(READ('# pylint: disable=R1732'), 'python', PY_RULE), []);
    assert.deepEqual(await lines(READ('', '# pylint: disable-next=consider-using-with'), 'python', PY_RULE), []);
  });

  it('holds a pylint disable on a line of its own to the end of its block, as pylint does', async () => {
    const two = code`
    def read(path):
        if path:
            # pylint: disable=consider-using-with
            f = open(path)
            data = f.read()
            parse(data)
            f.close()
        g = open(path)
        data = g.read()
        parse(data)
        g.close()
        return data`;
    assert.deepEqual(await lines(two, 'python', PY_RULE), [8]);
  });

  it('ends a pylint disable at a matching enable', async () => {
    const enabled = READ('', '# pylint: disable=consider-using-with\n    # pylint: enable=consider-using-with');
    assert.deepEqual(await lines(enabled, 'python', PY_RULE), [4]);
  });
});

const LEAK = (comment: string, above = '', atReturn = '') =>
  code`
  #include <stdlib.h>
  int fill(int n) {
      ABOVEchar *p = malloc(n);  COMMENT
      if (!p)
          return -1;
      RETURNif (n > 3)
          return 1;
      free(p);
      return 0;
  }`
    .replace('ABOVE', above ? `${above}\n    ` : '')
    .replace('  COMMENT', comment ? `  ${comment}` : '')
    .replace('RETURN', atReturn ? `${atReturn}\n    ` : '');

describe('foreign suppressions in C', () => {
  it('flags the unsuppressed shape', async () => {
    assert.deepEqual(await lines(LEAK(''), 'cpp', C_RULE, 'f.c'), [3]);
  });

  it('takes `NOLINT(clang-analyzer-unix.Malloc)` on the line and globs over it', async () => {
    assert.deepEqual(await lines(LEAK('// NOLINT(clang-analyzer-unix.Malloc)'), 'cpp', C_RULE, 'f.c'), []);
    assert.deepEqual(await lines(LEAK('// NOLINT(clang-analyzer-*)'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('does not take a bare `NOLINT` or an unrelated check', async () => {
    assert.deepEqual(await lines(LEAK('// NOLINT'), 'cpp', C_RULE, 'f.c'), [3]);
    assert.deepEqual(await lines(LEAK('// NOLINT(readability-magic-numbers)'), 'cpp', C_RULE, 'f.c'), [3]);
  });

  it('takes NOLINTNEXTLINE above and a NOLINTBEGIN/NOLINTEND region', async () => {
    const next = LEAK('', '// NOLINTNEXTLINE(clang-analyzer-unix.Malloc)');
    assert.deepEqual(await lines(next, 'cpp', C_RULE, 'f.c'), []);
    const region = `// NOLINTBEGIN(clang-analyzer-unix.Malloc)\n${LEAK('')}\n// NOLINTEND(clang-analyzer-unix.Malloc)\n`;
    assert.deepEqual(await lines(region, 'cpp', C_RULE, 'f.c'), []);
    const closed = `// NOLINTBEGIN(clang-analyzer-unix.Malloc)\n// NOLINTEND(clang-analyzer-unix.Malloc)\n${LEAK('')}`;
    assert.deepEqual(await lines(closed, 'cpp', C_RULE, 'f.c'), [5]);
  });

  it('takes `cppcheck-suppress memleak` above the line', async () => {
    assert.deepEqual(await lines(LEAK('', '// cppcheck-suppress memleak'), 'cpp', C_RULE, 'f.c'), []);
    assert.deepEqual(await lines(LEAK('', '// cppcheck-suppress uninitvar'), 'cpp', C_RULE, 'f.c'), [4]);
  });

  it('takes `coverity[leaked_storage]` above the return that loses the pointer', async () => {
    assert.deepEqual(await lines(LEAK('', '', '/* coverity[leaked_storage] */'), 'cpp', C_RULE, 'f.c'), []);
    assert.deepEqual(await lines(LEAK('', '', '/* coverity[dead_error_line] */'), 'cpp', C_RULE, 'f.c'), [3]);
  });
});
