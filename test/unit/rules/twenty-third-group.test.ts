// Shapes from the twenty-third group of real projects (haproxy, open62541, hexchat, util-linux, mgba, nmap,
// cloud-init, sabnzbd, setuptools, esphome, kivy, platformio): each a fixture of its own, beside the same
// shape the other way round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const C_RULE = 'raw-c-resource';
const PY_RULE = 'resource-without-context';

describe('raw-c-resource: a part of the object inserted into a tree by a call with no container word', () => {
  const TREE = (call: string) =>
    code`
    #include <stdlib.h>
    #include <string.h>
    struct entry { struct node node; char path[1]; };
    int add_cert(struct root *tree, const char *path, size_t len) {
        struct entry *entry = calloc(1, sizeof(*entry) + len + 1);
        if (!entry)
            return -1;
        memcpy(entry->path, path, len + 1);
        CALL;
        return 0;
    }`.replace('CALL', call);

  it('is not flagged: `ebst_insert(tree, &entry->node)` links the whole entry into the tree', async () => {
    // haproxy's jwt.c, mux_h1.c, server_state.c and stats.c.
    assert.deepEqual(await lines(TREE('ebst_insert(tree, &entry->node)'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('is flagged when the call only adds to a member (`atomic_add(&entry->refs, 1)`)', async () => {
    assert.deepEqual(await lines(TREE('atomic_add(&entry->refs, 1)'), 'cpp', C_RULE, 'f.c'), [5]);
  });
});

describe('raw-c-resource: the one argument of a registration', () => {
  const REGISTER = (call: string) =>
    code`
    #include <stdlib.h>
    struct kw_list { int n; };
    void http_req_keywords_register(struct kw_list *kwl);
    int declare(int n) {
        struct kw_list *akl = calloc(1, sizeof(*akl));
        if (!akl)
            return -1;
        akl->n = n;
        CALL;
        return 0;
    }`.replace('CALL', call);

  it('is not flagged: `http_req_keywords_register(akl)` keeps it in the keyword lists', async () => {
    // haproxy's hlua.c registers one keyword list per Lua action.
    assert.deepEqual(await lines(REGISTER('http_req_keywords_register(akl)'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('is flagged when the call only prints it (`dump_keywords(akl)`)', async () => {
    assert.deepEqual(await lines(REGISTER('dump_keywords(akl)'), 'cpp', C_RULE, 'f.c'), [5]);
  });
});

describe('raw-c-resource: released only when the call it was given to fails', () => {
  const REFER = (after: string) =>
    code`
    #include <stdio.h>
    #include <stdlib.h>
    int cell_printf(struct cell *ce, const char *fmt, const char *v) {
        char *data = NULL;
        int ret;
        if (asprintf(&data, fmt, v) < 0)
            return -1;
        ret = cell_refer_data(ce, data);
        if (ret < 0)
            free(data);
        AFTER
        return ret;
    }`.replace('AFTER', after);

  it('is not flagged: on success the cell refers to the data (util-linux `scols_cell_refer_data`)', async () => {
    assert.deepEqual(await lines(REFER(''), 'cpp', C_RULE, 'f.c'), []);
  });

  it('is flagged when the data is still used after the test: the call only read it', async () => {
    assert.deepEqual(await lines(REFER('puts(data);'), 'cpp', C_RULE, 'f.c'), [6]);
  });

  it('is flagged when the call is a known borrow (`fputs`) that fails', async () => {
    const borrow = REFER('').replace('ret = cell_refer_data(ce, data);', 'ret = fputs(data, stdout);');
    assert.deepEqual(await lines(borrow, 'cpp', C_RULE, 'f.c'), [6]);
  });
});

describe('raw-c-resource: a function of the file named like a library acquisition', () => {
  const READLINE = (ret: string) =>
    code`
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    static char *line = NULL;
    static int max_line_len = 1024;
    static char *readline(FILE *input) {
        if (fgets(line, max_line_len, input) == NULL)
            return NULL;
        while (strrchr(line, '\\n') == NULL) {
            max_line_len *= 2;
            line = (char *)realloc(line, max_line_len);
        }
        RET;
    }
    int count(FILE *fp) {
        int n = 0;
        line = (char *)malloc(max_line_len);
        while (readline(fp) != NULL)
            n++;
        free(line);
        return n;
    }`.replace('RET', ret);

  it("is not flagged: liblinear's `readline()` refills and returns a global buffer", async () => {
    assert.deepEqual(await lines(READLINE('return line'), 'cpp', C_RULE, 'f.c'), []);
  });

  it("is flagged when the file's `readline()` returns a fresh copy", async () => {
    assert.deepEqual(await lines(READLINE('return strdup(line)'), 'cpp', C_RULE, 'f.c'), [18]);
  });
});

describe('raw-c-resource: a pointer to the first member returned', () => {
  const CORE = (tail: string) =>
    code`
    #include <stdlib.h>
    #include <string.h>
    struct core { int flags; };
    struct gb_core { struct core d; int model; };
    struct core *gb_core_create(void) {
        struct gb_core *gbcore = malloc(sizeof(*gbcore));
        struct core *core = &gbcore->d;
        memset(core, 0, sizeof(*core));
        TAIL
    }`.replace('TAIL', tail);

  it('is not flagged: `core = &gbcore->d; return core;` hands the block to the caller (mgba)', async () => {
    assert.deepEqual(await lines(CORE('return core;'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('is flagged when only a copy of the member goes out', async () => {
    const copy = CORE('struct core *out = malloc(sizeof(*out)); *out = *core; return out;');
    assert.deepEqual(await lines(copy, 'cpp', C_RULE, 'f.c'), [6]);
  });
});

describe('raw-c-resource: a descriptor closed under `fd > -1`', () => {
  const NOTIFY = (guard: string) =>
    code`
    #include <sys/socket.h>
    #include <unistd.h>
    int notify(const char *msg, int len) {
        int ret = 1;
        int fd = -1;
        fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0) {
            ret = -1;
            goto end;
        }
        if (write(fd, msg, len) != len) {
            ret = -2;
            goto end;
        }
    end:
        if (GUARD)
            close(fd);
        return ret;
    }`.replace('GUARD', guard);

  it('is not flagged: `fd > -1` is `fd >= 0` (haproxy systemd.c)', async () => {
    assert.deepEqual(await lines(NOTIFY('fd > -1'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('is flagged when the label closes it only after a failure (`ret < 0`)', async () => {
    assert.deepEqual(await lines(NOTIFY('ret < 0'), 'cpp', C_RULE, 'f.c'), [6]);
  });
});

describe('resource-without-context: closed by hand, rebound to None, and closed again in `finally`', () => {
  const LOAD = (fin: string) =>
    code`
    import tempfile
    import urllib.request


    def load(url):
        data = fd = None
        try:
            fd = urllib.request.urlopen(url)
            tempfile.mkstemp()
            idata = fd.read()
            fd.close()
            fd = None
            data = idata
        except Exception:
            return None
        finally:
            FIN
        return data`.replace('FIN', fin);

  it('is not flagged: the `finally` closes what an exception before `fd = None` left open (kivy)', async () => {
    assert.deepEqual(await lines(LOAD('if fd:\n            fd.close()'), 'python', PY_RULE), []);
  });

  it('is flagged when the `finally` does something else', async () => {
    assert.deepEqual(await lines(LOAD('print(data)'), 'python', PY_RULE), [8]);
  });
});

describe('resource-without-context: an attribute closed through a local copy or by a subclass', () => {
  const TEXT_FILE = (close: string, sub = '') =>
    code`
    class TextFile:
        def __init__(self, filename):
            self.filename = filename
            self.file = open(filename)

        def close(self):
            CLOSE
    SUB`
      .replace('CLOSE', close)
      .replace('SUB', sub);

  it("is not flagged: `file = self.file; self.file = None; file.close()` (distutils' TextFile)", async () => {
    const alias = 'file = self.file\n        self.file = None\n        file.close()';
    assert.deepEqual(await lines(TEXT_FILE(alias), 'python', PY_RULE), []);
  });

  it('is not flagged when a subclass in the file closes it', async () => {
    const sub = '\nclass LineFile(TextFile):\n    def done(self):\n        self.file.close()\n';
    assert.deepEqual(await lines(TEXT_FILE('self.filename = None', sub), 'python', PY_RULE), []);
  });

  it('is flagged when nothing closes it, the copy only reads', async () => {
    const reads = 'file = self.file\n        return file.read()';
    assert.deepEqual(await lines(TEXT_FILE(reads), 'python', PY_RULE), [4]);
  });
});

describe('raw-c-resource: a buffer an object is set up around', () => {
  const RING = (setup: string) =>
    code`
    #include <stdlib.h>
    struct ring *ring_new(size_t size) {
        struct ring *ring = NULL;
        void *area = NULL;
        ring = malloc(sizeof(*ring));
        if (!ring)
            goto fail;
        area = malloc(size);
        if (!area)
            goto fail;
        SETUP;
        return ring;
    fail:
        free(area);
        free(ring);
        return NULL;
    }`.replace('SETUP', setup);

  it('is not flagged: `ring_init(ring, area, size)` makes the returned ring hold the area (haproxy)', async () => {
    assert.deepEqual(await lines(RING('ring_init(ring, area, size)'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('is flagged when the call only fills the area (`memset(area, 0, size)`)', async () => {
    assert.deepEqual(await lines(RING('memset(area, 0, size)'), 'cpp', C_RULE, 'f.c'), [8]);
  });

  it('is flagged when the object set up is the buffer itself (`buf_init(area, size)`)', async () => {
    assert.deepEqual(await lines(RING('buf_init(area, size)'), 'cpp', C_RULE, 'f.c'), [8]);
  });
});

describe('raw-c-resource: a same-file setup that builds around its parameter', () => {
  const SAME_FILE = (body: string) =>
    code`
    #include <stdlib.h>
    struct buffer { char *area; size_t size; };
    struct ring { struct buffer buf; };
    static void ring_setup(struct ring *ring, void *area, size_t size) {
        BODY;
    }
    struct ring *ring_new(size_t size) {
        struct ring *ring = malloc(sizeof(*ring));
        void *area;
        if (!ring)
            return NULL;
        area = malloc(size);
        if (!area) {
            free(ring);
            return NULL;
        }
        ring_setup(ring, area, size);
        return ring;
    }`.replace('BODY', body);

  it('is not flagged: `ring->buf = b_make(area, size)` keeps the area in the ring', async () => {
    assert.deepEqual(await lines(SAME_FILE('ring->buf = b_make(area, size)'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('is flagged when the setup stores a copy (`ring->buf = b_dup(area, size)`)', async () => {
    assert.deepEqual(await lines(SAME_FILE('ring->buf = b_dup(area, size)'), 'cpp', C_RULE, 'f.c'), [12]);
  });
});

describe('resource-without-context: closed by hand in module-level code', () => {
  const AT_TOP = code`
    name = input('Attr name: ')

    o = open('Output.txt', 'a')
    for line in open('Template.txt'):
        o.write(line.replace('ATTRNAME', name))
    o.close()`;
  const IN_FUNCTION = code`
    def write_upper(path, lines):
        o = open(path, 'w')
        for line in lines:
            o.write(line.upper())
        o.close()`;

  it('is not flagged at module level: an exception ends the script or fails the import (nping-dev)', async () => {
    assert.deepEqual(await lines(AT_TOP, 'python', PY_RULE, 'tool.py'), []);
  });

  it('is flagged in a function, which may run many times in a process', async () => {
    assert.deepEqual(await lines(IN_FUNCTION, 'python', PY_RULE, 'tool.py'), [2]);
  });
});

describe('resource-without-context: standard modules under their Python 2/3 compatibility names', () => {
  const REQUEST = (imports: string, make: string) =>
    code`
    IMPORTS


    def do_request(address, what):
        conn = MAKE(address, 8080)
        conn.request('GET', '', headers={'DomU_Request': what})
        output = conn.sock.recv(1024)
        conn.close()
        return output`
      .replace('IMPORTS', imports)
      .replace('MAKE', make);

  it("is flagged through `from six.moves import http_client` (cloud-init's CloudStack client)", async () => {
    const src = REQUEST('from six.moves import http_client', 'http_client.HTTPConnection');
    assert.deepEqual(await lines(src, 'python', PY_RULE), [5]);
  });

  it('is flagged through `import httplib`', async () => {
    assert.deepEqual(await lines(REQUEST('import httplib', 'httplib.HTTPConnection'), 'python', PY_RULE), [5]);
  });

  it('is not flagged for a project class of the same last name', async () => {
    const own = REQUEST('from .compat import http_client', 'http_client.HTTPConnection');
    assert.deepEqual(await lines(own, 'python', PY_RULE), []);
  });
});
