// Shapes from the eighteenth group of real projects (htslib, alsa-lib, glances, ...; judged before any
// tuning on it): each a fixture of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('raw-c-resource: a release given a choice of pointers', () => {
  const GROW = (release: string) => code`
    int grow(int n) {
        int *vals = NULL;
        int alloc = 0;
        for (int i = 0; i < n; i++) {
            if (i >= alloc) {
                alloc = alloc ? alloc * 2 : 1024;
                int *vals_tmp = realloc(vals, alloc * sizeof(int));
                if (!vals_tmp) {
                    ${release}
                    return -1;
                }
                vals = vals_tmp;
            }
            vals[i] = i;
        }
        free(vals);
        return 0;
    }`;

  it('`free(tmp ? tmp : old)` releases the new block when there is one: no leak', async () => {
    assert.deepEqual(await lines(GROW('free(vals_tmp ? vals_tmp : vals);'), 'cpp', RULE, 'stats.c'), []);
    assert.deepEqual(await lines(GROW('free((vals_tmp) ? (vals_tmp) : (vals));'), 'cpp', RULE, 'stats.c'), []);
  });

  it('a choice that only tests the resource frees another one: the early return leaks it', async () => {
    const pick = code`
      int pick(int n) {
          char *a = malloc(n);
          char *b = malloc(n);
          if (!a || !b) {
              free(a ? b : b);
              return -1;
          }
          free(a);
          free(b);
          return 0;
      }`;
    assert.deepEqual(await lines(pick, 'cpp', RULE, 'pick.c'), [2]);
  });
});

describe('raw-c-resource: a comment inside a multi-line macro in the function', () => {
  const TRIM = (comment: string) => code`
    int trim(int n, int type)
    {
        int i, ret = 0;
        int *ac = (int *) calloc(n, sizeof(int));
        #define BRANCH(type_t) { \\
            for (i = 0; i < n; i++) { \\
                if (i > 5) break; ${comment} \\
                if (i < 0) { \\
                    ret = -1; \\
                    goto clean; \\
                } \\
                ac[i]++; \\
            } \\
        }
        switch (type) {
            case 1: BRANCH(int8_t); break;
            default: goto clean;
        }
        #undef BRANCH
        ret = ac[0];
    clean:
        free(ac);
        return ret;
    }`;

  it('the macro body stays a macro: the cleanup label frees it on every path', async () => {
    assert.deepEqual(await lines(TRIM('/* smaller ploidy */'), 'cpp', RULE, 'vcfutils.c'), []);
    assert.deepEqual(await lines(TRIM(''), 'cpp', RULE, 'vcfutils.c'), []);
  });

  it('a leak after such a macro is still found', async () => {
    const leaky = TRIM('/* smaller ploidy */').replace('free(ac);', 'use(ac);');
    assert.deepEqual(await lines(leaky, 'cpp', RULE, 'vcfutils.c'), [4]);
  });
});

describe('raw-c-resource: the only argument of a setter', () => {
  const INIT = (last: string) => code`
    bool subid_init(FILE *logfd)
    {
        FILE *fp;
        if (logfd) {
            log_set_logfd(logfd);
            return true;
        }
        fp = fopen("/dev/null", "w");
        if (!fp)
            return false;
        ${last}
        return true;
    }`;

  it('`log_set_logfd(fp)` keeps the stream it sets: no leak', async () => {
    assert.deepEqual(await lines(INIT('log_set_logfd(fp);'), 'cpp', RULE, 'api.c'), []);
  });

  it('a call that only writes to it keeps nothing: the stream leaks', async () => {
    assert.deepEqual(await lines(INIT('log_write(fp);'), 'cpp', RULE, 'api.c'), [8]);
  });
});

describe('raw-c-resource: a status kept in a variable, then tested', () => {
  const PUSH = (call: string) => code`
    void process_file(struct im *im, const char *data) {
        char *file = strdup(data);
        if (!file)
            return;
        bool ok = ${call};
        if (!ok) {
            free(file);
        }
    }`;

  it('freed where the call it was given failed: on success the call owns it', async () => {
    assert.deepEqual(await lines(PUSH('file_pusher_request(im->fp, 1, file)'), 'cpp', RULE, 'input.c'), []);
  });

  it('a status of a call that was not given it says nothing: the success path leaks it', async () => {
    assert.deepEqual(await lines(PUSH('check_request(im->fp)'), 'cpp', RULE, 'input.c'), [2]);
  });
});

describe('raw-c-resource: PyRun_FileEx with closeit', () => {
  const RUN = (closeit: string) => code`
    int run_script(const char *file, PyObject *globals) {
        FILE *fp = fopen(file, "r");
        if (fp == NULL)
            return -1;
        PyObject *r = PyRun_FileEx(fp, file, Py_file_input, globals, globals, ${closeit});
        return r ? 0 : -1;
    }`;

  it('a true closeit has Python close the file', async () => {
    assert.deepEqual(await lines(RUN('1'), 'cpp', RULE, 'python.c'), []);
  });

  it('closeit 0 leaves it open', async () => {
    assert.deepEqual(await lines(RUN('0'), 'cpp', RULE, 'python.c'), [2]);
  });
});

describe('resource-without-context: a pipeline whose stages are reaped through another name', () => {
  it('`p_last = p` then `p_last.communicate()`: no finding; a process only read from is still one', async () => {
    const src = code`
      from subprocess import Popen, PIPE
      def secure_popen(cmd):
          stdin = None
          p_last = None
          for sub_cmd in cmd.split('|'):
              p = Popen(sub_cmd.split(), stdin=stdin, stdout=PIPE, stderr=PIPE)
              if p_last is not None:
                  p_last.stdout.close()
                  p_last.wait()
              p_last = p
              stdin = p.stdout
          return p_last.communicate()
      def leaky(cmd):
          p = Popen(cmd, stdout=PIPE)
          return p.stdout.read()
    `;
    assert.deepEqual(await lines(src, 'python', 'resource-without-context'), [14]);
  });
});

describe('raw-c-resource: C code that names things with C++ keywords', () => {
  const PAYLOAD = (store: string) => code`
    static void set_item(struct payload *ep, const char *name, struct item *new)
    {
        struct item *old;
        new->name = strdup(name);
        ${store}
    }
    void set_time(struct payload *ep, const char *name, long value)
    {
        struct item *epi;
        epi = calloc(1, sizeof *epi);
        epi->time = value;
        set_item(ep, name, epi);
    }`;

  it('in a .c file, a `struct item *new` parameter is a name: the helper that stores it is read', async () => {
    const src = PAYLOAD('old = RB_INSERT(payload_tree, &ep->items, new);');
    assert.deepEqual(await lines(src, 'cpp', RULE, 'events-payload.c'), []);
  });

  it('a helper that only reads it keeps nothing: the block leaks', async () => {
    const src = PAYLOAD('log_item(ep, new->name);');
    assert.deepEqual(await lines(src, 'cpp', RULE, 'events-payload.c'), [10]);
  });
});

describe('messages name what the C source names', () => {
  it("a `.c` file's `this` is reported as `this`", async () => {
    const src = code`
      void *make(int n) {
          struct inst *this = malloc(sizeof *this);
          if (!this)
              return NULL;
          if (n < 0)
              return NULL;
          return this;
      }`;
    const found = await findings(src, 'cpp', { rule: RULE, file: 'turbojpeg.c' });
    assert.deepEqual(
      found.map((f) => f.location.startPoint.line + 1),
      [2],
    );
    assert.match(found[0].message, /^`this` from `malloc\(\)`/);
  });
});
