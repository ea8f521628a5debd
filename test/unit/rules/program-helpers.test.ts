// A file with main() is a program: a helper that main runs once, with the process ending soon after,
// gives back what it holds at exit; a helper run from a loop or by someone else (a callback, a library
// function beside a test main) leaks as it would anywhere. Each fixture beside the shape the other way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

const HELPER = code`
  #include <fcntl.h>
  #include <unistd.h>
  static size_t max_id_size(void) {
      char buf[16];
      int fd = open("/proc/sys/kernel/pid_max", O_RDONLY);
      if (fd == -1)
          return 6;
      if (read(fd, buf, sizeof(buf)) == -1)
          return 6;
      return 7;
  }
  `;

describe('raw-c-resource: helpers of a program', () => {
  it('is not flagged: main calls the helper once and returns (the process gives the fd back)', async () => {
    const once = HELPER + 'int main(int argc, char **argv) {\n    return (int)max_id_size();\n}\n';
    assert.deepEqual(await lines(once, 'cpp', RULE, 'tool.c'), []);
  });

  it('is not flagged through a chain of helpers each called once on the way from main', async () => {
    const chain =
      HELPER +
      'static int setup(void) { return (int)max_id_size(); }\n' +
      'int main(int argc, char **argv) {\n    return setup();\n}\n';
    assert.deepEqual(await lines(chain, 'cpp', RULE, 'tool.c'), []);
  });

  it('flags the helper when main calls it from a loop (util-linux dmesg --follow style)', async () => {
    const loop = HELPER + 'int main(int argc, char **argv) {\n    for (;;)\n        print_record(max_id_size());\n}\n';
    assert.deepEqual(await lines(loop, 'cpp', RULE, 'tool.c'), [5]);
  });

  it('flags a helper the file never calls: a callback, or a library function beside a test main', async () => {
    const library = HELPER + '#ifdef TEST_PROGRAM\nint main(int argc, char **argv) {\n    return 0;\n}\n#endif\n';
    assert.deepEqual(await lines(library, 'cpp', RULE, 'sysfs.c'), [5]);
  });

  it('reads `int WINAPI WinMain(...)` as an entry like main', async () => {
    const win =
      HELPER +
      'int WINAPI WinMain(HINSTANCE a, HINSTANCE b, LPSTR c, int d) {\n    return (int)max_id_size();\n}\n' +
      'int main(int argc, char **argv) {\n    return (int)max_id_size();\n}\n';
    assert.deepEqual(await lines(win, 'cpp', RULE, 'launcher.c'), []);
  });

  it("finds main's call when unpaired #ifdef branches leave main in an ERROR node", async () => {
    // nnn.c: `#ifdef` arms that each open a brace make the grammar give up on main; the caller is then
    // the last function head above the call.
    const broken =
      HELPER +
      'int main(int argc, char **argv)\n{\n#ifdef A\n    if (argc > 1) {\n#else\n    if (argc > 2) {\n#endif\n' +
      '        max_id_size();\n    }\n    return 0;\n}\n';
    assert.deepEqual(await lines(broken, 'cpp', RULE, 'nnn.c'), []);
    const inLoop = broken.replace('        max_id_size();', '        while (argc--) max_id_size();');
    assert.deepEqual(await lines(inLoop, 'cpp', RULE, 'nnn.c'), [5]);
  });
});

describe('raw-c-resource: a status compared with zero as a count', () => {
  const EVENT = (test: string) =>
    code`
    #include <stdio.h>
    #include <stdlib.h>
    #include <fcntl.h>
    int emit_event(const char *base) {
        char *filename;
        int fd;
        if (TEST)
            return -1;
        fd = open(filename, O_WRONLY);
        free(filename);
        return fd;
    }`.replace('TEST', test);

  it('is not flagged: `asprintf(...) <= 0` is the failure, when nothing was allocated (libmount)', async () => {
    assert.deepEqual(await lines(EVENT('asprintf(&filename, "%s.event", base) <= 0'), 'cpp', RULE, 'f.c'), []);
    assert.deepEqual(await lines(EVENT('!(asprintf(&filename, "%s.event", base) > 0)'), 'cpp', RULE, 'f.c'), []);
  });

  it('flags the path a count test lets through with the string held', async () => {
    const held = EVENT('asprintf(&filename, "%s.event", base) > 0');
    assert.deepEqual(await lines(held, 'cpp', RULE, 'f.c'), [7]);
  });
});

describe("raw-c-resource: unbound's fatal_exit() does not return", () => {
  const SETUP = (fail: string) =>
    code`
    #include <stdio.h>
    static void setup_config(const char *path) {
        FILE *cfg = fopen(path, "w");
        if (!cfg)
            return;
        if (fputs("server:\\n", cfg) < 0) {
            FAIL;
            return;
        }
        fclose(cfg);
    }`.replace('FAIL', fail);

  it('is not flagged when the failing write ends the process', async () => {
    assert.deepEqual(await lines(SETUP('fatal_exit("write failed")'), 'cpp', RULE, 'testbound.c'), []);
  });

  it('flags the same failure reported by a function that returns', async () => {
    assert.deepEqual(await lines(SETUP('log_err("write failed")'), 'cpp', RULE, 'testbound.c'), [3]);
  });
});

describe('raw-c-resource: a branch only a static analyzer compiles', () => {
  const TEMP = (guard: string) =>
    code`
    #include <stdio.h>
    #include <stdlib.h>
    FILE *temp_file(char *name) {
    GUARD
        int fd = mkstemp(name);
        if (fd < 0)
            return NULL;
        FILE *f = fdopen(fd, "w+");
        if (f == NULL)
            return NULL;
        return f;
    #else
        return tmpfile();
    #endif
    }`.replace('GUARD', guard);

  it('is not flagged under `#ifdef __COVERITY__` (libpng pngstest.c: tmpfile() in every real build)', async () => {
    assert.deepEqual(await lines(TEMP('#ifdef __COVERITY__'), 'cpp', RULE, 'pngstest.c'), []);
  });

  it('flags the same code under a macro a real build defines', async () => {
    assert.deepEqual(await lines(TEMP('#ifdef HAVE_MKSTEMP'), 'cpp', RULE, 'pngstest.c'), [5]);
  });
});

describe('raw-c-resource: a function registered with atexit() runs as the process ends', () => {
  const RESTORE = (register: string) =>
    code`
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    void restore_ip_forward(void) {
        char *iface = strdup("all");
        FILE *fd = fopen("/proc/sys/net/ipv4/ip_forward", "w");
        if (fd == NULL)
            return;
        fprintf(fd, "%s", iface);
        fclose(fd);
        free(iface);
    }
    void disable_ip_forward(void) {
        REGISTER;
    }`.replace('REGISTER', register);

  it("is not flagged: ettercap's restore_ip_forward is an atexit() handler", async () => {
    assert.deepEqual(await lines(RESTORE('atexit(restore_ip_forward)'), 'cpp', RULE, 'ec_linux.c'), []);
  });

  it('flags the same function called as an ordinary one', async () => {
    assert.deepEqual(await lines(RESTORE('restore_ip_forward()'), 'cpp', RULE, 'ec_linux.c'), [5]);
  });
});
