// Shapes from the nineteenth group of real projects (i3, feh, nnn, OpenSCAD, Mumble, sqlmap, deluge,
// impacket, ...; judged before any tuning on it) and its recall set: each a fixture of its own, beside
// the same shape the other way round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const C_RULE = 'raw-c-resource';
const PY_RULE = 'resource-without-context';

describe('raw-c-resource: a `new` object the function keeps only later', () => {
  const LOAD = (keep: string) => code`
    #include <memory>
    #include <vector>
    struct PolySet { explicit PolySet(int); void add(); };
    bool bad(int);
    struct Importer {
      std::vector<std::shared_ptr<PolySet>> meshes;
      std::vector<PolySet *> raw;
      bool load(int n) {
        for (int i = 0; i < n; i++) {
          PolySet *p = new PolySet(3);
          if (bad(i)) return false;
          p->add();
          ${keep}
        }
        return true;
      }
    };`;

  it('adopted by a smart pointer or a member container after an early return: that return leaks it', async () => {
    // OpenSCAD's 3MF import: `meshes.push_back(shared_ptr<PolySet>(p))` after the per-triangle checks.
    assert.deepEqual(await lines(LOAD('meshes.push_back(std::shared_ptr<PolySet>(p));'), 'cpp', C_RULE), [10]);
    assert.deepEqual(await lines(LOAD('raw.push_back(p);'), 'cpp', C_RULE), [10]);
  });

  it('owned at once, deleted on the early path, or never kept at all: no finding', async () => {
    const atOnce = code`
      #include <memory>
      struct PolySet { explicit PolySet(int); };
      bool bad(int);
      bool load(int n) {
        PolySet *p = new PolySet(n);
        std::unique_ptr<PolySet> owner(p);
        if (bad(n)) return false;
        return true;
      }`;
    assert.deepEqual(await lines(atOnce, 'cpp', C_RULE), []);
    assert.deepEqual(await lines(LOAD('if (bad(i)) { delete p; continue; } raw.push_back(p);'), 'cpp', C_RULE), [10]);
    // Kept in a local container only: where it goes from there is not this function's to know.
    const local = code`
      #include <vector>
      struct PolySet { explicit PolySet(int); };
      bool bad(int);
      std::vector<PolySet *> load(int n) {
        std::vector<PolySet *> out;
        PolySet *p = new PolySet(n);
        if (bad(n)) return out;
        out.push_back(p);
        return out;
      }`;
    assert.deepEqual(await lines(local, 'cpp', C_RULE), []);
  });
});

describe('raw-c-resource: library calls that allocate what they return', () => {
  it('`getcwd(NULL, 0)` and `realpath(p, NULL)` allocate; given a buffer they fill it', async () => {
    const cwd = (arg: string) => code`
      #include <stdlib.h>
      #include <unistd.h>
      int use(const char *);
      int f(void) {
          char buf[256];
          char *cwd = getcwd(${arg});
          if (use(cwd)) return -1;
          free(cwd);
          return 0;
      }`;
    assert.deepEqual(await lines(cwd('NULL, 0'), 'cpp', C_RULE, 'f.c'), [6]);
    assert.deepEqual(await lines(cwd('buf, sizeof buf'), 'cpp', C_RULE, 'f.c'), []);
    const real = (arg: string) => code`
      #include <stdlib.h>
      int use(const char *);
      int f(const char *p, char *out) {
          char *r = realpath(p, ${arg});
          if (!r) return -1;
          if (use(r)) return -1;
          free(r);
          return 0;
      }`;
    assert.deepEqual(await lines(real('NULL'), 'cpp', C_RULE, 'f.c'), [4]);
    assert.deepEqual(await lines(real('out'), 'cpp', C_RULE, 'f.c'), []);
  });

  it("GNU readline's line; not a project's own `readline(fd, buf, n)`", async () => {
    const gnu = code`
      #include <stdlib.h>
      #include <readline/readline.h>
      int prompt(void) {
          char *line = readline("> ");
          if (!line) return -1;
          if (!*line) return 0;
          free(line);
          return 1;
      }`;
    assert.deepEqual(await lines(gnu, 'cpp', C_RULE, 'f.c'), [4]);
    const own = code`
      int readline(int fd, char *buf, int n);
      int next(int fd) {
          char buf[64];
          char *line = (char *)readline(fd, buf, sizeof buf);
          if (!line) return -1;
          return 1;
      }`;
    assert.deepEqual(await lines(own, 'cpp', C_RULE, 'f.c'), []);
  });

  it("Xlib's graphics context, asprintf's string and ALSA's card name", async () => {
    const gc = (exit: string) => code`
      #include <X11/Xlib.h>
      int grab(Display *);
      int shape(Display *dpy, Drawable w) {
          XGCValues v;
          GC gc = XCreateGC(dpy, w, 0, &v);
          if (grab(dpy)) ${exit}
          XFreeGC(dpy, gc);
          return 0;
      }`;
    assert.deepEqual(await lines(gc('return 1;'), 'cpp', C_RULE, 'f.c'), [5]);
    assert.deepEqual(await lines(gc('{ XFreeGC(dpy, gc); return 1; }'), 'cpp', C_RULE, 'f.c'), []);
    const fmt = code`
      #include <stdio.h>
      #include <stdlib.h>
      int use(const char *);
      int f(int n) {
          char *s;
          if (asprintf(&s, "%d", n) < 0) return -1;
          if (use(s)) return -1;
          free(s);
          return 0;
      }`;
    assert.deepEqual(await lines(fmt, 'cpp', C_RULE, 'f.c'), [6]);
    const card = code`
      #include <stdlib.h>
      #include <alsa/asoundlib.h>
      int list(int card, int (*add)(const char *)) {
          char *name;
          if (snd_card_get_name(card, &name) < 0) return -1;
          if (add(name)) return -1;
          free(name);
          return 0;
      }`;
    assert.deepEqual(await lines(card, 'cpp', C_RULE, 'f.c'), [5]);
  });

  it("OpenSSH's logdie_r never returns: what it is given is not leaked", async () => {
    const die = (call: string) => code`
      #include <stdarg.h>
      #include <stdio.h>
      #include <stdlib.h>
      void fatal_error(int r, const char *fmt, ...) {
          char *tag = NULL;
          va_list ap;
          va_start(ap, fmt);
          if (vasprintf(&tag, fmt, ap) == -1) tag = NULL;
          va_end(ap);
          ${call}(r, "%s", tag ? tag : "");
      }`;
    assert.deepEqual(await lines(die('logdie_r'), 'cpp', C_RULE, 'f.c'), []);
    assert.deepEqual(await lines(die('log_error'), 'cpp', C_RULE, 'f.c'), [8]);
  });

  it('an allocating copy before the only release is no hint in Qt code, where a failed allocation is fatal', async () => {
    const src = (container: string) => code`
      #include <stdlib.h>
      #include <string>
      ${container} names;
      void add(int card) {
          char *name;
          if (snd_card_get_name(card, &name) < 0) return;
          names.insert(std::string(name));
          free(name);
      }`;
    assert.deepEqual(await lines(src('std::set<std::string>'), 'cpp', C_RULE), [6]);
    assert.deepEqual(await lines(src('QList<QString>'), 'cpp', C_RULE), []);
  });
});

describe('resource-without-context: the descriptor of `tempfile.mkstemp()`', () => {
  it('dropped by `[1]`, bound to `_` or never used: it leaks; closed or wrapped: no finding', async () => {
    const src = (made: string, after = 'pass') => code`
      import os
      import tempfile

      def download(url):
          ${made}
          ${after}
          return fetch(url, path)`;
    assert.deepEqual(await lines(src('path = tempfile.mkstemp()[1]'), 'python', PY_RULE), [5]);
    assert.deepEqual(await lines(src('_, path = tempfile.mkstemp()'), 'python', PY_RULE), [5]);
    assert.deepEqual(await lines(src('fd, path = tempfile.mkstemp()'), 'python', PY_RULE), [5]);
    assert.deepEqual(await lines(src('fd, path = tempfile.mkstemp()', 'os.close(fd)'), 'python', PY_RULE), []);
    // sqlmap's api.py: the descriptor named `_`, closed on the next line.
    assert.deepEqual(await lines(src('_, path = tempfile.mkstemp()', 'os.close(_)'), 'python', PY_RULE), []);
    assert.deepEqual(await lines(src('path = tempfile.mkstemp()[0]'), 'python', PY_RULE), []);
  });

  it("a script's own top level ends with the process", async () => {
    const script = code`
      import tempfile

      if __name__ == "__main__":
          path = tempfile.mkstemp()[1]
          print(path)`;
    assert.deepEqual(await lines(script, 'python', PY_RULE), []);
  });
});

describe('resource-without-context: a file read in binary mode, then closed', () => {
  it('nothing but reads of a binary file between open and close: nothing realistic raises', async () => {
    const src = (mode: string, read: string) => code`
      def load(path):
          f = open(path, ${mode})
          data = ${read}
          f.close()
          return parse(data)`;
    assert.deepEqual(await lines(src("'rb'", 'f.read()'), 'python', PY_RULE), []);
    // Text mode decodes, and a decoding error skips the close; another call between can raise.
    assert.deepEqual(await lines(src("'r'", 'f.read()'), 'python', PY_RULE), [2]);
    assert.deepEqual(await lines(src("'rb'", 'decode(f.read())'), 'python', PY_RULE), [2]);
  });
});

describe("resource-without-context: a script's methods, called once from its main guard", () => {
  const SCRIPT = (main: string) => code`
    import threading

    class Dumper:
        def __init__(self, options):
            self.options = options

        def credential(self):
            fp = open(self.options.file, 'rb')
            data = fp.read()
            return parse(data)

        def run(self):
            if self.options.action == 'credential':
                self.credential()

    if __name__ == '__main__':
        ${main}`;

  it('a method that runs once per process: the process ends soon after', async () => {
    assert.deepEqual(await lines(SCRIPT('Dumper(parse_args()).run()'), 'python', PY_RULE, 'examples/dump.py'), []);
  });

  it("outside the project's script folders a script's classes may be a library's too", async () => {
    // ranger's rifle.py runs as a program, and ranger imports its Rifle class.
    assert.deepEqual(await lines(SCRIPT('Dumper(parse_args()).run()'), 'python', PY_RULE, 'ranger/ext/dump.py'), [8]);
  });

  it('called in a loop of the main guard, or handed to a thread: no longer once', async () => {
    assert.deepEqual(
      await lines(SCRIPT('while True: Dumper(parse_args()).run()'), 'python', PY_RULE, 'examples/dump.py'),
      [8],
    );
    assert.deepEqual(
      await lines(
        SCRIPT('threading.Thread(target=Dumper(parse_args()).run).start()'),
        'python',
        PY_RULE,
        'examples/dump.py',
      ),
      [8],
    );
  });

  it("an interactive shell's command runs as often as the user types it", async () => {
    const shell = code`
      import cmd

      class Shell(cmd.Cmd):
          def do_get(self, name):
              fh = open(name, 'wb')
              self.client.get_file(name, fh.write)
              fh.close()

      if __name__ == '__main__':
          Shell().cmdloop()`;
    assert.deepEqual(await lines(shell, 'python', PY_RULE, 'examples/shell.py'), [5]);
  });
});

describe("resource-without-context: a script's last handler", () => {
  it("an exception that reaches the main guard's final `except` ends the program there", async () => {
    const src = (after: string) => code`
      import logging
      import socket

      def probe(host):
          s = socket.create_connection((host, 80))
          s.sendall(b'HEAD / HTTP/1.0\\r\\n\\r\\n')
          s.close()

      def main():
          try:
              while True: probe(sys.argv[1])
          except Exception as e:
              logging.error(str(e))
          ${after}

      if __name__ == '__main__':
          main()`;
    assert.deepEqual(await lines(src(''), 'python', PY_RULE), []);
    // The program goes on after handling it: the socket stays open meanwhile.
    assert.deepEqual(await lines(src('serve_forever()'), 'python', PY_RULE), [5]);
  });
});

describe('resource-without-context: a write of formatted text, then the close', () => {
  it('string methods and the pid do not raise; a Path renamed in between can', async () => {
    const src = (text: string) => code`
      import os

      def save(path, pwd):
          f = open(path, 'a')
          f.write(${text})
          f.close()`;
    assert.deepEqual(await lines(src('pwd.replace("\\\\", "/")'), 'python', PY_RULE), []);
    assert.deepEqual(await lines(src('"%s\\n" % os.getpid()'), 'python', PY_RULE), []);
    assert.deepEqual(await lines(src('"|".join(pwd.split("/")).upper()'), 'python', PY_RULE), []);
    assert.deepEqual(await lines(src('str(pwd.replace(path))'), 'python', PY_RULE), [4]);
    assert.deepEqual(await lines(src('render(pwd)'), 'python', PY_RULE), [4]);
  });
});
