// Code that runs once per invocation (build and release scripts, converters, vendored build systems):
// reviewers judged its error-path leaks false alarms, since the process exits right after. Each
// negative case has a positive twin: a loop, a long-running program, library code, or an opt-out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isOneShotFile } from '../../../src/core/one-shot';
import { DEFAULT_ONE_SHOT_DIRS } from '../../../src/core/config';
import { code, config, lines } from '../helpers';

const converter = code`
  int load_model(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    int magic = 0;
    if (fread(&magic, sizeof magic, 1, fp) != 1) return -1;
    fclose(fp);
    return magic;
  }`;

const perInput = code`
  int convert_all(char **paths, int n) {
    for (int i = 0; i < n; i++) {
      FILE *fp = fopen(paths[i], "rb");
      if (!fp) continue;
      if (getc(fp) == EOF) continue;
      fclose(fp);
    }
    return 0;
  }`;

const pyScript = code`
  def write_table(path, rows):
      out = open(path, "w")
      out.write(render(rows))
      out.close()
  `;

describe('one-shot code: reclaimed at exit', () => {
  it('does not report an error-path leak in a top-level tools/ converter', async () => {
    assert.deepEqual(await lines(converter, 'cpp', 'raw-c-resource', 'tools/onnx/load.c'), []);
    assert.deepEqual(await lines(converter, 'cpp', 'raw-c-resource', 'TOOLS/load.c'), []);
  });

  it('still reports the same leak in library code', async () => {
    assert.deepEqual(await lines(converter, 'cpp', 'raw-c-resource', 'src/load.c'), [2]);
  });

  it('still reports a leak per iteration of a loop (a converter run over many inputs)', async () => {
    assert.deepEqual(await lines(perInput, 'cpp', 'raw-c-resource', 'tools/convert_all.c'), [3]);
  });

  it('still reports long-running programs that live in tools/ (servers, daemons)', async () => {
    assert.deepEqual(await lines(converter, 'cpp', 'raw-c-resource', 'tools/model_server.c'), [2]);
  });

  it('reports everything when the project sets oneShotDirs to []', async () => {
    const all = config({ oneShotDirs: [] });
    assert.deepEqual(await lines(converter, 'cpp', 'raw-c-resource', 'tools/load.c', all), [2]);
  });

  it('treats a C or C++ test program as one-shot: only a leak per loop iteration is reported', async () => {
    const neverFreed = code`
      static void test_paths(void **state) {
        char *path = malloc(4096);
        snprintf(path, 4096, "%s/x", base);
        assert_string_equal(path, expected);
      }`;
    assert.deepEqual(await lines(neverFreed, 'cpp', 'raw-c-resource', 'bootloader/tests/test_paths.c'), []);
    assert.deepEqual(await lines(perInput, 'cpp', 'raw-c-resource', 'tests/convert_test.c'), [3]);
    // A test server serves many tests in one process; library code is library code.
    assert.deepEqual(await lines(neverFreed, 'cpp', 'raw-c-resource', 'tests/server/test_paths.c'), [2]);
    assert.deepEqual(await lines(neverFreed, 'cpp', 'raw-c-resource', 'src/paths.c'), [2]);
    // `oneShotDirs: []` reports everything, test programs too.
    const all = config({ oneShotDirs: [] });
    assert.deepEqual(await lines(neverFreed, 'cpp', 'raw-c-resource', 'bootloader/tests/test_paths.c', all), [2]);
  });

  it('takes a project-specific list in place of the default one', async () => {
    const custom = config({ oneShotDirs: ['codegen'] });
    assert.deepEqual(await lines(converter, 'cpp', 'raw-c-resource', 'codegen/load.c', custom), []);
    assert.deepEqual(await lines(converter, 'cpp', 'raw-c-resource', 'tools/load.c', custom), [2]);
  });

  it('counts what a loop iterates over as evaluated once (`for l in open(p).readlines()`)', async () => {
    const src = code`
      def requirements(path):
          return [strip(l) for l in open(path).readlines()]
      def each(paths):
          return [open(p).read() for p in paths]
      `;
    assert.deepEqual(await lines(src, 'python', 'resource-without-context', 'setup.py'), [4]);
  });

  it('does not report a Python build script closing by hand, nor setup.py', async () => {
    assert.deepEqual(await lines(pyScript, 'python', 'resource-without-context', 'scripts/gen_table.py'), []);
    assert.deepEqual(await lines(pyScript, 'python', 'resource-without-context', 'setup.py'), []);
    assert.deepEqual(await lines(pyScript, 'python', 'resource-without-context', 'pkg/gen_table.py'), [2]);
  });
});

describe('isOneShotFile', () => {
  it('tells a library package named tools apart from a vendored build system', () => {
    const root = mkdtempSync(join(tmpdir(), 'leaklens-oneshot-'));
    // mitmproxy/tools/console/: a package inside the package, so importable library code.
    mkdirSync(join(root, 'proxy', 'tools', 'console'), { recursive: true });
    writeFileSync(join(root, 'proxy', '__init__.py'), '');
    writeFileSync(join(root, 'proxy', 'tools', '__init__.py'), '');
    // bootloader/waflib/: a top-level package of its own, vendored waf.
    mkdirSync(join(root, 'bootloader', 'waflib'), { recursive: true });
    writeFileSync(join(root, 'bootloader', 'waflib', '__init__.py'), '');
    const dirs = [...DEFAULT_ONE_SHOT_DIRS];
    assert.equal(isOneShotFile(join(root, 'proxy', 'tools', 'console', 'flowlist.py'), dirs), false);
    assert.equal(isOneShotFile(join(root, 'bootloader', 'waflib', 'Context.py'), dirs), true);
    assert.equal(isOneShotFile(join(root, 'tools', 'convert.c'), dirs), true);
    assert.equal(isOneShotFile(join(root, 'src', 'tools.c'), dirs), false);
    // Sphinx's configuration runs once per docs build.
    assert.equal(isOneShotFile(join(root, 'docs', 'source', 'conf.py'), dirs), true);
    assert.equal(isOneShotFile(join(root, 'pkg', 'conf.py'), dirs), false);
  });

  it("counts a package's scripts/ (its subcommands) and a project's docs listings as one-shot, in Python", () => {
    const root = mkdtempSync(join(tmpdir(), 'leaklens-oneshot-'));
    mkdirSync(join(root, 'master', 'buildbot', 'scripts'), { recursive: true });
    writeFileSync(join(root, 'master', 'buildbot', '__init__.py'), '');
    const dirs = [...DEFAULT_ONE_SHOT_DIRS];
    assert.equal(isOneShotFile(join(root, 'master', 'buildbot', 'scripts', 'dataspec.py'), dirs), true);
    assert.equal(isOneShotFile(join(root, 'docs', 'howto', 'listings', 'udp.py'), dirs), true);
    // Not C's docs (examples there are copied into programs), nor a package's other folders.
    assert.equal(isOneShotFile(join(root, 'docs', 'example.c'), dirs), false);
    assert.equal(isOneShotFile(join(root, 'master', 'buildbot', 'data', 'base.py'), dirs), false);
    // `[]` turns it all off.
    assert.equal(isOneShotFile(join(root, 'master', 'buildbot', 'scripts', 'dataspec.py'), []), false);
  });
});
