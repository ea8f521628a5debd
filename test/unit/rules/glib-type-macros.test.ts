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

describe('raw-c-resource: GLib getters documented to return a newly allocated string', () => {
  const LOAD = (use: string) =>
    code`
    #include <glib.h>
    struct device { int bearer; };
    void load_info(struct device *device, GKeyFile *key_file) {
        char *str = g_key_file_get_string(key_file, "General", "LastUsedBearer", NULL);
        if (str)
            USE;
    }`.replace('USE', use);

  it("flags bluez's load_info: the string is only compared, never freed", async () => {
    assert.deepEqual(await lines(LOAD('device->bearer = !strcmp(str, "le")'), 'cpp', RULE, 'f.c'), [4]);
  });

  it('is not flagged when it is g_free()d or kept', async () => {
    assert.deepEqual(await lines(LOAD('g_free(str)'), 'cpp', RULE, 'f.c'), []);
    assert.deepEqual(await lines(LOAD('device_set_name(device, str)'), 'cpp', RULE, 'f.c'), []);
  });

  it('g_key_file_get_keys() is released with g_strfreev()', async () => {
    const keys = code`
      #include <glib.h>
      int count(GKeyFile *kf) {
          gchar **keys = g_key_file_get_keys(kf, "General", NULL, NULL);
          int n = keys ? g_strv_length(keys) : 0;
          if (n > 99)
              return -1;
          g_strfreev(keys);
          return n;
      }`;
    assert.deepEqual(await lines(keys, 'cpp', RULE, 'f.c'), [3]);
  });
});

describe('raw-c-resource: a GError argument tells whether a GLib call returned anything', () => {
  const READ = (branch: string) =>
    code`
    #include <glib.h>
    void read_config(GKeyFile *config) {
        GError *err = NULL;
        char *uhid = g_key_file_get_string(config, "General", "UserspaceHID", &err);
        BRANCH
        g_key_file_free(config);
    }`.replace('BRANCH', branch);

  it("is not flagged: `if (!err) { ...; g_free(s); } else g_clear_error(&err);` (bluez's hog.c)", async () => {
    const idiom = 'if (!err) {\n        use(uhid);\n        g_free(uhid);\n    } else\n        g_clear_error(&err);';
    assert.deepEqual(await lines(READ(idiom), 'cpp', RULE, 'f.c'), []);
  });

  it('flags the success branch that forgets to free it', async () => {
    const forgets = 'if (!err) {\n        use(uhid);\n    } else {\n        g_clear_error(&err);\n    }';
    assert.deepEqual(await lines(READ(forgets), 'cpp', RULE, 'f.c'), [4]);
  });
});
