// Shapes the eleventh group of real projects (rsyslog, collectd, libzmq, MPD, docker-py, luigi,
// buildbot) showed, judged by reviewers before any tuning, and misses of the recall benchmark: each
// written here as a fixture of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('raw-c-resource: eleventh group', () => {
  it('a descriptor wrapped by fdopen is still ours when the wrap fails', async () => {
    const write = (onFailure: string) => code`
      int write_settings(char *tmp_name) {
          int fd = mkstemp(tmp_name);
          if (fd == -1)
              return -errno;
          FILE *fp;
          fp = fdopen(fd, "w");
          if (!fp) {
              ${onFailure}
              return -errno;
          }
          fprintf(fp, "x=1\\n");
          fclose(fp);
          return 0;
      }`;
    assert.deepEqual(await lines(write(''), 'cpp', RULE, 'settings.c'), [2]);
    assert.deepEqual(await lines(write('close(fd);'), 'cpp', RULE, 'settings.c'), []);
  });

  it('a wrap tested in its own condition, and one handed to the caller', async () => {
    const open = (onFailure: string) => code`
      FILE *open_temp(char *tmp_name) {
          int fd = mkstemp(tmp_name);
          if (fd < 0)
              return NULL;
          FILE *fp;
          if ((fp = fdopen(fd, "w+")) == NULL) {
              ${onFailure}
              return NULL;
          }
          return fp;
      }`;
    assert.deepEqual(await lines(open(''), 'cpp', RULE, 'tmp.c'), [2]);
    assert.deepEqual(await lines(open('unlink(tmp_name); close(fd);'), 'cpp', RULE, 'tmp.c'), []);
  });

  it('a comment before an argument does not shift the out-parameter taken', async () => {
    const lookup = (beforeFree: string) => code`
      int resolve(const char *address) {
          struct addrinfo *ai_list;
          struct addrinfo ai_hints = {.ai_family = AF_INET};
          int status = getaddrinfo(address, /* service = */ NULL, &ai_hints, &ai_list);
          if (status != 0)
              return status;
          ${beforeFree}
          freeaddrinfo(ai_list);
          return 0;
      }`;
    assert.deepEqual(await lines(lookup(''), 'cpp', RULE, 'resolve.c'), []);
    // The leak is reported on ai_list (the handle), never on the hints struct.
    assert.deepEqual(await lines(lookup('if (ai_list->ai_next == NULL) return -1;'), 'cpp', RULE, 'resolve.c'), [4]);
  });

  it('a switch on the acquisition status: only the success case holds it', async () => {
    const parse = (success: string) => code`
      int parse_ip(const char *ip, void **out) {
          struct addrinfo hints, *res;
          memset(&hints, 0, sizeof(hints));
          switch (getaddrinfo(ip, NULL, &hints, &res)) {
          case 0:
              ${success}
              break;
          case EAI_NONAME:
              *out = strdup(ip);
              break;
          default:
              return -1;
          }
          return 0;
      }`;
    assert.deepEqual(
      await lines(parse('*out = malloc(res->ai_addrlen); freeaddrinfo(res);'), 'cpp', RULE, 'parse.c'),
      [],
    );
    assert.deepEqual(await lines(parse('*out = malloc(res->ai_addrlen);'), 'cpp', RULE, 'parse.c'), [4]);
  });

  it('a class method named like a C function is not the C function', async () => {
    const connecter = code`
      void connecter_t::start_connecting() {
          const int rc = open();
          if (rc == 0)
              _handle = add_fd(_s);
      }`;
    assert.deepEqual(await lines(connecter, 'cpp', RULE, 'connecter.cpp'), []);
    const reader = code`
      int read_conf(const char *path) {
          int fd = open(path, O_RDONLY);
          if (fd < 0)
              return -1;
          char b[16];
          if (read(fd, b, sizeof b) < 0)
              return -1;
          close(fd);
          return 0;
      }`;
    assert.deepEqual(await lines(reader, 'cpp', RULE, 'conf.cpp'), [2]);
  });

  it('named failure codes beside `r = 0` on success are failures at the cleanup label', async () => {
    const decode = (cleanup: string) => code`
      int decode(const char *d, int n, imprint_t **out) {
          int r = 1;
          imprint_t *imp = NULL;
          if ((imp = calloc(1, sizeof(imprint_t))) == NULL) {
              r = RSGTE_OOM;
              goto done;
          }
          if (n != 8) {
              r = RSGTE_LEN;
              goto done;
          }
          *out = imp;
          r = 0;
      done:
          ${cleanup}
          return r;
      }`;
    assert.deepEqual(await lines(decode('if (r != 0 && imp != NULL) free(imp);'), 'cpp', RULE, 'rec.c'), []);
    assert.deepEqual(await lines(decode(''), 'cpp', RULE, 'rec.c'), [4]);
  });

  it('a macro of the file that frees the resource releases it where it is used', async () => {
    const query = (macroFrees: string) => code`
      int query(int n) {
          char **names = NULL;
          char **values = NULL;
      #define BAIL_OUT(status) \\
          sfree(names);        \\
          ${macroFrees}        \\
          return status
          names = calloc(n, sizeof(*names));
          if (names == NULL) {
              BAIL_OUT(-1);
          }
          values = calloc(n, sizeof(*values));
          if (values == NULL) {
              BAIL_OUT(-1);
          }
          BAIL_OUT(0);
      #undef BAIL_OUT
      }`;
    assert.deepEqual(await lines(query('sfree(values);'), 'cpp', RULE, 'pg.c'), []);
    assert.deepEqual(await lines(query('names = NULL;'), 'cpp', RULE, 'pg.c'), [12]);
  });

  it('a callee of the file that puts its argument on a list with a capitalised macro keeps it', async () => {
    const notify = (enqueue: string) => code`
      static int enqueue(msg_t *m) {
          ${enqueue}
          return 0;
      }
      int notify(const char *text) {
          msg_t *m = malloc(sizeof(*m));
          if (m == NULL)
              return -1;
          m->text = text;
          int status = enqueue(m);
          if (status != 0)
              msg_free(m);
          return status;
      }`;
    assert.deepEqual(await lines(notify('DEQ_INSERT_TAIL(out_messages, m);'), 'cpp', RULE, 'amqp.c'), []);
    assert.deepEqual(await lines(notify('log_msg(m);'), 'cpp', RULE, 'amqp.c'), [6]);
  });

  it("a helper of the file that frees its argument with the project's own sfree releases it", async () => {
    const create = (helperBody: string) => code`
      static void query_free_one(query_t *q) {
          if (q == NULL)
              return;
          ${helperBody}
      }
      int query_create(query_t ***list, int *len) {
          query_t *q = calloc(1, sizeof(*q));
          if (q == NULL)
              return -1;
          int status = parse(q);
          if (status != 0) {
              query_free_one(q);
              return -1;
          }
          (*list)[(*len)++] = q;
          return 0;
      }`;
    assert.deepEqual(await lines(create('sfree(q->name); sfree(q);'), 'cpp', RULE, 'db_query.c'), []);
    assert.deepEqual(await lines(create('sfree(q->name);'), 'cpp', RULE, 'db_query.c'), [7]);
  });

  it('`do { ... } while (1)` is left only by its breaks and returns', async () => {
    const listen = (onAbort: string) => code`
      void handle_sessions(inst_t *inst) {
          SSL *ssl = SSL_new(inst->ctx);
          if (ssl == NULL)
              return;
          do {
              int ret = DTLSv1_listen(ssl, inst->addr);
              if (ret > 0) {
                  inst->client = ssl;
                  break;
              } else if (ret == 0) {
                  continue;
              } else {
                  ${onAbort}
                  break;
              }
          } while (1);
      }`;
    assert.deepEqual(await lines(listen('SSL_free(ssl);'), 'cpp', RULE, 'dtls.c'), []);
    assert.deepEqual(await lines(listen('log_error(inst);'), 'cpp', RULE, 'dtls.c'), [2]);
  });

  it('a record literal handed to a registering call carries the pointer away', async () => {
    const init = (userData: string) => code`
      static int add_read_callback(inst_t *st) {
          if (set_defaults(st) != 0)
              return -1;
          return plugin_register_complex_read("memcached", "memcached/default", inst_read, 0,
                                              &(user_data_t){${userData}});
      }
      static int init(void) {
          inst_t *st = calloc(1, sizeof(*st));
          if (st == NULL)
              return ENOMEM;
          st->fd = -1;
          int status = add_read_callback(st);
          return status;
      }`;
    assert.deepEqual(await lines(init('.data = st, .free_func = inst_free'), 'cpp', RULE, 'mc.c'), []);
    assert.deepEqual(await lines(init('.data = NULL'), 'cpp', RULE, 'mc.c'), [8]);
  });

  it('a local object constructed from the pointer keeps it (`node_t node (data);`)', async () => {
    const make = (construct: string) => code`
      node_t make_node(size_t n) {
          unsigned char *data = static_cast<unsigned char *>(malloc(n));
          ${construct}
          node.set_refcount(0);
          return node;
      }`;
    assert.deepEqual(await lines(make('node_t node (data);'), 'cpp', RULE, 'radix_tree.cpp'), []);
    assert.deepEqual(await lines(make('node_t node (n);'), 'cpp', RULE, 'radix_tree.cpp'), [2]);
  });
});

describe('a function that parsed cleanly inside a region the grammar could not fit together', () => {
  // A split function header under `#if`/`#else` turns the whole `#ifdef` region into one ERROR node;
  // the functions in it still parse cleanly, and their findings stand (tesseract's openclwrapper.cpp).
  const file = (leakyRead: string) => code`
    #ifdef USE_OPENCL
    #include <cstdio>

    static int read_profile(const char *name, char **content) {
      FILE *input = fopen(name, "rb");
      if (input == nullptr) return 1;
      char *binary = new char[64];
      if (fread(binary, 1, 64, input) != 64) {
        fclose(input);
        ${leakyRead}
        return 2;
      }
      *content = binary;
      fclose(input);
      return 0;
    }

    #if defined(A)
    void setup() {
    #else
    void setup(int level) {
    #endif
      run();
    }
    #endif
  `;

  it('reports the leak in the clean function', async () => {
    assert.deepEqual(await lines(file(''), 'cpp', RULE, 'src/opencl/wrapper.cpp'), [7]);
    assert.deepEqual(await lines(file('delete[] binary;'), 'cpp', RULE, 'src/opencl/wrapper.cpp'), []);
  });
});

describe("raw-c-resource: the caller's must-free flag set through its pointer", () => {
  it('`*must_free = 1` right after the acquisition makes `if (*must_free == 1) free(res)` a sure release', async () => {
    const prop = (flag: string) => code`
      char *get_prop(const char *s, int *must_free) {
          char *res = strdup(s);
          if (res == NULL) {
              RET_OUT_OF_MEMORY;
          }
          ${flag}
          if (s[0] == 'x') {
              if (*must_free == 1) {
                  free(res);
                  *must_free = 0;
              }
              return "bad";
          }
          return res;
      }`;
    assert.deepEqual(await lines(prop('*must_free = 1;'), 'cpp', RULE, 'msg.c'), []);
    assert.deepEqual(await lines(prop('log_prop(s);'), 'cpp', RULE, 'msg.c'), [2]);
  });
});

describe('raw-c-resource: a formatted print with a plain format cannot fail', () => {
  it('the `< 0` branch after snprintf is dead unless the format has a wide conversion', async () => {
    const json = (format: string) => code`
      char *band_json(const char *name) {
          char *format = "${format}";
          int len = 64;
          char *json = calloc(1, len);
          if (!json)
              return NULL;
          int err = snprintf(json, len, format, name);
          if (err < 0)
              return NULL;
          return json;
      }`;
    assert.deepEqual(await lines(json('[%s]'), 'cpp', RULE, 'Arrow.c'), []);
    assert.deepEqual(await lines(json('[%ls]'), 'cpp', RULE, 'Arrow.c'), [4]);
  });
});

describe('raw-c-resource: a same-file callee that passes its argument on to one that keeps it', () => {
  it('keeps it too (zstd: assemble_table -> assemble_table2 -> table->names = names)', async () => {
    const table = (store: string) => code`
      static table_t *assemble_table2(const char **names, size_t n, char *buf) {
          table_t *const table = malloc(sizeof(*table));
          if (table == NULL) exit(1);
          ${store}
          table->buf = buf;
          table->size = n;
          return table;
      }
      table_t *assemble_table(const char **names, size_t n, char *buf) {
          return assemble_table2(names, n, buf);
      }
      table_t *create_table(size_t n, char *buf) {
          const char **names = malloc(n * sizeof(*names));
          if (names == NULL) { free(buf); return NULL; }
          table_t *t = assemble_table(names, n, buf);
          return t;
      }`;
    assert.deepEqual(await lines(table('table->names = names;'), 'cpp', RULE, 'util.c'), []);
    assert.deepEqual(await lines(table('table->names = NULL;'), 'cpp', RULE, 'util.c'), [13]);
  });
});

describe('growing-global: only growth that runs per event counts', () => {
  const GG = 'growing-global';

  it('functions called at configuration time are not per event (attach, addApiVersion, a memo)', async () => {
    const config = code`
      _attached_packages = []
      def attach(*packages):
          _attached_packages.extend(packages)

      class RestRoot:
          version_classes = {}
          @classmethod
          def add_api_version(cls, version, klass):
              cls.version_classes[version] = klass
    `;
    assert.deepEqual(await lines(config, 'python', GG, 'pkg/config.py'), []);
  });

  it('per instance (__init__), per request (a handler) and in a while loop, it is', async () => {
    const perInstance = code`
      _views = []
      class View:
          def __init__(self):
              _views.append(self)
    `;
    assert.deepEqual(await lines(perInstance, 'python', GG, 'pkg/views.py'), [1]);
    const perRequest = code`
      import tempfile
      _files = []
      def app(environ, start_response):
          _files.append(tempfile.mkstemp())
          start_response("200 OK", [])
          return [b"ok"]
    `;
    assert.deepEqual(await lines(perRequest, 'python', GG, 'pkg/app.py'), [2]);
    const server = code`
      _seen = []
      def serve_forever(sock):
          while True:
              data = sock.recv(4096)
              if not data:
                  break
              _seen.append(data)
    `;
    assert.deepEqual(await lines(server, 'python', GG, 'pkg/server.py'), [1]);
  });

  it("a script's loop that reads its input to the end is bounded by that input", async () => {
    const generator = code`
      #!/usr/bin/env python
      import sys
      HEADER_DIRECT = []
      def next_struct(filep):
          while True:
              line = filep.readline()
              if not line:
                  break
              HEADER_DIRECT.append(line)
      if __name__ == "__main__":
          next_struct(open(sys.argv[1]))
    `;
    assert.deepEqual(await lines(generator, 'python', GG, 'tools/rpcgen.py'), []);
  });
});

describe('unbounded-queue: producers bounded by what they hold or take', () => {
  const UQ = 'unbounded-queue';

  it('a loop over a collection the program holds puts a bounded number of items', async () => {
    const purge = (loop: string) => code`
      import multiprocessing
      class Worker:
          def __init__(self):
              self._results = multiprocessing.Queue()
              self._running = {}
          def purge_children(self):
              ${loop}
                  if not proc.is_alive():
                      self._results.put((pid, "FAILED"))
    `;
    assert.deepEqual(await lines(purge('for pid, proc in self._running.items():'), 'python', UQ, 'pkg/w.py'), []);
    // What a call yields may be an endless stream.
    assert.deepEqual(await lines(purge('for pid, proc in watch_children():'), 'python', UQ, 'pkg/w.py'), [4]);
  });

  it('a worker loop that takes one item per round and puts it back adds nothing', async () => {
    const worker = (take: string) => code`
      import queue, threading, time
      class Checker(threading.Thread):
          def __init__(self):
              super().__init__()
              self.wqueue = queue.PriorityQueue()
          def run(self):
              while True:
                  ${take}
                  if next_check > time.time():
                      self.wqueue.put((next_check, link), False)
                      continue
    `;
    assert.deepEqual(await lines(worker('next_check, link = self.wqueue.get()'), 'python', UQ, 'pkg/c.py'), []);
    assert.deepEqual(await lines(worker('next_check, link = poll_links()'), 'python', UQ, 'pkg/c.py'), [5]);
  });

  it("a stage that takes from one queue and puts on another passes a stream through (seed 003's workers)", async () => {
    const stage = code`
      import multiprocessing as mp
      def render_loop(task_q, stop):
          while not stop.is_set():
              frame_id, params = task_q.get(timeout=0.1)
              result_q.put((frame_id, bytes(1024)))
      result_q = mp.Queue()
    `;
    assert.deepEqual(await lines(stage, 'python', UQ, 'pkg/render.py'), [6]);
  });
});

describe('resource-without-context: pipes, Python 2 files and scripts reading to the end', () => {
  const RWC = 'resource-without-context';

  it("a process waited for keeps its PIPEs open until collected; communicate() or closing them doesn't", async () => {
    const run = (end: string) => code`
      import subprocess
      def call_subprocess(cmd):
          proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
          output = []
          for line in proc.stdout:
              output.append(line)
          ${end}
          return output
    `;
    assert.deepEqual(await lines(run('proc.wait()'), 'python', RWC, 'pkg/vcs.py'), [3]);
    assert.deepEqual(await lines(run('proc.stdout.close(); proc.wait()'), 'python', RWC, 'pkg/vcs.py'), [3]);
    assert.deepEqual(
      await lines(run('proc.stdout.close(); proc.stderr.close(); proc.wait()'), 'python', RWC, 'pkg/vcs.py'),
      [],
    );
    assert.deepEqual(await lines(run('proc.communicate()'), 'python', RWC, 'pkg/vcs.py'), []);
    // Not piped: wait() leaves nothing open.
    const plain = code`
      import subprocess
      def call(cmd):
          proc = subprocess.Popen(cmd)
          return proc.wait()
    `;
    assert.deepEqual(await lines(plain, 'python', RWC, 'pkg/vcs.py'), []);
  });

  it("Python 2's builtin file() opens a file, unless the module binds its own `file`", async () => {
    const put = (extra: string) => code`
      ${extra}
      class SFTPClient:
          file = open
          def put(self, localpath):
              try:
                  fr = self.open(localpath)
              except IOError, e:
                  raise
              fl = file(localpath, 'rb')
              data = fl.read(32768)
              fr.write(data)
              fl.close()
    `;
    assert.deepEqual(await lines(put('import os'), 'python', RWC, 'pkg/sftp_client.py'), [9]);
    assert.deepEqual(await lines(put('from .io import file'), 'python', RWC, 'pkg/sftp_client.py'), []);
  });

  it("a script's functions called from its read-to-end loop run once per input line, and end with it", async () => {
    const hook = (loop: string) => code`
      #!/usr/bin/env python
      import subprocess, sys
      def grab_commit_info(rev):
          f = subprocess.Popen(["git", "show", rev], stdout=subprocess.PIPE)
          lines = f.stdout.readlines()
          f.wait()
          return lines
      def process_changes():
          ${loop}
              line = line.rstrip()
              if not line:
                  break
              grab_commit_info(line)
      process_changes()
    `;
    // Continuation lines carry the template's own indentation (6) besides their own (8).
    const readToEnd = 'while True:\n' + ' '.repeat(14) + 'line = sys.stdin.readline()';
    assert.deepEqual(await lines(hook(readToEnd), 'python', RWC, 'hooks/git_hook.py'), []);
    const forever = 'while True:\n' + ' '.repeat(14) + 'line = next_event()';
    assert.deepEqual(await lines(hook(forever), 'python', RWC, 'hooks/git_hook.py'), [4]);
  });
});
