// Shapes from the twentieth group of real projects (unbound, lldpd, keepalived, sway, doxygen, Hyprland,
// certbot, qutebrowser, s3cmd, offlineimap, tqdm, rpyc; judged before any tuning on it): each a fixture of
// its own, beside the same shape the other way round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const C_RULE = 'raw-c-resource';

describe('raw-c-resource: an assert that returns its condition tests the resource', () => {
  const CREATE = (test: string) => code`
    #include <stdbool.h>
    #include <stdlib.h>
    struct txn { int *list; };
    bool sway_assert(bool condition, const char *fmt, ...);
    int *create_list(void);
    struct txn *txn_create(void) {
      struct txn *t = calloc(1, sizeof(struct txn));
      if (${test}) {
        return NULL;
      }
      t->list = create_list();
      return t;
    }`;

  it('`if (!sway_assert(t, ...)) return NULL;` holds nothing on that return', async () => {
    // sway: sixteen findings of this shape, each a return on the allocation's own failure.
    assert.deepEqual(await lines(CREATE('!sway_assert(t, "Unable to allocate")'), 'cpp', C_RULE, 'f.c'), []);
    assert.deepEqual(await lines(CREATE('!sway_assert(t != NULL, "Unable to allocate")'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('an assert on something else, or a plain call taking the block, still leaves it held', async () => {
    assert.deepEqual(await lines(CREATE('!sway_assert(create_list(), "no list")'), 'cpp', C_RULE, 'f.c'), [7]);
    // Not an assert: a check that the block is acceptable says nothing about whether it is NULL.
    const other = CREATE('!check_txn(t, "x")').replace(
      'int *create_list(void);',
      'int *create_list(void);\nbool check_txn(struct txn *, const char *);',
    );
    assert.deepEqual(await lines(other, 'cpp', C_RULE, 'f.c'), [8]);
  });
});

describe('raw-c-resource: a function the file declares as never returning ends the path', () => {
  const READ = (decl: string) => code`
    #include <stdlib.h>
    #include <stdint.h>
    ${decl}
    int read_packet(int n) {
      uint8_t *wire = malloc(4096);
      if (!wire) error("out of memory");
      uint8_t *hex = malloc(4096);
      if (!hex) {
        error("out of memory");
        return -1; /* for compilers that do not know error() ends the program */
      }
      int r = wire[0] + hex[0] + n;
      free(hex);
      free(wire);
      return r;
    }`;

  it('`static void error(const char *msg, ...) ATTR_NORETURN;` and the other spellings', async () => {
    // unbound's testpkts.c: `error()` prints and exits, so `wire` is not left behind by it.
    for (const decl of [
      'static void error(const char *msg, ...) ATTR_NORETURN;',
      'static void error(const char *msg, ...) __attribute__((noreturn));',
      '_Noreturn static void error(const char *msg, ...);',
      'static void error(const char *msg, ...) __attribute__((format(printf, 1, 2))) __attribute__((__noreturn__));',
    ])
      assert.deepEqual(await lines(READ(decl), 'cpp', C_RULE, 'f.c'), [], decl);
  });

  it('a plain declaration returns: the second failure leaves the first block behind', async () => {
    assert.deepEqual(await lines(READ('static void error(const char *msg, ...);'), 'cpp', C_RULE, 'f.c'), [5]);
  });
});

describe('raw-c-resource: a listener added to a signal', () => {
  const HANDLE = (register: string) => code`
    #include <stdlib.h>
    struct wl_listener { void (*notify)(struct wl_listener *, void *); };
    struct wl_signal { int x; };
    struct constraint { struct { struct wl_signal destroy; } events; };
    struct sway_constraint { struct constraint *c; struct wl_listener destroy; };
    void wl_signal_add(struct wl_signal *signal, struct wl_listener *listener);
    void wl_signal_emit(struct wl_signal *signal, void *data);
    void handle_destroy(struct wl_listener *l, void *data);
    void handle_constraint(struct constraint *c) {
      struct sway_constraint *sc = calloc(1, sizeof(*sc));
      sc->c = c;
      sc->destroy.notify = handle_destroy;
      ${register}
    }`;

  it('`wl_signal_add(&c->events.destroy, &sc->destroy)` hands the object to the signal', async () => {
    // sway's pointer constraints: freed by the destroy listener, found through wl_container_of.
    assert.deepEqual(await lines(HANDLE('wl_signal_add(&c->events.destroy, &sc->destroy);'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('emitting a signal with the object keeps nothing', async () => {
    assert.deepEqual(
      await lines(HANDLE('wl_signal_emit(&c->events.destroy, &sc->destroy);'), 'cpp', C_RULE, 'f.c'),
      [10],
    );
  });
});

describe('resource-without-context: a socket bound to a free port, then listening', () => {
  const SERVE = (address: string) => code`
    import socket
    from functools import partial

    def connect_thread(spawn, serve):
        listener = socket.socket()
        listener.bind(${address})
        listener.listen(1)
        spawn(partial(serve, listener))
        return listener.getsockname()
    `;

  it('`listen()` after `bind(("localhost", 0))` is not a failure that leaks it', async () => {
    // rpyc's connect_thread: the system picks the port, and a bound socket's listen does not fail.
    assert.deepEqual(await lines(SERVE('("localhost", 0)'), 'python', 'resource-without-context'), []);
  });

  it('`bind()` to a fixed port can fail with the address in use', async () => {
    assert.deepEqual(await lines(SERVE('("localhost", 18811)'), 'python', 'resource-without-context'), [5]);
  });
});

describe('cleanup-in-loop: a structured binding is the iteration own object', () => {
  it('`for (auto& [_, lease] : leases) lease.reset();` resets a different element each time', async () => {
    // Hyprland's protocol manager at shutdown.
    const each = code`
      #include <map>
      #include <memory>
      struct Lease { int fd; };
      std::map<int, std::unique_ptr<Lease>> leases;
      void shutdown() {
        for (auto& [_, lease] : leases) {
          lease.reset();
        }
      }`;
    assert.deepEqual(await lines(each, 'cpp', 'cleanup-in-loop'), []);
  });

  it('an object from outside the loop, reset while the loop uses it, is still reported', async () => {
    const outside = code`
      #include <map>
      #include <memory>
      struct Engine { void process(int); };
      std::map<int, int> tiles;
      void run(std::unique_ptr<Engine> &engine) {
        for (auto& [k, tile] : tiles) {
          engine->process(tile);
          engine.reset();
        }
      }`;
    assert.deepEqual(await lines(outside, 'cpp', 'cleanup-in-loop'), [8]);
  });
});

describe('unbounded-queue: a work queue filled once from a collection the function holds', () => {
  const FAN_OUT = (source: string) => code`
    import multiprocessing as mp
    from multiprocessing import Manager

    def run(configdata, worker, read_targets):
        manager = Manager()
        inqueue = manager.Queue()
        ${source}
        jobs = [mp.Process(target=worker, args=(inqueue,)) for _ in range(4)]
        for ii, target in enumerate(targetlist):
            inqueue.put((ii, target))
        for i in range(len(targetlist)):
            inqueue.put(None)
        return jobs
    `;

  it("`targetlist = configdata['targets']`: one put per target, bounded by the list", async () => {
    // certbot's letstest multitester: one job per target host, then a sentinel per worker.
    assert.deepEqual(await lines(FAN_OUT("targetlist = configdata['targets']"), 'python', 'unbounded-queue'), []);
  });

  it('a list read from a call may be a stream: still reported', async () => {
    assert.deepEqual(await lines(FAN_OUT('targetlist = read_targets()'), 'python', 'unbounded-queue'), [6]);
  });
});

describe('raw-c-resource: a close under the opening condition written the other way', () => {
  const READ = (closeIf: string) => code`
    #include <stdio.h>
    #include <string.h>
    int count_lines(const char *filename) {
      FILE *fp;
      char s[256];
      int n = 0;
      if (!strcmp(filename, "/dev/stdin"))
        fp = stdin;
      else
        fp = fopen(filename, "r");
      if (fp == NULL)
        return -1;
      while (fgets(s, sizeof(s), fp))
        n++;
      if (${closeIf})
        fclose(fp);
      return n;
    }`;

  it('`if (strcmp(filename, "/dev/stdin")) fclose(fp);` closes every file it opened', async () => {
    // feh's filelist: stdin is read in place, anything else opened and closed under the same test.
    assert.deepEqual(await lines(READ('strcmp(filename, "/dev/stdin")'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('a close under another test leaves the file open on the other way', async () => {
    assert.deepEqual(await lines(READ('n > 0'), 'cpp', C_RULE, 'f.c'), [10]);
  });
});

describe('raw-c-resource: a return under the opposite of the acquisition guard', () => {
  const RECV = (early: string) => code`
    #include <stdlib.h>
    #include <stddef.h>
    struct hdr { size_t len; int type; };
    int handle(int type, void *data, size_t len);
    void drain(void *dst, size_t len);
    void on_message(struct hdr h) {
      void *data = NULL;
      if (h.len > 0 && (data = malloc(h.len)) == NULL)
        return;
      if (h.len > 0) drain(data, h.len);
      if (${early}) return;
      handle(h.type, data, h.len);
      free(data);
    }`;

  it('`if (h.len == 0 && ...) return;` after allocating only when `h.len > 0` holds nothing', async () => {
    // lldpd's control socket: an empty notification acknowledgment is dropped before anything is allocated.
    assert.deepEqual(await lines(RECV('h.len == 0 && h.type == 3'), 'cpp', C_RULE, 'f.c'), []);
    assert.deepEqual(await lines(RECV('h.len <= 0'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('a return that the guard does not rule out leaks the block', async () => {
    assert.deepEqual(await lines(RECV('h.len > 64 && h.type == 3'), 'cpp', C_RULE, 'f.c'), [8]);
    assert.deepEqual(await lines(RECV('h.len != 0'), 'cpp', C_RULE, 'f.c'), [8]);
  });
});

describe('resource-without-context: a program without an extension', () => {
  const USERSCRIPT = code`
    #!/usr/bin/env python3
    import socket
    import sys

    class KeepassXC:
        def __init__(self, path):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.path = path

        def connect(self):
            self.sock.connect(self.path)

        def secret(self):
            return open(self.path + '.key').read()

    def main():
        kp = KeepassXC(sys.argv[1])
        kp.connect()
        print(kp.secret())

    if __name__ == '__main__':
        main()
    `;

  it('its own class, made once, runs once, as in a scripts folder: no finding', async () => {
    // qutebrowser's misc/userscripts/qute-keepassxc: run by its #! line, importable by no module.
    assert.deepEqual(
      await lines(USERSCRIPT, 'python', 'resource-without-context', 'misc/userscripts/qute-keepassxc'),
      [],
    );
  });

  it('made in a loop, or in an importable module, it is reported', async () => {
    const inLoop = USERSCRIPT.replace(
      '    kp = KeepassXC(sys.argv[1])\n    kp.connect()\n    print(kp.secret())',
      '    for path in sys.argv[1:]:\n        kp = KeepassXC(path)\n        kp.connect()\n        print(kp.secret())',
    );
    assert.notEqual(inLoop, USERSCRIPT);
    assert.deepEqual(await lines(inLoop, 'python', 'resource-without-context', 'misc/userscripts/qute-keepassxc'), [7]);
    const library = await lines(USERSCRIPT, 'python', 'resource-without-context', 'misc/userscripts/keepassxc.py');
    assert.deepEqual(library, [7, 14]);
  });
});
