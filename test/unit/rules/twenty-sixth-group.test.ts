// Shapes from the twenty-sixth group of real projects (wget2, libgd, openjpeg, fluent-bit, lrzip, libzip,
// pelican, poetry, Nuitka, spyder, thumbor, jupyterhub): each a fixture of its own, beside the same shape
// the other way round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const C_RULE = 'raw-c-resource';
const PY_RULE = 'resource-without-context';

describe("raw-c-resource: a project's branch hint says what its argument says", () => {
  const ALLOC = (test: string) =>
    code`
    #include <stdio.h>
    #include <stdlib.h>
    void *mem_alloc(const size_t size)
    {
        void *aux = malloc(size);
        if (TEST) {
            perror("malloc");
            return NULL;
        }
        return aux;
    }
    `.replace('TEST', test);

  it("is not flagged: `mk_unlikely(!aux && size)` goes true only with nothing allocated (monkey's mk_memory.h)", async () => {
    assert.deepEqual(await lines(ALLOC('mk_unlikely(!aux && size)'), 'cpp', C_RULE, 'mk_memory.h'), []);
  });

  it('flags the return taken with the block held (`mk_unlikely(size > 64)`)', async () => {
    assert.deepEqual(await lines(ALLOC('mk_unlikely(size > 64)'), 'cpp', C_RULE, 'mk_memory.h'), [5]);
  });
});

describe("raw-c-resource: a test framework's check returns its condition", () => {
  const LOOP = (second: string) =>
    code`
    #include <stdio.h>
    void test_print(int n)
    {
        FILE *fp = NULL;
        for (int i = 0; i < n; i++) {
            fp = tmpfile();
            if (!TEST_CHECK(fp != NULL)) {
                continue;
            }
            if (!TEST_CHECK(fputs("x", fp) != EOF)) {
                SECOND
                continue;
            }
            fclose(fp);
        }
    }
    `.replace('SECOND', second);

  it("is not flagged: `if (!TEST_CHECK(fp != NULL)) continue;` holds nothing (fluent-bit's cfl tests)", async () => {
    assert.deepEqual(await lines(LOOP('fclose(fp);'), 'cpp', C_RULE, 'variant.c'), []);
  });

  it('flags the `continue` that skips the fclose', async () => {
    assert.deepEqual(await lines(LOOP('TEST_MSG("print failed");'), 'cpp', C_RULE, 'variant.c'), [6]);
  });
});

describe('resource-without-context: a temporary read at a module top level runs once, at import', () => {
  it("is not flagged: `BLANK = open(path).read()` at module level (spyder's templates)", async () => {
    const src = code`
      import os
      BLANK = open(os.path.join(TEMPLATES, "blank.html")).read()
      class Client:
          LOADING = open(os.path.join(TEMPLATES, "loading.html")).read()
      `;
    assert.deepEqual(await lines(src, 'python', PY_RULE, 'client.py'), []);
  });

  it('flags the same read in a function, or in a module-level `while` loop', async () => {
    const src = code`
      def template(path):
          return open(path).read()
      while True:
          LINE = open("/proc/loadavg").read()
      `;
    assert.deepEqual(await lines(src, 'python', PY_RULE, 'client.py'), [2, 4]);
  });
});

describe('raw-c-resource: a helper of the file that ends in exit() ends the path', () => {
  const TOOL = (usage: string) =>
    code`
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    static void usage(void) {
        fprintf(stderr, "usage: tool N\\n");
        USAGE_END
    }
    int run(const char *s, int n) {
        char *buf = strdup(s);
        if (!buf)
            return -1;
        if (n < 0) {
            usage();
            return 2;
        }
        free(buf);
        return 0;
    }
    `.replace('USAGE_END', usage);

  it("is not flagged: `usage()` ends in exit(), so the return after it is never taken (libzpaq's error())", async () => {
    assert.deepEqual(await lines(TOOL('exit(2);'), 'cpp', C_RULE, 'tool.c'), []);
  });

  it('flags it when the helper only prints', async () => {
    assert.deepEqual(await lines(TOOL('fflush(stderr);'), 'cpp', C_RULE, 'tool.c'), [9]);
  });
});

describe('resource-without-context: PIL reading a stream it was given opens nothing', () => {
  it("is not flagged: `Image.open(buff).verify()` inside `with BytesIO(buffer) as buff:` (thumbor's gif engine)", async () => {
    const src = code`
      from io import BytesIO
      from PIL import Image
      def check(buffer):
          with BytesIO(buffer) as buff:
              Image.open(buff).verify()
          Image.open(BytesIO(buffer)).verify()
      `;
    assert.deepEqual(await lines(src, 'python', PY_RULE, 'gif.py'), []);
  });

  it('flags `Image.open(path).verify()`: PIL opened the file and nothing closes it', async () => {
    const src = code`
      from PIL import Image
      def check(path):
          Image.open(path).verify()
      `;
    assert.deepEqual(await lines(src, 'python', PY_RULE, 'gif.py'), [3]);
  });
});
