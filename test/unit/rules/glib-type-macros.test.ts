// GLib's allocation macros take a type (`g_new0(struct avdtp, 1)`, `g_new(GList *, n)`), which the C
// grammar cannot read as an argument. The parse error stays inside the argument list, so the function
// is still analysed: bluez's avdtp_new() leaked a dup()ed descriptor when set_priority() failed, in a
// function that allocates its session with g_new0 (a recall miss from bluez).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

const SESSION = (alloc: string) =>
  code`
  #include <unistd.h>
  #include <sys/socket.h>
  #include <glib.h>
  struct avdtp { int fd; };
  struct avdtp *avdtp_new(int fd) {
      struct avdtp *session;
      int new_fd = dup(fd);
      if (new_fd < 0)
          return NULL;
      if (setsockopt(new_fd, SOL_SOCKET, SO_PRIORITY, 0, 0) < 0)
          return NULL;
      session = ALLOC;
      session->fd = new_fd;
      return session;
  }`.replace('ALLOC', alloc);

describe('raw-c-resource: functions that allocate with a GLib type macro are analysed', () => {
  for (const alloc of ['g_new0(struct avdtp, 1)', 'g_new(struct avdtp *, 1)[0]', 'g_slice_new0(struct avdtp)']) {
    it(`flags the leak beside \`${alloc}\``, async () => {
      assert.deepEqual(await lines(SESSION(alloc), 'cpp', RULE, 'f.c'), [7]);
    });
  }

  it('is not flagged when the same function hands the descriptor on before the failure return', async () => {
    const handedOn = SESSION('g_new0(struct avdtp, 1)')
      .replace('    if (setsockopt(new_fd, SOL_SOCKET, SO_PRIORITY, 0, 0) < 0)\n        return NULL;\n', '')
      .replace(
        'return session;',
        'if (setsockopt(new_fd, SOL_SOCKET, SO_PRIORITY, 0, 0) < 0)\n        return NULL;\n    return session;',
      );
    assert.deepEqual(await lines(handedOn, 'cpp', RULE, 'f.c'), []);
  });
});
