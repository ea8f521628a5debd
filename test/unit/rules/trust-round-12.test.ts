// Shapes from the judged false alarms and recall misses still open after the eleventh group: each a
// fixture of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

/** A multi-line block for a `code` template, each line indented to the template's column `column`. */
const at = (column: number, text: string) =>
  text
    .split('\n')
    .map((l) => ' '.repeat(column) + l)
    .join('\n');

describe('unbounded-queue: finite producers', () => {
  it('a parameter annotated as a collection is a finite batch; an iterable parameter may be a stream', async () => {
    const replay = (annotation: string) => code`
      import asyncio
      from typing import Iterable, Sequence

      class ClientPlayback:
          def __init__(self):
              self.queue = asyncio.Queue()

          async def playback(self):
              while True:
                  flow = await self.queue.get()
                  await self.replay(flow)

          def start_replay(self, flows: ${annotation}) -> None:
              for f in flows:
                  self.queue.put_nowait(f)`;
    assert.deepEqual(await lines(replay('Sequence[Flow]'), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(replay('list[Flow]'), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(replay('Iterable[Flow]'), 'python', 'unbounded-queue'), [6]);
  });

  it("a loop over this file's generator that yields a fixed number of times is finite", async () => {
    const checker = (methods: string) => code`
      import queue

      class Checker:
          def __init__(self):
              self.wqueue = queue.Queue()

          def methods(self, anchor):
${methods}

          def check(self, link):
              for method in self.methods(link):
                  if method(link) == 429:
                      self.wqueue.put(link, False)
                      return`;
    const fixed = at(14, 'if not anchor:\n    yield head\nyield get');
    const looping = at(14, 'while True:\n    yield get');
    assert.deepEqual(await lines(checker(fixed), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(checker(looping), 'python', 'unbounded-queue'), [5]);
  });

  it('a stage taking from a finite work list passes on a finite stream; from a fed queue, an endless one', async () => {
    const linkcheck = (fill: string) => code`
      import queue
      import threading

      class LinkChecker:
          def __init__(self):
              self.rqueue = queue.Queue()
              self.wqueue = queue.PriorityQueue()

          def check(self, hyperlinks):
${fill}
              for _ in range(total):
                  yield self.rqueue.get()

          def run(self):
              while True:
                  link = self.wqueue.get()
                  self.rqueue.put(self.check_uri(link))
                  self.wqueue.task_done()`;
    const finite = at(
      14,
      'total = 0\nfor link in hyperlinks.values():\n    self.wqueue.put(link, False)\n    total += 1',
    );
    const stream = at(14, 'total = 0\nwhile True:\n    self.wqueue.put(next_link(), False)\n    total += 1');
    assert.deepEqual(await lines(linkcheck(finite), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(linkcheck(stream), 'python', 'unbounded-queue'), [6, 7]);
  });
});

describe('unbounded-cache: interning tables', () => {
  it('a static map whose entries are handed out by address is an interning table; a memo by value is not', async () => {
    const lookup = (found: string, made: string) => code`
      #include <array>
      #include <map>
      struct buffer_type { int device; void *context; };

      const buffer_type *split_buffer_type(const float *split) {
          static std::map<std::array<float, 4>, buffer_type> types;
          std::array<float, 4> key = {split[0], split[1], split[2], split[3]};
          auto it = types.find(key);
          if (it != types.end())
              ${found}
          auto result = types.emplace(key, buffer_type{0, nullptr});
          ${made}
      }`;
    const interned = await lines(
      lookup('return &it->second;', 'return &result.first->second;'),
      'cpp',
      'unbounded-cache',
    );
    assert.deepEqual(interned, []);
    const copied = await lines(
      lookup('return new buffer_type(it->second);', 'return new buffer_type(result.first->second);'),
      'cpp',
      'unbounded-cache',
    );
    assert.deepEqual(copied, [6]);
  });

  it('a pointer to the entry is a handle callers keep; a reference or a copy is read at once', async () => {
    const table = (ret: string, value: string) => code`
      #include <string>
      #include <unordered_map>
      ${ret} interned(const std::string &name) {
          static std::unordered_map<std::string, std::string> names;
          if (names.count(name) == 0)
              names[name] = name;
          return ${value};
      }`;
    assert.deepEqual(await lines(table('const std::string *', '&names[name]'), 'cpp', 'unbounded-cache'), []);
    assert.deepEqual(await lines(table('const std::string &', 'names[name]'), 'cpp', 'unbounded-cache'), [4]);
    assert.deepEqual(await lines(table('std::string', 'names[name]'), 'cpp', 'unbounded-cache'), [4]);
  });
});

describe('unbounded-queue (C++): a producer that waits for the last batch', () => {
  const island = (wait: string) => code`
    #include <mutex>
    #include <queue>
    struct WorkItem { float *buffer; unsigned index; };
    std::queue<WorkItem> workQueue;
    int pendingWorkCount = 0;
    std::mutex workQueueMutex;

    void worker() {
        for (;;) {
            std::lock_guard<std::mutex> lock(workQueueMutex);
            if (!workQueue.empty()) { workQueue.pop(); --pendingWorkCount; }
        }
    }

    void generate(float *buffer, unsigned blockCount) {
        for (;;) {
    ${wait}
        }
        std::lock_guard<std::mutex> lock(workQueueMutex);
        for (unsigned i = 0; i < blockCount; ++i)
            workQueue.push(WorkItem{buffer, i});
        pendingWorkCount = blockCount;
    }`;

  it('waiting until the pending count is back to zero bounds the queue to one batch', async () => {
    const waits = at(
      8,
      '{ std::lock_guard<std::mutex> lock(workQueueMutex); if (pendingWorkCount == 0u) break; }\nsleep(10);',
    );
    assert.deepEqual(await lines(island(waits), 'cpp', 'unbounded-queue'), []);
  });

  it('a loop that breaks on something else before pushing does not', async () => {
    const polls = at(8, 'if (poll_input() == 0) break;\nsleep(10);');
    assert.deepEqual(await lines(island(polls), 'cpp', 'unbounded-queue'), [4]);
  });
});

describe('raw-c-resource: recall misses of the twelfth round', () => {
  const RULE = 'raw-c-resource';

  it('a plain `pbuf = buf` walking copy does not hand the buffer on', async () => {
    const walk = (onError: string) => code`
      #include <stdlib.h>
      int mean(int n, double *out) {
          int *buf, *pbuf;
          buf = (int *) calloc((unsigned) n, sizeof(int));
          if (buf == NULL)
              return -1;
          pbuf = buf;
          for (int y = 0; y < n; y++)
              *pbuf++ = y;
          if (summarize(buf, n, out)) {
              ${onError}
              return -1;
          }
          free(buf);
          return 0;
      }`;
    assert.deepEqual(await lines(walk(''), 'cpp', RULE, 'mean.c'), [4]);
    assert.deepEqual(await lines(walk('free(buf);'), 'cpp', RULE, 'mean.c'), []);
  });

  it('realloc through a temporary, round a loop or a retry label, moves one block: not a second acquisition', async () => {
    const grow = (onFailure: string) => code`
      #include <stdlib.h>
      int add_all(struct entry **out, size_t *count, struct list *l) {
          struct entry *entries = NULL;
          size_t n = 0;
          for (struct list *it = l; it != NULL; it = it->next) {
              struct entry *tmp;
              tmp = realloc(entries, (n + 1) * sizeof(*entries));
              if (tmp == NULL)
                  continue;
              entries = tmp;
              if (fill(&entries[n], it) != 0) {
                  ${onFailure}
              }
              n++;
          }
          *out = entries;
          *count = n;
          return 0;
      }`;
    assert.deepEqual(await lines(grow('continue;'), 'cpp', RULE, 'grow.c'), []);
    const retry = (onRetryFailure: string) => code`
      #include <stdlib.h>
      char *names(int fd) {
          char *buf = NULL, *newbuf;
          size_t len;
      retry:
          if (query(fd, NULL, &len) == -1)
              ${onRetryFailure}
          if ((newbuf = realloc(buf, len)) == NULL)
              goto error;
          buf = newbuf;
          if (query(fd, buf, &len) == -1) {
              if (errno == ENOMEM)
                  goto retry;
              goto error;
          }
          return buf;
      error:
          free(buf);
          return NULL;
      }`;
    assert.deepEqual(await lines(retry('goto error;'), 'cpp', RULE, 'names.c'), []);
  });

  it('a body split by #ifdef from its stub is analysed as compiled', async () => {
    const load = (onError: string) => code`
      static int providerload(SSL_CTX *ctx, X509 *src)
      #ifdef HAS_PROVIDERS
      {
          X509 *cert = X509_dup(src);
          if (!cert)
              return 0;
          if (SSL_CTX_use_certificate(ctx, cert) != 1) {
              ${onError}
              return 0;
          }
          X509_free(cert);
          return 1;
      }
      #else
      {
          return 0;
      }
      #endif`;
    assert.deepEqual(await lines(load(''), 'cpp', RULE, 'load.c'), [4]);
    assert.deepEqual(await lines(load('X509_free(cert);'), 'cpp', RULE, 'load.c'), []);
  });

  it('curl_easy_setopt uses a stream it is given; only CURLOPT_PRIVATE keeps a pointer', async () => {
    const push = (option: string) => code`
      #include <stdio.h>
      #include <curl/curl.h>
      static int setup(CURL *hnd, const char *name) {
          FILE *out = fopen(name, "wb");
          if (!out)
              return 1;
          curl_easy_setopt(hnd, ${option}, out);
          return 0;
      }`;
    assert.deepEqual(await lines(push('CURLOPT_WRITEDATA'), 'cpp', RULE, 'push.c'), [4]);
    assert.deepEqual(await lines(push('CURLOPT_PRIVATE'), 'cpp', RULE, 'push.c'), []);
  });

  it('`auto p = new T` is a raw owning pointer like `T *p = new T`', async () => {
    const make = (onError: string) => code`
      struct Cell { int v; };
      bool fill(int n);
      bool make(int n) {
          auto cell = new Cell{n};
          if (!fill(n)) {
              ${onError}
              return false;
          }
          delete cell;
          return true;
      }`;
    assert.deepEqual(await lines(make(''), 'cpp', RULE), [4]);
    assert.deepEqual(await lines(make('delete cell;'), 'cpp', RULE), []);
  });
});

describe('resource-without-context: recall misses of the twelfth round', () => {
  const RULE = 'resource-without-context';

  it('a file opened in a branch and closed after it: a write between them can raise', async () => {
    const save = (close: string) => code`
      class Palette:
          def save(self, fp):
              if isinstance(fp, str):
                  fp = open(fp, "w")
              fp.write(header(self.mode))
              for i in range(256):
                  fp.write(row(self.palette, i))
      ${close}`;
    assert.deepEqual(await lines(save(at(14, 'fp.close()')), 'python', RULE), [4]);
    assert.deepEqual(await lines(save(at(14, 'pass')), 'python', RULE), [4], 'never closed: found too');
    const guarded = code`
      class Palette:
          def save(self, fp):
              if isinstance(fp, str):
                  with open(fp, "w") as f:
                      return self.save(f)
              fp.write(header(self.mode))`;
    assert.deepEqual(await lines(guarded, 'python', RULE), []);
  });

  it('a pipe asked for through a variable is a pipe too', async () => {
    const run = (close: string) => code`
      import subprocess

      def call_subprocess(cmd, show_stdout=True):
          if show_stdout:
              stdout = None
          else:
              stdout = subprocess.PIPE
          proc = subprocess.Popen(cmd, stderr=subprocess.STDOUT, stdin=None, stdout=stdout)
          all_output = []
          if stdout is not None:
              for line in proc.stdout:
                  all_output.append(line)
          ${close}
          proc.wait()
          return "".join(all_output)`;
    assert.deepEqual(await lines(run(''), 'python', RULE), [8]);
    assert.deepEqual(await lines(run('if proc.stdout: proc.stdout.close()'), 'python', RULE), []);
  });
});

describe('raw-c-resource: built-in pairs added in the twelfth round', () => {
  const RULE = 'raw-c-resource';
  const cases: Array<[string, string, string, string]> = [
    // [declaration + acquisition, use, release, file]
    [
      'struct bpf_program prog;\n    if (pcap_compile(pd, &prog, expr, 1, 0) < 0)\n        return -1;',
      'pcap_setfilter(pd, &prog)',
      'pcap_freecode(&prog);',
      'filter.c',
    ],
    ['SDL_JoystickID *pads = SDL_GetGamepads(&count);', 'open_all(pads, count)', 'SDL_free(pads);', 'pads.c'],
    ['char *text = SDL_GetClipboardText();', 'paste(text)', 'SDL_free(text);', 'clip.c'],
    ['char *buf = (char *) ImGui::MemAlloc(n);', 'fill(buf, n)', 'ImGui::MemFree(buf);', 'draw.cpp'],
    ['PangoCoverage *cov = pango_font_get_coverage(font, lang);', 'covers(cov)', 'pango_coverage_unref(cov);', 'f.cpp'],
  ];
  for (const [acquire, use, release, file] of cases) {
    const fn = acquire
      .match(/(\w+)\(/g)!
      .pop()!
      .slice(0, -1);
    it(`${fn}: released with ${release.split('(')[0]}, on every path or not`, async () => {
      const body = (onError: string) => code`
        int f(void *pd, const char *expr, void *font, void *lang, int n) {
            int count = 0;
            ${acquire}
            if (${use} < 0) {
                ${onError}
                return -1;
            }
            ${release}
            return 0;
        }`;
      const line = 3 + acquire.split('\n').findIndex((l) => l.includes(`${fn}(`));
      assert.deepEqual(await lines(body(''), 'cpp', RULE, file), [line]);
      assert.deepEqual(await lines(body(release), 'cpp', RULE, file), []);
    });
  }
});

describe('resource-without-context: log file handlers', () => {
  const RULE = 'resource-without-context';

  it('a handler lent to a with-block is still the class to close; one it closes is not a finding', async () => {
    const plugin = (teardown: string) => code`
      import logging

      class LoggingPlugin:
          def __init__(self, config):
              self.log_file_handler = logging.FileHandler(config.log_file, mode="w", encoding="UTF-8")

          def runtestloop(self, session):
              with catching_logs(self.log_file_handler, level=self.log_file_level):
                  yield

          def unconfigure(self):
      ${teardown}`;
    assert.deepEqual(await lines(plugin(at(14, 'pass')), 'python', RULE), [5]);
    assert.deepEqual(await lines(plugin(at(14, 'self.log_file_handler.close()')), 'python', RULE), []);
  });

  it('a raise in the else of the branch that made it leaves nothing open', async () => {
    const setup = (raiseIn: string) => code`
      import logging.handlers

      def enable_pretty_logging(options, logger):
          if options.rotate_mode == "size":
              channel = logging.handlers.RotatingFileHandler(filename=options.prefix, maxBytes=options.max_size)
          elif options.rotate_mode == "time":
              channel = logging.handlers.TimedRotatingFileHandler(filename=options.prefix, when=options.when)
      ${raiseIn}
          channel.setFormatter(LogFormatter(color=False))
          logger.addHandler(channel)`;
    const inElse = at(10, 'else:\n    raise ValueError(options.rotate_mode)');
    assert.deepEqual(await lines(setup(inElse), 'python', RULE), []);
    const sameBranch = at(14, 'if options.strict:\n    raise ValueError(options.rotate_mode)');
    assert.deepEqual(await lines(setup(sameBranch), 'python', RULE), [7]);
  });
});

describe('raw-c-resource: functions with a declaration the grammar cannot read', () => {
  const RULE = 'raw-c-resource';
  const step = (onError: string, macroLine: string) => code`
    #include <openssl/bio.h>
    static int step1(const struct blob *cert_blob, const struct blob *key_blob)
    {
      ${macroLine}
      BIO *cert_bio = BIO_new_mem_buf(cert_blob->data, (int)cert_blob->len);
      if (!cert_bio)
        return 1;
      BIO *key_bio = BIO_new_mem_buf(key_blob->data, (int)key_blob->len);
      if (!key_bio) {
        ${onError}
        return 1;
      }
      use_cert(cert_bio, key_bio);
      BIO_free(key_bio);
      BIO_free(cert_bio);
      return 0;
    }`;

  it('a macro before a type in an unrelated declaration does not hide the leak', async () => {
    const macro = 'SSL_METHOD_QUAL SSL_METHOD *req_method = NULL;';
    assert.deepEqual(await lines(step('', macro), 'cpp', RULE, 'step.c'), [5]);
    assert.deepEqual(await lines(step('BIO_free(cert_bio);', macro), 'cpp', RULE, 'step.c'), []);
  });

  it('an unreadable declaration that mentions the resource still stops the analysis', async () => {
    const macro = 'SSL_METHOD_QUAL SSL_METHOD *req_method = pick(cert_bio);';
    assert.deepEqual(await lines(step('', macro), 'cpp', RULE, 'step.c'), []);
  });

  it('a release after a statement macro with no semicolon (read as a declaration) still releases', async () => {
    const swallowed = (release: string) => code`
      pcap_t *open_dev(const char *name, char *errbuf, int snaplen)
      {
        int status;
        pcap_t *fp = pcap_create(name, errbuf);
        if (fp == NULL)
          return NULL;
        status = pcap_set_snaplen(fp, snaplen);
        if (status < 0)
          goto fail;
        return fp;
      fail:
        DIAG_OFF_FORMAT_TRUNCATION
        snprintf(errbuf, 256, "%s: %s", name, pcap_statustostr(status));
        DIAG_ON_FORMAT_TRUNCATION
        ${release}
        return NULL;
      }`;
    assert.deepEqual(await lines(swallowed('pcap_close(fp);'), 'cpp', RULE, 'open.c'), []);
    assert.deepEqual(await lines(swallowed('report(fp);'), 'cpp', RULE, 'open.c'), [4]);
  });
});

describe('raw-c-resource: descriptor pairs in an array', () => {
  const RULE = 'raw-c-resource';
  const spawn = (onForkFailure: string) => code`
    #include <unistd.h>
    int spawn(char **argv) {
        int fds[2];
        if (pipe(fds) != 0)
            return -1;
        switch (fork()) {
        case -1:
            ${onForkFailure}
            return -1;
        case 0:
            close(fds[0]);
            dup2(fds[1], 1);
            execvp(argv[0], argv);
            _exit(1);
        default:
            close(fds[1]);
            return fds[0];
        }
    }`;

  it('pipe(): a fork failure that closes neither end leaks both', async () => {
    assert.deepEqual(await lines(spawn(''), 'cpp', RULE, 'spawn.c'), [4]);
    assert.deepEqual(await lines(spawn('close(fds[0]); close(fds[1]);'), 'cpp', RULE, 'spawn.c'), []);
  });

  it('a status compared with -1 is the failure of a call that returns 0 on success', async () => {
    const pipes = (onSecondFailure: string) => code`
      #include <unistd.h>
      int open_pipes(int pin[2], int pout[2]) {
          int a[2], b[2];
          if (pipe(a) == -1)
              return -1;
          if (pipe(b) == -1) {
              ${onSecondFailure}
              return -1;
          }
          pin[0] = a[0]; pin[1] = a[1];
          pout[0] = b[0]; pout[1] = b[1];
          return 0;
      }`;
    assert.deepEqual(await lines(pipes(''), 'cpp', RULE, 'pipes.c'), [4]);
    assert.deepEqual(await lines(pipes('close(a[0]); close(a[1]);'), 'cpp', RULE, 'pipes.c'), []);
  });

  it('socketpair(): ends stored into a struct are handed on; a parameter array is the caller’s', async () => {
    const pair = code`
      #include <sys/socket.h>
      int pair_into(struct conn *c) {
          int sv[2];
          if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
              return -1;
          c->in = sv[0];
          c->out = sv[1];
          return 0;
      }
      int fill(int sv[2]) {
          if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
              return -1;
          return 0;
      }`;
    assert.deepEqual(await lines(pair, 'cpp', RULE, 'pair.c'), []);
  });
});

describe('twelfth group: shapes judged before tuning', () => {
  it("C++17 if-with-initializer tested by the project's validity call, closed by its close wrapper", async () => {
    const probe = (inside: string) => code`
      #include <sys/socket.h>
      int default_udp_bufsize(int optname) {
          int ret = -1;
          socklen_t len = sizeof(ret);
          if (auto const fd = socket(PF_INET, SOCK_DGRAM, 0); is_valid_socket(fd)) {
              ${inside}
          }
          return ret;
      }`;
    assert.deepEqual(
      await lines(probe('get_bufsize(fd, optname, ret); tr_net_close_socket(fd);'), 'cpp', 'raw-c-resource'),
      [],
    );
    assert.deepEqual(
      await lines(
        probe('if (getsockopt(fd, SOL_SOCKET, optname, &ret, &len) < 0) return -1; tr_net_close_socket(fd);'),
        'cpp',
        'raw-c-resource',
      ),
      [5],
    );
  });

  it('in a script, a temporary used inline where the script runs once is not reported; in a library it is', async () => {
    const replace = (guard: string) => code`
      import re

      def string_replace_in_file(filename, from_str, to_str):
          text = open(filename, 'r').read()
          open(filename, 'w').write(text.replace(from_str, to_str))
${guard}`;
    assert.deepEqual(
      await lines(
        replace('if __name__ == "__main__":\n    string_replace_in_file("a", "b", "c")'),
        'python',
        'resource-without-context',
      ),
      [],
    );
    assert.deepEqual(await lines(replace(''), 'python', 'resource-without-context'), [4, 5]);
  });

  it('a Python 2 module has no ResourceWarning: an inline temporary there is not reported', async () => {
    const tool = (py2: string) => code`
      import os, re, string, sys

      def string_replace_in_file(filename, from_str, to_str):
          text = open(filename, 'r').read()
          if not text:
              ${py2}
          open(filename, 'w').write(string.replace(text, from_str, to_str))`;
    assert.deepEqual(await lines(tool('print "empty file: %s" % filename'), 'python', 'resource-without-context'), []);
    assert.deepEqual(
      await lines(tool('print("empty file: %s" % filename)'), 'python', 'resource-without-context'),
      [4, 7],
    );
  });
});

describe('raw-c-resource: pipes judged in the twelfth round', () => {
  const RULE = 'raw-c-resource';

  it('a pipe made only under `capture && pipe(fds) < 0` is held only where capture holds', async () => {
    const start = (storeWhen: string) => code`
      #include <unistd.h>
      int process_start(struct process *process) {
          int in[2] = { -1, -1 };
          if (process->capture_in && pipe(in) < 0)
              goto on_error;
          if (begin(process) < 0)
              goto on_error;
          if (${storeWhen}) {
              close(in[0]);
              process->child_in = in[1];
          }
          return 0;
      on_error:
          if (in[0] >= 0) close(in[0]);
          if (in[1] >= 0) close(in[1]);
          return -1;
      }`;
    assert.deepEqual(await lines(start('process->capture_in'), 'cpp', RULE, 'process.c'), []);
    assert.deepEqual(await lines(start('process->verbose'), 'cpp', RULE, 'process.c'), [4]);
  });

  it('a pair made in the else of `flags & BIT` and closed under `~flags & BIT`', async () => {
    const run = (test: string) => code`
      #include <sys/socket.h>
      int job_run(int flags, int *fd) {
          int out[2];
          pid_t pid;
          if (flags & JOB_PTY) {
              pid = forkpty_job();
          } else {
              if (socketpair(AF_UNIX, SOCK_STREAM, PF_UNSPEC, out) != 0)
                  return -1;
              pid = fork();
          }
          if (pid == -1) {
              if (${test}) {
                  close(out[0]);
                  close(out[1]);
              }
              return -1;
          }
          if (~flags & JOB_PTY)
              *fd = out[0];
          return 0;
      }`;
    assert.deepEqual(await lines(run('~flags & JOB_PTY'), 'cpp', RULE, 'job.c'), []);
    assert.deepEqual(await lines(run('flags & JOB_VERBOSE'), 'cpp', RULE, 'job.c'), [8]);
  });

  it("a file whose main()'s head is split by #ifdef from its body is still a program", async () => {
    const tool = (head: string) => code`
      #include <unistd.h>
      static int checkfds(void) {
          int fd[2];
          while (fd[0] < 3 || fd[1] < 3)
              if (pipe(fd) < 0)
                  return 1;
          return 0;
      }
      ${head}
      {
          return checkfds();
      }`;
    const split = at(
      6,
      '#ifdef _UNICODE\nint wmain(int argc, wchar_t *argv[])\n#else\nint main(int argc, char *argv[])\n#endif',
    );
    assert.deepEqual(await lines(tool(split), 'cpp', RULE, 'tool_main.c'), []);
    assert.deepEqual(await lines(tool('int run_tool(int argc, char *argv[])'), 'cpp', RULE, 'tool_main.c'), [5]);
    // A main() in a block comment (a converter program quoted in a library) is not the file's.
    const quoted = at(
      6,
      '/*\nint main(int argc, char **argv)\n{\n    return convert(argv[1]);\n}\n*/\nint run_tool(void)',
    );
    assert.deepEqual(await lines(tool(quoted), 'cpp', RULE, 'tool_main.c'), [5]);
  });
});

describe('resource-without-context: test code outside test files', () => {
  const RULE = 'resource-without-context';

  it('a TestCase kept in a library module is test code: a close after an assertion is fine', async () => {
    const module = (base: string) => code`
      import gzip
      import unittest

      class ChunkParserTest(${base}):
          def test_parsing(self):
              chunk_file = gzip.open("chunk.gz", "wb")
              chunk_file.write(self.make_chunk())
              chunk_file.close()
              self.assertEqual(parse("chunk.gz"), self.expected)`;
    assert.deepEqual(await lines(module('unittest.TestCase'), 'python', RULE, 'training/parse.py'), []);
    assert.deepEqual(await lines(module('ChunkWriter'), 'python', RULE, 'training/parse.py'), [6]);
  });
});

describe('raw-c-resource: a call in a condition adopts only when its own status is tested', () => {
  const RULE = 'raw-c-resource';
  it('`if (!ns || alloc_sock(ns) < 0) { free(ns); ... }`: registered on success', async () => {
    const accept = (test: string) => code`
      #include <stdlib.h>
      int accept_sock(void *t) {
          struct sock *ns = calloc(1, sizeof(*ns));
          if (${test}) {
              free(ns);
              return -1;
          }
          return ns->fd;
      }`;
    assert.deepEqual(await lines(accept('!ns || alloc_sock(ns) < 0'), 'cpp', RULE, 'bsd.c'), []);
  });

  it('a comparison of two queries is not a status: the other path leaks', async () => {
    const check = (release: string) => code`
      #include <glib.h>
      void add_setting(int type, const char *choices, int def) {
          char **vec = g_strsplit(choices, ";", -1);
          if (def < 0 || def >= g_strv_length(vec)) {
              g_strfreev(vec);
              return;
          }
          use_choices((const char **) vec);
          ${release}
      }`;
    assert.deepEqual(await lines(check(''), 'cpp', RULE, 'settings.c'), [3]);
    assert.deepEqual(await lines(check('g_strfreev(vec);'), 'cpp', RULE, 'settings.c'), []);
  });
});

describe("raw-c-resource: a call that fills a struct of the caller's only reads its other arguments", () => {
  it('pcap_compile(p, &prog, ...) does not take the capture handle over', async () => {
    const open = (onError: string) => code`
      #include <pcap.h>
      static int dns_child_loop(const char *device) {
          struct bpf_program fp;
          pcap_t *pcap_obj = pcap_open_live(device, 1500, 0, 100, NULL);
          if (pcap_obj == NULL)
              return -1;
          if (pcap_compile(pcap_obj, &fp, "udp port 53", 1, 0) < 0) {
              ${onError}
              return -1;
          }
          pcap_freecode(&fp);
          pcap_close(pcap_obj);
          return 0;
      }`;
    assert.deepEqual(await lines(open(''), 'cpp', 'raw-c-resource', 'dns.c'), [4]);
    assert.deepEqual(await lines(open('pcap_close(pcap_obj);'), 'cpp', 'raw-c-resource', 'dns.c'), []);
  });
});

describe('raw-c-resource: acquisitions through a table of the library functions', () => {
  const RULE = 'raw-c-resource';
  const load = (onError: string) => code`
    #include "SDL_image.h"
    static struct { TIFF *(*TIFFClientOpen)(const char *, const char *, void *); void (*TIFFClose)(TIFF *); } lib;
    SDL_Surface *IMG_LoadTIF_RW(SDL_RWops *src) {
        TIFF *tiff = lib.TIFFClientOpen("SDL_image", "rm", src);
        if (!tiff)
            return NULL;
        SDL_Surface *surface = SDL_CreateRGBSurface(0, 16, 16, 32, 0, 0, 0, 0);
        if (!surface) {
            ${onError}
            return NULL;
        }
        lib.TIFFClose(tiff);
        return surface;
    }`;

  it('lib.TIFFClientOpen(...) is TIFFClientOpen, and lib.TIFFClose(tiff) releases it', async () => {
    assert.deepEqual(await lines(load(''), 'cpp', RULE, 'IMG_tif.c'), [4]);
    assert.deepEqual(await lines(load('lib.TIFFClose(tiff);'), 'cpp', RULE, 'IMG_tif.c'), []);
  });

  it('a method named like a C function with a plain name (`file.open()`, `pool->malloc()`) is not one', async () => {
    const method = code`
      int f(struct pool *pool, struct file *file) {
          char *p = pool->malloc(16);
          int fd = file->open("x", 0);
          if (fd < 0)
              return -1;
          return 0;
      }`;
    assert.deepEqual(await lines(method, 'cpp', RULE, 'pool.c'), []);
  });
});

describe('raw-c-resource: freed through the address of its embedded base (thirteenth group)', () => {
  const RULE = 'raw-c-resource';
  const printer = (onFail: string) => code`
    #include <stdlib.h>
    #include <string.h>
    typedef struct { char *name; int id; } rdpPrinter;
    typedef struct { rdpPrinter printer; void *job; } rdpCupsPrinter;

    static void printer_cups_free_printer(rdpPrinter *printer) {
        rdpCupsPrinter *cups_printer = (rdpCupsPrinter *)printer;
        free(printer->name);
        free(cups_printer);
    }

    static rdpPrinter *printer_cups_new_printer(const char *name) {
        rdpCupsPrinter *cups_printer = calloc(1, sizeof(rdpCupsPrinter));
        if (!cups_printer)
            return NULL;
        cups_printer->printer.name = strdup(name);
        if (!cups_printer->printer.name)
            goto fail;
        return &cups_printer->printer;
    fail:
        ${onFail}
        return NULL;
    }`;

  it('a same-file helper given &p->base that frees its parameter frees p', async () => {
    assert.deepEqual(
      await lines(printer('printer_cups_free_printer(&cups_printer->printer);'), 'cpp', RULE, 'cups.c'),
      [],
    );
    assert.deepEqual(await lines(printer('log_printer(&cups_printer->printer);'), 'cpp', RULE, 'cups.c'), [13]);
  });
});

describe('raw-c-resource: putenv keeps its string', () => {
  it('a string given to putenv belongs to the environment; one given to setenv is copied', async () => {
    const env = (call: string) => code`
      #include <stdlib.h>
      #include <stdio.h>
      int export_var(const char *name, const char *value) {
          char *str = malloc(strlen(name) + strlen(value) + 2);
          if (!str)
              return -1;
          sprintf(str, "%s=%s", name, value);
          if (${call} < 0)
              return -1;
          return 0;
      }`;
    assert.deepEqual(await lines(env('putenv(str)'), 'cpp', 'raw-c-resource', 'env.c'), []);
    assert.deepEqual(await lines(env('setenv(name, str, 1)'), 'cpp', 'raw-c-resource', 'env.c'), [4]);
  });
});

describe('resource-without-context: thirteenth group shapes', () => {
  const RULE = 'resource-without-context';

  it('a connect retried under `except OSError` that carries on cannot leave with the socket', async () => {
    const attack = (handler: string) => code`
      import socket

      def attack(address, port, payload, stats):
          s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
          s.settimeout(5)
          connected = False
          while not connected:
              try:
                  s.connect((address, port))
                  connected = True
              except OSError as e:
      ${handler}
          return s`;
    assert.deepEqual(await lines(attack(at(18, 'stats.failed += 1')), 'python', RULE), []);
    assert.deepEqual(await lines(attack(at(18, 'return str(e)')), 'python', RULE), [4]);
  });

  it("files opened to become the process's standard streams (os.dup2 of their fileno) live on", async () => {
    const daemonize = (redirect: string) => code`
      import os
      import sys

      def redirect_streams(logfile):
          so = open(logfile, "a+")
          ${redirect}`;
    assert.deepEqual(await lines(daemonize('os.dup2(so.fileno(), sys.stdout.fileno())'), 'python', RULE), []);
    assert.deepEqual(await lines(daemonize('print(so.name)'), 'python', RULE), [5]);
  });
});

describe('resource-without-context: aiohttp sessions', () => {
  it('a ClientSession never closed is reported, with `async with` advice and no `with` fix', async () => {
    const fetch = (close: string) => code`
      import aiohttp

      async def fetch(url):
          session = aiohttp.ClientSession()
          try:
              r = await session.get(url)
              return await r.text()
          finally:
              ${close}`;
    const found = await findings(fetch('pass'), 'python', { rule: 'resource-without-context' });
    assert.deepEqual(
      found.map((f) => f.location.startPoint.line + 1),
      [4],
    );
    assert.match(found[0].message, /Use `async with`/);
    assert.ok(!(found[0].fixes ?? []).some((f) => /\bwith\b/.test(f.title)), 'only the suppression is offered');
    assert.deepEqual(await lines(fetch('await session.close()'), 'python', 'resource-without-context'), []);
  });
});

describe('resource-without-context: stored on self in __init__, then a raise', () => {
  const session = (check: string) => code`
    import asyncio
    from aiohttp import TCPConnector

    class ClientSession:
        def __init__(self, connector=None, timeout=None):
            loop = asyncio.get_running_loop()
            if connector is None:
                connector = TCPConnector()
            self._connector = connector
            if connector._loop is not loop:
                raise RuntimeError("Session and connector have to use same event loop")
    ${check}
            self._timeout = timeout

        async def close(self):
            await self._connector.close()`;

  it('a raise after the store leaves the object, and what it stored, to nobody', async () => {
    const late = at(8, 'if not isinstance(timeout, float):\n    raise ValueError("timeout must be a float")');
    assert.deepEqual(await lines(session(late), 'python', 'resource-without-context'), [8]);
  });

  it("a raise that tests the caller's own object, or none at all, is not reported", async () => {
    assert.deepEqual(await lines(session(at(8, 'pass')), 'python', 'resource-without-context'), []);
  });
});
