// How a loop was left decides what a test after it can see: a `break` leaves the loop's own
// condition true (memcached's and openssh's connect loops over getaddrinfo results, judged false
// alarms), while running off the end makes it false. And a value returned in parentheses is still
// returned (libarchive's `return (tree_reopen(t, path))`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

/** A connect loop over addresses; `onConnectFailure` runs when connect() fails. */
const dial = (onConnectFailure: string, afterLoop = 'if (!ai)') => code`
  int dial(struct addrinfo *aitop) {
    struct addrinfo *ai;
    int sock = -1;
    for (ai = aitop; ai; ai = ai->ai_next) {
      sock = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
      if (sock == -1)
        continue;
      if (connect(sock, ai->ai_addr, ai->ai_addrlen) == -1) {
        ${onConnectFailure}
      }
      break;
    }
    freeaddrinfo(aitop);
    ${afterLoop}
      return -1;
    return sock;
  }`;

describe('a loop left by break or by its condition', () => {
  it('knows a break leaves the loop variable non-NULL, so the test after the loop only catches exhaustion', async () => {
    assert.deepEqual(await lines(dial('close(sock); continue;'), 'cpp', RULE, 'src/net.c'), []);
    assert.deepEqual(await lines(dial('close(sock); continue;', 'if (ai == NULL)'), 'cpp', RULE, 'src/net.c'), []);
  });

  it('still reports the socket a failed connect drops before the next iteration', async () => {
    assert.deepEqual(await lines(dial('continue;'), 'cpp', RULE, 'src/net.c'), [5]);
  });

  it('still reports a test after the loop that a break can reach with the socket held', async () => {
    // A test of something else says nothing about how the loop ended: a connected socket gets here.
    const src = dial('close(sock); continue;', 'if (aitop->ai_flags & AI_PASSIVE)');
    assert.deepEqual(await lines(src, 'cpp', RULE, 'src/net.c'), [5]);
  });
});

describe('a return in parentheses', () => {
  it('hands on what the returned call is given, like a return without them', async () => {
    const src = code`
      static struct tree *tree_reopen(struct tree *t, const char *path);
      static struct tree *tree_open(const char *path, char mode) {
        struct tree *t;
        if ((t = calloc(1, sizeof(*t))) == NULL)
          return (NULL);
        t->initial_mode = mode;
        return (tree_reopen(t, path));
      }`;
    assert.deepEqual(await lines(src, 'cpp', RULE, 'src/tree.c'), []);
  });
});
