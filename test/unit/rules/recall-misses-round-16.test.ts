// Leaks the fourteenth and fifteenth groups' projects shipped and later fixed (bench/recall, set
// "fourteenth-fifteenth") that LeakLens missed before this round: each shape written here as a
// fixture of its own, beside the correct code that must stay quiet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, config, lines } from '../helpers';

const RULE = 'raw-c-resource';
const INFER = config({ rules: { 'raw-c-resource': { options: { inferResourcePairs: true } } } });

describe('raw-c-resource: a format macro glued to a string in a C file', () => {
  // C++ reads `"%"PRIu64` as a user-defined literal; the C++ grammar then leaves an ERROR in the call.
  const CACHE_FILE = (early: string) => code`
    int cache_file(const char *fname, const unsigned char *buf, size_t bufsize, long index) {
        FILE *f = fopen(fname, "ab");
        long len;
        size_t c;
        if (f == NULL)
            return 0;
        len = ftell(f);
        if (index > len) {
            ${early}
        }
        c = fwrite(buf, 1, bufsize, f);
        fclose(f);
        if (c != bufsize) {
            log_error("fwrite() wrote only %"PRIuSIZE" bytes", c);
            return -1;
        }
        return 0;
    }`;

  it('still reads the function: the early return leaks the stream', async () => {
    assert.deepEqual(await lines(CACHE_FILE('return 0;'), 'cpp', RULE, 'cache.c'), [2]);
  });

  it('and stays quiet when that path closes it', async () => {
    assert.deepEqual(await lines(CACHE_FILE('fclose(f);\n        return 0;'), 'cpp', RULE, 'cache.c'), []);
  });
});

describe('raw-c-resource: an initialiser whose status is kept', () => {
  const ADD_ENTRY = (onFailure: string) => code`
    static struct entry *add_entry(struct table *t, const struct nv *nv) {
        int rv;
        struct entry *ent = malloc(sizeof(struct entry));
        if (ent == NULL)
            return NULL;
        rv = entry_init(ent, t->len, nv->name, nv->namelen);
        if (rv != 0) {
            ${onFailure}
            return NULL;
        }
        t->entries[t->len++] = ent;
        return ent;
    }`;

  it('`rv = entry_init(ent, ...)` sets ent up and keeps nothing: the failure return leaks it', async () => {
    assert.deepEqual(await lines(ADD_ENTRY(''), 'cpp', RULE, 'hd.c'), [3]);
  });

  it('freed on that path: no leak', async () => {
    assert.deepEqual(await lines(ADD_ENTRY('free(ent);'), 'cpp', RULE, 'hd.c'), []);
  });

  it('an initialiser named for another type may keep it (collectd: a subscriber thread takes the config)', async () => {
    assert.deepEqual(
      await lines(
        code`
      static int config_connection(struct item *ci) {
          int status;
          struct config *conf = calloc(1, sizeof(*conf));
          if (conf == NULL)
              return ENOMEM;
          status = subscribe_init(conf);
          if (status != 0) {
              config_free(conf);
              return status;
          }
          return 0;
      }`,
        'cpp',
        RULE,
        'amqp.c',
      ),
      [],
    );
  });

  it('a constructor whose result is an object still keeps what it is given', async () => {
    assert.deepEqual(
      await lines(
        code`
      static struct stream *open_stream(struct ctx *c) {
          struct stream *s;
          unsigned char *buf = malloc(4096);
          if (buf == NULL)
              return NULL;
          s = stream_init(buf, 4096);
          log_debug("stream ready");
          return s;
      }`,
        'cpp',
        RULE,
        'stream.c',
      ),
      [],
    );
  });
});

describe('raw-c-resource: a container made by `new` and never deleted', () => {
  const TRUNCATE = (after: string) => code`
    void Entry::truncateHistory(int maxSize) {
        int size = 0;
        QList<QByteArray>* found = new QList<QByteArray>();
        attachments()->collectSizes(found);
        for (Entry* e : m_history) {
            if (size <= maxSize)
                size += e->getSize(found);
        }
        ${after}
    }`;

  it('filled by calls and dropped: it leaks every time', async () => {
    assert.deepEqual(await lines(TRUNCATE(''), 'cpp', RULE, 'Entry.cpp'), [3]);
  });

  it('deleted at the end, or handed to the caller: no leak', async () => {
    assert.deepEqual(await lines(TRUNCATE('delete found;'), 'cpp', RULE, 'Entry.cpp'), []);
    assert.deepEqual(await lines(TRUNCATE('m_found = found;'), 'cpp', RULE, 'Entry.cpp'), []);
  });

  it('an object of a class of its own, never deleted here, may live on: not reported', async () => {
    assert.deepEqual(
      await lines(
        code`
      void Window::openAbout() {
          AboutDialog* dialog = new AboutDialog();
          dialog->setAttribute(Qt::WA_DeleteOnClose);
          dialog->show();
      }`,
        'cpp',
        RULE,
        'Window.cpp',
      ),
      [],
    );
  });
});

describe('raw-c-resource: a method named close on an object made by `new`', () => {
  const RUN = (onFailure: string) => code`
    int runTool(const QString& program) {
        Runner* runner = new Runner(program);
        runner->start();
        if (!runner->waitForStarted()) {
            ${onFailure}
            return 1;
        }
        int code = runner->exitCode();
        delete runner;
        return code;
    }`;

  it('`close()` ends its channel, not its life: the early return leaks it', async () => {
    assert.deepEqual(await lines(RUN('runner->closeWriteChannel();'), 'cpp', RULE, 'Tool.cpp'), [2]);
  });

  it('`Release()`/`deleteLater()` end it: no leak', async () => {
    assert.deepEqual(await lines(RUN('runner->deleteLater();'), 'cpp', RULE, 'Tool.cpp'), []);
    assert.deepEqual(await lines(RUN('runner->Release();'), 'cpp', RULE, 'Tool.cpp'), []);
  });
});

describe('resource-without-context: the standard library borrows, pipes to commands, names rebound by `with`', () => {
  const PY = 'resource-without-context';

  it("a socket only given to ioctl() is still the function's to close", async () => {
    const src = (end: string) => code`
      import socket
      from fcntl import ioctl

      def loopback_address(name):
          s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
          try:
              return ioctl(s, 0x8915, name)
          except IOError:
              return None
          ${end}`;
    assert.deepEqual(await lines(src(''), 'python', PY), [5]);
    assert.deepEqual(await lines(src('finally:\n              s.close()'), 'python', PY), []);
  });

  it('os.popen() is a pipe and a child: an early return leaves both', async () => {
    const src = (before: string) => code`
      import os

      def first_address(ifname):
          fd = os.popen("ifconfig %s" % ifname)
          addresses = [l for l in fd if "inet " in l]
          ${before}
          if not addresses:
              return None
          return addresses[0]`;
    assert.deepEqual(await lines(src(''), 'python', PY), [4]);
    assert.deepEqual(await lines(src('fd.close()'), 'python', PY), []);
  });

  it('`with open(p) as fd` rebinds fd: the file opened before it into fd is never closed', async () => {
    const src = (probe: string) => code`
      def load_keys(filename):
          keys = {}
          try:
              ${probe}
          except FileNotFoundError:
              return {}
          with open(filename) as fd:
              for line in fd:
                  keys[line] = 1
          return keys`;
    assert.deepEqual(await lines(src('fd = open(filename)'), 'python', PY), [4]);
    assert.deepEqual(await lines(src('fd = open(filename)\n              fd.close()'), 'python', PY), []);
  });

  it('`with fd:` and `with fd.lock() as fd` manage the same file: no finding', async () => {
    const src = code`
      def read_all(path):
          fd = open(path)
          with fd:
              return fd.read()`;
    assert.deepEqual(await lines(src, 'python', PY), []);
  });
});

describe('raw-c-resource: a project allocator and its release, paired by name', () => {
  const SEND = (onLong: string) => code`
    int socks5_send(struct client *c) {
        unsigned char *packet;
        size_t slen;
        packet = client__calloc(1, 10);
        if (!packet)
            return ERR_NOMEM;
        slen = strlen(c->host);
        if (slen > UCHAR_MAX) {
            ${onLong}
            return ERR_NOMEM;
        }
        send_packet(c, packet);
        client__free(packet);
        return 0;
    }`;

  it('`client__calloc` freed with `client__free` on one path: the other return leaks it', async () => {
    assert.deepEqual(await lines(SEND(''), 'cpp', RULE, 'socks.c', INFER), [4]);
  });

  it('off by default: only the listed pairs are followed', async () => {
    assert.deepEqual(await lines(SEND(''), 'cpp', RULE, 'socks.c'), []);
  });

  it('a call the project may keep it through is a hand-off for a pair known only by name', async () => {
    assert.deepEqual(await lines(SEND('queue_packet(c, packet);'), 'cpp', RULE, 'socks.c', INFER), []);
  });

  it('freed on that path too: no leak', async () => {
    assert.deepEqual(await lines(SEND('client__free(packet);'), 'cpp', RULE, 'socks.c', INFER), []);
  });

  it('a release through the address (`ctx_close(&msg)`) pairs the same way', async () => {
    const src = (early: string) => code`
      int prepare_template(struct mailbox *m, struct email *e) {
          struct message *msg = mx_msg_open(m, e);
          if (!msg)
              return -1;
          if (seek_to(msg->fp, e->offset) != 0) {
              ${early}
              return -1;
          }
          copy_body(msg);
          mx_msg_close(m, &msg);
          return 0;
      }`;
    assert.deepEqual(await lines(src(''), 'cpp', RULE, 'postpone.c', INFER), [2]);
    assert.deepEqual(await lines(src('mx_msg_close(m, &msg);'), 'cpp', RULE, 'postpone.c', INFER), []);
  });

  it('no release of that name in the function: nothing is inferred (the value may be meant to live on)', async () => {
    assert.deepEqual(
      await lines(
        code`
      struct context *context_get(struct app *a) {
          struct context *ctx = context_new(a);
          if (ctx == NULL)
              return NULL;
          if (a->verbose)
              log_debug("context ready");
          register_context(a, ctx);
          return ctx;
      }`,
        'cpp',
        RULE,
        'app.c',
        INFER,
      ),
      [],
    );
  });

  it('a release of another prefix does not pair (`widget_new` with `buffer_free`)', async () => {
    assert.deepEqual(
      await lines(
        code`
      int make(struct app *a) {
          struct widget *w = widget_new(a);
          if (a->flags)
              return 1;
          buffer_free(w);
          return 0;
      }`,
        'cpp',
        RULE,
        'app.c',
        INFER,
      ),
      [],
    );
  });
});
