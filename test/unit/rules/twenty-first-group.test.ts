// Shapes from the twenty-first group of real projects (weechat, ccextractor, profanity, hashcat, qTox,
// ncmpcpp, kombu, rq, Flexget, xonsh, pyload, libcloud; judged before any tuning on it): each a fixture of
// its own, beside the same shape the other way round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const QUEUE_RULE = 'unbounded-queue';

describe('unbounded-queue: a local queue handed to one probe thread', () => {
  const PROBE = (producer: string) =>
    code`
    import queue
    import threading

    PRODUCER

    def branch():
        q = queue.Queue()
        t = threading.Thread(target=probe, args=(q,), daemon=True)
        t.start()
        t.join(timeout=1.0)
        try:
            return q.get_nowait()
        except queue.Empty:
            return None

    def pump(q, source):
        while True:
            q.put(source.read())`.replace('PRODUCER', producer);

  it('is not flagged when the thread puts once (then returns), whatever other functions do with a `q`', async () => {
    // xonsh's version-control probes: the answer of a search loop, then `return`; `pump` is another `q`.
    const once =
      'def probe(q):\n    for cmd in commands():\n        if run(cmd):\n            q.put(cmd)\n            return\n    q.put(None)';
    assert.deepEqual(await lines(PROBE(once), 'python', QUEUE_RULE), []);
    const breaks = 'def probe(out):\n    while True:\n        if found():\n            out.put(1)\n            break';
    assert.deepEqual(await lines(PROBE(breaks), 'python', QUEUE_RULE), []);
  });

  it('is flagged when the thread it starts keeps putting, under whatever parameter name', async () => {
    const streams = 'def probe(out):\n    while True:\n        out.put(read_line())';
    assert.deepEqual(await lines(PROBE(streams), 'python', QUEUE_RULE), [9]);
  });
});

const C_RULE = 'raw-c-resource';

describe('raw-c-resource: an assignment that #ifdef splits stores the call in each branch', () => {
  it('`b->spellers =` then `malloc(...)` under #ifdef and #else is stored, not discarded', async () => {
    // weechat's spell plugin: the grammar reads two bare `malloc(...);` statements.
    const split = code`
      #include <stdlib.h>
      struct speller_buffer { void **spellers; };
      void use(struct speller_buffer *b, int n) {
          if (n > 0) {
              b->spellers =
      #ifdef USE_ENCHANT
                  malloc ((n + 1) * sizeof (void *));
      #else
                  malloc ((n + 1) * sizeof (char *));
      #endif
          }
      }`;
    assert.deepEqual(await lines(split, 'cpp', C_RULE, 'f.c'), []);
  });

  it('a bare call in a directive block, with a whole statement before it, is still discarded', async () => {
    const bare = code`
      #include <stdlib.h>
      void use(int n) {
          n++;
      #ifdef USE_ENCHANT
          malloc (n);
      #endif
      }`;
    assert.deepEqual(await lines(bare, 'cpp', C_RULE, 'f.c'), [5]);
  });
});

describe('raw-c-resource: a descriptor compared with a standard stream', () => {
  const SAVE = (test: string) => code`
    #include <fcntl.h>
    #include <unistd.h>
    void save(int to_stdout, const char *name, const char *text, int n) {
        int desc;
        if (to_stdout)
            desc = 1;
        else
            desc = open(name, O_WRONLY | O_CREAT, 0600);
        if (desc < 0)
            return;
        write(desc, text, n);
        if (${test})
            close(desc);
    }`;

  it('`if (desc != 1) close(desc)` closes every descriptor it opened', async () => {
    // ccextractor's subtitle writer: 1 is stdout, set on the other branch.
    assert.deepEqual(await lines(SAVE('desc != 1'), 'cpp', C_RULE, 'f.c'), []);
    assert.deepEqual(await lines(SAVE('desc != STDOUT_FILENO'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('a test against another number still leaves it open', async () => {
    assert.deepEqual(await lines(SAVE('desc != 7'), 'cpp', C_RULE, 'f.c'), [8]);
  });
});

describe('raw-c-resource: a named failure code of the acquisition holds nothing', () => {
  const RESOLVE = (test: string) => code`
    #include <netdb.h>
    #include <stdlib.h>
    char *to_ipv4(const char *address);
    int resolve(const char *address, const char *port, struct addrinfo *hints) {
        struct addrinfo *ainfo = NULL;
        int rc = getaddrinfo(address, port, hints, &ainfo);
        if (${test}) {
            char *converted = to_ipv4(address);
            rc = getaddrinfo(converted, port, hints, &ainfo);
            free(converted);
        }
        if (rc != 0)
            return -1;
        int family = ainfo->ai_family;
        freeaddrinfo(ainfo);
        return family;
    }`;

  it('`if (rc == EAI_NONAME)` retries after a failure: nothing was held', async () => {
    // weechat's xfer: a retry with the address converted.
    assert.deepEqual(await lines(RESOLVE('rc == EAI_NONAME'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('a retry under a test that success passes overwrites a held result', async () => {
    assert.deepEqual(await lines(RESOLVE('rc == 0 && address[0] == 0'), 'cpp', C_RULE, 'f.c'), [6]);
  });
});

describe('raw-c-resource: acquisitions under tests of one value against different constants', () => {
  const COPY = (second: string) => code`
    #include <string.h>
    #include <stdlib.h>
    enum xfer_type { RECV_ACTIVE, RECV_PASSIVE, SEND_PASSIVE };
    char *start(int type, const char *filename) {
        char *filename2 = NULL;
        if ((type == RECV_ACTIVE) || (type == RECV_PASSIVE)) {
            filename2 = strdup (filename);
        }
        if (${second}) {
            filename2 = strdup (filename);
        }
        return filename2;
    }`;

  it('`type == SEND_PASSIVE` cannot hold after `type == RECV_ACTIVE || type == RECV_PASSIVE`', async () => {
    // weechat's xfer_add: each transfer type copies the name once.
    assert.deepEqual(await lines(COPY('type == SEND_PASSIVE'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('a test one of those constants passes reaches the second copy', async () => {
    assert.deepEqual(await lines(COPY('type == RECV_PASSIVE'), 'cpp', C_RULE, 'f.c'), [7]);
  });
});

const PY_RULE = 'resource-without-context';

describe('resource-without-context: a loop over a caller-given iterator between open and close', () => {
  const UPLOAD = (loop: string) =>
    code`
    def upload(obj_path, iterator: "Iterator[bytes]", chunks):
        obj_file = open(obj_path, "w")
        LOOP
            obj_file.write(data)
        obj_file.close()`.replace('LOOP', loop);

  it('`for data in iterator:` over a parameter may raise and skip the close', async () => {
    // libcloud's upload from a stream: the stream's read failing skips obj_file.close().
    assert.deepEqual(await lines(UPLOAD('for data in iterator:'), 'python', PY_RULE), [2]);
  });

  it('a loop over a local list cannot raise there', async () => {
    assert.deepEqual(await lines(UPLOAD('for data in ["a", "b"]:'), 'python', PY_RULE), []);
  });
});

describe('raw-c-resource: cJSON trees are resources', () => {
  it('a parsed body dropped on an early return leaks', async () => {
    // weechat's relay API: three fixes of this shape (`return BAD_REQUEST` without cJSON_Delete).
    const parse = code`
      #include "cJSON.h"
      int handshake(const char *body) {
          cJSON *json = cJSON_Parse(body);
          if (!json)
              return 400;
          if (!cJSON_IsObject(json))
              return 400;
          cJSON_Delete(json);
          return 200;
      }`;
    assert.deepEqual(await lines(parse, 'cpp', C_RULE, 'f.c'), [3]);
  });

  it('a node added into another tree belongs to that tree', async () => {
    const build = code`
      #include "cJSON.h"
      cJSON *make(int n) {
          cJSON *root = cJSON_CreateObject();
          if (!root)
              return NULL;
          cJSON *items = cJSON_CreateArray();
          cJSON_AddItemToObject(root, "items", items);
          return root;
      }`;
    assert.deepEqual(await lines(build, 'cpp', C_RULE, 'f.c'), []);
  });
});

describe('resource-without-context: in a script, only the handlers on the way up matter', () => {
  const SCRIPT = (caller: string) =>
    code`
    import sys

    def save(path, data):
        f = open(path, "w")
        f.write(data.encode_all())
        f.close()

    def probe(host):
        try:
            return lookup(host)
        except OSError:
            return None

    CALLER

    if __name__ == "__main__":
        try:
            main(sys.argv[1:])
        except Exception as e:
            print(e)
            sys.exit(1)`.replace('CALLER', caller);

  it('an exception from save() ends the process: a handler elsewhere in the file is not on its way', async () => {
    // impacket's examples: probe()'s handler carries on, but nothing calls save() under it.
    const main = 'def main(args):\n    probe(args[0])\n    while True:\n        save(args[1], input())';
    assert.deepEqual(await lines(SCRIPT(main), 'python', PY_RULE), []);
  });

  it('a caller that catches and carries on, round a loop, keeps the file open', async () => {
    const main =
      'def main(args):\n    while True:\n        try:\n            save(args[0], input())\n        except ValueError:\n            continue';
    assert.deepEqual(await lines(SCRIPT(main), 'python', PY_RULE), [4]);
  });
});
