// Shapes from the twenty-fifth group of real projects (aircrack-ng, ettercap, rofi, bitlbee, w3m,
// sqlitebrowser, exiv2, kitty, meson, scons, ansible, dnspython): each a fixture of its own, beside
// the same shape the other way round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const C_RULE = 'raw-c-resource';
const PY_RULE = 'resource-without-context';

describe('raw-c-resource: a null test of what GLib allocated goes one way', () => {
  const FORGET = (alloc: string) =>
    code`
    #include <glib.h>
    void forget_fingerprint(struct irc *irc, const char *human) {
        char *s;
        pair_t *p;
        s = g_strdup_printf("about to forget %s?", human);
        p = (pair_t *) ALLOC(sizeof(pair_t));
        if (!p) {
            return;
        }
        p->fst = irc;
        query_add(irc, s, p);
        g_free(s);
    }`.replace('ALLOC', alloc);

  it("is not flagged: g_malloc() aborts instead of returning NULL (bitlbee's otr.c)", async () => {
    assert.deepEqual(await lines(FORGET('g_malloc'), 'cpp', C_RULE, 'otr.c'), []);
    assert.deepEqual(await lines(FORGET('xmalloc'), 'cpp', C_RULE, 'otr.c'), []);
  });

  it('flags the early return after an allocator that can fail', async () => {
    assert.deepEqual(await lines(FORGET('malloc'), 'cpp', C_RULE, 'otr.c'), [5]);
  });
});

describe('raw-c-resource: a copy handed to a same-file shim that frees it with a macro', () => {
  const WRAP = (shim: string) =>
    code`
    #include <stdlib.h>
    #include <string.h>
    static int fatal_error_shim(void *data) {
        show_fatal(data);
        SHIM_BODY
        return 0;
    }
    static void fatal_error_wrap(const char *msg) {
        char *copy = strdup(msg);
        if (copy)
            fatal_error_shim(copy);
    }`.replace('SHIM_BODY', shim);

  it("is not flagged when the shim ends in SAFE_FREE(data) (ettercap's ec_gtk.c)", async () => {
    assert.deepEqual(await lines(WRAP('SAFE_FREE(data);'), 'cpp', C_RULE, 'ec_gtk.c'), []);
  });

  it('flags the copy when the shim only shows it', async () => {
    assert.deepEqual(await lines(WRAP('log_shown(data);'), 'cpp', C_RULE, 'ec_gtk.c'), [9]);
  });
});

describe("raw-c-resource: ettercap's FATAL_ERROR() ends the process", () => {
  const WRAP = (fail: string) =>
    code`
    #include <string.h>
    static void msg_wrap(const char *msg) {
        char *copy = strdup(msg);
        if (msg) {
            g_idle_add(msg_shim, copy);
        } else {
            FAIL;
        }
    }`.replace('FAIL', fail);

  it('is not flagged when the other branch is FATAL_ERROR("out of memory")', async () => {
    assert.deepEqual(await lines(WRAP('FATAL_ERROR("out of memory")'), 'cpp', C_RULE, 'ec_gtk.c'), []);
  });

  it('flags the branch that only logs', async () => {
    assert.deepEqual(await lines(WRAP('LOG_ERROR("out of memory")'), 'cpp', C_RULE, 'ec_gtk.c'), [3]);
  });
});

describe("resource-without-context: a process's pipes closed in finally, remade when the first try failed", () => {
  const RUN = (cleanup: string) =>
    code`
    import os
    import pty
    import subprocess

    def bare_run(cmd, in_data, timed_out):
        if not in_data:
            try:
                master, slave = pty.openpty()
                p = subprocess.Popen(cmd, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                stdin = os.fdopen(master, 'wb', 0)
                os.close(slave)
            except (OSError, IOError):
                p = None
        if not p:
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            stdin = p.stdin
        try:
            while p.poll() is None:
                if timed_out():
                    raise RuntimeError('timeout')
        CLEANUP
        if p.returncode == 6:
            raise RuntimeError('host key')
        return p.returncode
    `.replace('CLEANUP', cleanup);

  it("is not flagged when the finally closes stdin and the process's pipes (ansible's ssh.py)", async () => {
    const closed = 'finally:\n            stdin.close()\n            p.stdout.close()\n            p.stderr.close()';
    assert.deepEqual(await lines(RUN(closed), 'python', PY_RULE, 'ssh.py'), []);
  });

  it('flags all three when the pipes are closed only after the loop, which the raise skips', async () => {
    const late =
      'finally:\n            pass\n        stdin.close()\n        p.stdout.close()\n        p.stderr.close()';
    assert.deepEqual(await lines(RUN(late), 'python', PY_RULE, 'ssh.py'), [9, 10, 15]);
  });

  it('is not flagged when the first Popen is made in an if/else of that try (ansible: PY3 and a password)', async () => {
    const closed = 'finally:\n            stdin.close()\n            p.stdout.close()\n            p.stderr.close()';
    const branched = RUN(closed).replace(
      /^( *)(p = subprocess\.Popen\(cmd, stdin=slave, .*)$/m,
      '$1if in_data is None:\n$1    $2\n$1else:\n$1    p = subprocess.Popen(cmd, stdin=slave, stdout=subprocess.PIPE)',
    );
    assert.notEqual(branched, RUN(closed));
    assert.deepEqual(await lines(branched, 'python', PY_RULE, 'ssh.py'), []);
  });

  it('still reads a rebinding that drops a live object as a leak (not under `if not p:`)', async () => {
    const dropped = code`
    def load(a, b, other):
        f = open(a)
        if other:
            f = open(b)
        data = f.read()
        f.close()
        return data
    `;
    // The second file is flagged too: f.read() may raise before its close.
    assert.deepEqual(await lines(dropped, 'python', PY_RULE, 'load.py'), [2, 4]);
  });
});

describe("raw-c-resource: exiv2's `cd == iconv_t(-1)` is the failed open", () => {
  const CONVERT = (failed: string, onError: string) =>
    code`
    #include <iconv.h>
    #include <string>
    bool convert(std::string& str, const char *from, const char *to) {
      auto cd = iconv_open(to, from);
      if (FAILED) {
        return false;
      }
      std::string out;
      if (!run(cd, str, out)) {
        ON_ERROR
        return false;
      }
      iconv_close(cd);
      return true;
    }`
      .replace('FAILED', failed)
      .replace('ON_ERROR', onError);

  it('is not flagged: a functional cast of -1 is the sentinel, as a C cast is', async () => {
    assert.deepEqual(await lines(CONVERT('cd == iconv_t(-1)', 'iconv_close(cd);'), 'cpp', C_RULE, 'convert.cpp'), []);
    const cast = CONVERT('cd == static_cast<iconv_t>(-1)', 'iconv_close(cd);');
    assert.deepEqual(await lines(cast, 'cpp', C_RULE, 'convert.cpp'), []);
  });

  it('flags the error return that skips iconv_close()', async () => {
    assert.deepEqual(await lines(CONVERT('cd == iconv_t(-1)', ''), 'cpp', C_RULE, 'convert.cpp'), [4]);
  });
});

describe("raw-c-resource: kitty's UNLIKELY(peer == -1) is a test of the descriptor", () => {
  const ACCEPT = (test: string) =>
    code`
    #include <sys/socket.h>
    #include <errno.h>
    static bool accept_peer(int listen_fd) {
        int peer = accept(listen_fd, NULL, NULL);
        if (TEST) {
            if (errno == EINTR) return true;
            return false;
        }
        if (!add_peer(peer)) {
            close(peer);
            return false;
        }
        return true;
    }`.replace('TEST', test);

  it('is not flagged: the branch taken when accept() failed holds nothing', async () => {
    assert.deepEqual(await lines(ACCEPT('UNLIKELY(peer == -1)'), 'cpp', C_RULE, 'child-monitor.c'), []);
  });

  it('flags the branch under a test of something else', async () => {
    assert.deepEqual(await lines(ACCEPT('UNLIKELY(listen_fd == -1)'), 'cpp', C_RULE, 'child-monitor.c'), [4]);
  });
});

describe("resource-without-context: a child with no pipes whose pid goes to a monitor (kitty's boss.py)", () => {
  const LAUNCH = (after: string) =>
    code`
    import subprocess

    class Boss:
        def launch(self, cmd, stdin, stdout):
            p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout)
            AFTER
    `.replace('AFTER', after);

  it('is not flagged when the pid is handed to the code that reaps it', async () => {
    assert.deepEqual(await lines(LAUNCH('monitor_pid(p.pid)'), 'python', PY_RULE, 'boss.py'), []);
    const registry = LAUNCH('self.death_notify_map[p.pid] = self.on_death');
    assert.deepEqual(await lines(registry, 'python', PY_RULE, 'boss.py'), []);
  });

  it('flags it when the pid is only printed, or when the child has a pipe', async () => {
    assert.deepEqual(await lines(LAUNCH('print(p.pid)'), 'python', PY_RULE, 'boss.py'), [5]);
    const piped = LAUNCH('monitor_pid(p.pid)').replace('stdout=stdout', 'stdout=subprocess.PIPE');
    assert.deepEqual(await lines(piped, 'python', PY_RULE, 'boss.py'), [5]);
  });
});
