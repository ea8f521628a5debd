// Shapes from the seventh group of real projects (ImageMagick, borg), judged before any tuning on
// them: a resource known absent on one side of `&&` / `||`, a descriptor closed with `os.close` in
// a `finally`, and a retry in an `except` handler. Each negative case has a positive twin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

describe('raw-c-resource: the acquisition guard inside a compound test', () => {
  const src = code`
    int comment(const char *filename) {
      FILE *file = NULL;
      int unique_file = AcquireUniqueFileResource(filename);
      if (unique_file != -1)
        file = fdopen(unique_file, "wb");
      if ((unique_file != -1) && (file != (FILE *) NULL))
        {
          write_colors(file);
          (void) fclose(file);
        }
      return 0;
    }`;

  it('knows the guard held, so the false edge of `guard && file != NULL` means no file', async () => {
    assert.deepEqual(await lines(src, 'cpp', 'raw-c-resource', 'histogram.c'), []);
  });

  it('still reports when the other operand says nothing about the file', async () => {
    const other = src.replace('(file != (FILE *) NULL)', '(verbose != 0)');
    assert.deepEqual(await lines(other, 'cpp', 'raw-c-resource', 'histogram.c'), [5]);
  });

  it('reads `||` the same way on its true edge', async () => {
    const or = code`
      int comment(const char *filename) {
        FILE *file = NULL;
        int unique_file = AcquireUniqueFileResource(filename);
        if (unique_file != -1)
          file = fdopen(unique_file, "wb");
        if ((unique_file == -1) || (file == NULL))
          return 1;
        write_colors(file);
        (void) fclose(file);
        return 0;
      }`;
    assert.deepEqual(await lines(or, 'cpp', 'raw-c-resource', 'histogram.c'), []);
    const other = or.replace('(file == NULL)', '(verbose == 0)');
    assert.deepEqual(await lines(other, 'cpp', 'raw-c-resource', 'histogram.c'), [5]);
  });
});

describe('resource-without-context: descriptors and retries', () => {
  const src = code`
    import os
    def read_attr(name):
        fd = os.open(name, os.O_RDONLY)
        try:
            if os.fstat(fd).st_size > 1024:
                raise OSError(27, "too big")
            return os.read(fd, 1024)
        finally:
            os.close(fd)
    `;

  it('sees a raise inside a try whose finally runs os.close(fd)', async () => {
    assert.deepEqual(await lines(src, 'python', 'resource-without-context', 'pkg/xattr.py'), []);
  });

  it('still reports the raise when the finally closes something else', async () => {
    const other = src.replace('os.close(fd)', 'os.close(dirfd)');
    assert.deepEqual(await lines(other, 'python', 'resource-without-context', 'pkg/xattr.py'), [3]);
  });

  const retry = code`
    import os
    def os_open(fname, flags):
        try:
            fd = os.open(fname, flags | os.O_NOATIME)
        except PermissionError:
            fd = os.open(fname, flags)
        return fd
    `;

  it('treats a retry in the except handler as another path: the later return hands the first one on', async () => {
    assert.deepEqual(await lines(retry, 'python', 'resource-without-context', 'pkg/fs.py'), []);
  });

  it('treats a rebinding in a sibling except handler as another path too', async () => {
    const siblings = code`
      import os
      def os_open(fname, flags, retry):
          try:
              fd = os.open(fname, flags | os.O_NOATIME)
          except PermissionError:
              fd = os.open(fname, flags)
          except OSError:
              if not retry:
                  raise
              fd = os.open(fname, flags)
          return fd
      `;
    assert.deepEqual(await lines(siblings, 'python', 'resource-without-context', 'pkg/fs.py'), []);
    const dropped = siblings.replace('return fd', 'return True');
    assert.deepEqual(await lines(dropped, 'python', 'resource-without-context', 'pkg/fs.py'), [4, 6, 10]);
  });

  it('still reports the descriptor when nothing returns or closes it', async () => {
    const dropped = retry.replace('return fd', 'return True');
    assert.deepEqual(await lines(dropped, 'python', 'resource-without-context', 'pkg/fs.py'), [4, 6]);
  });
});

describe('raw-c-resource: functions whose branches #if directives split', () => {
  // htop's Settings_read: `#ifdef` arms between `} else if` branches, which tree-sitter cannot parse
  // as written; the function is analysed on a parse with the directive lines blanked.
  const src = code`
    static bool Settings_read(Settings *this, const char *fileName) {
      FILE *fd = fopen(fileName, "r");
      if (!fd)
        return false;
      for (;;) {
        char *line = String_readLine(fd);
        if (!line)
          break;
        if (String_eq(line, "config_reader_min_version")) {
          if (too_new(line))
            return false;
    #ifdef HAVE_LIBHWLOC
        } else if (String_eq(line, "topology_affinity")) {
          this->topology = 1;
    #endif
        } else if (String_eq(line, "fields")) {
          read_fields(this, line);
        }
        free(line);
      }
      fclose(fd);
      return true;
    }`;

  it('finds the leak on the early return inside the loop', async () => {
    assert.deepEqual(await lines(src, 'cpp', 'raw-c-resource', 'Settings.c'), [2]);
  });

  it('and nothing once that return closes the file', async () => {
    const fixed = src.replace(
      'if (too_new(line))\n        return false;',
      'if (too_new(line)) {\n        fclose(fd);\n        return false;\n      }',
    );
    assert.notEqual(fixed, src);
    assert.deepEqual(await lines(fixed, 'cpp', 'raw-c-resource', 'Settings.c'), []);
  });
});

describe('project sentinels, pictures filled by project code, and scratch queues', () => {
  it("reads a comparison with the project's own invalid value (`SocketImpl::invalidSocket()`) as a failure test", async () => {
    const src = code`
      std::optional<IpAddress> getLocalAddress() {
        const SocketHandle sock = socket(PF_INET, SOCK_DGRAM, 0);
        if (sock == priv::SocketImpl::invalidSocket())
          return std::nullopt;
        if (connect(sock, addr, size) == -1) {
          close(sock);
          return std::nullopt;
        }
        close(sock);
        return IpAddress(addr);
      }`;
    assert.deepEqual(await lines(src, 'cpp', 'raw-c-resource', 'IpAddress.cpp'), []);
    const other = src.replace('priv::SocketImpl::invalidSocket()', 'priv::SocketImpl::lastSocket()');
    assert.deepEqual(await lines(other, 'cpp', 'raw-c-resource', 'IpAddress.cpp'), [2]);
  });

  it('starts holding a WebPPicture at the project call that fills it, not at WebPPictureInit', async () => {
    const src = code`
      int write_frames(Frame *frame, WebPAnimEncoder *enc) {
        WebPPicture picture;
        while (frame != NULL) {
          if (!WebPPictureInit(&picture))
            break;
          if (WriteSinglePicture(frame, &picture))
            WebPAnimEncoderAdd(enc, &picture, 0, NULL);
          WebPPictureFree(&picture);
          frame = frame->next;
        }
        return 0;
      }`;
    assert.deepEqual(await lines(src, 'cpp', 'raw-c-resource', 'webp.c'), []);
    const leaky = src.replace('WebPAnimEncoderAdd(enc, &picture, 0, NULL);', 'return -1;');
    assert.deepEqual(await lines(leaky, 'cpp', 'raw-c-resource', 'webp.c'), [4]);
  });

  it('does not report a queue a function uses as its own stack', async () => {
    const src = code`
      from queue import LifoQueue
      def match_braces(pat):
          stack = LifoQueue()
          pairs = {}
          for idx, c in enumerate(pat):
              if c == "{":
                  stack.put(idx)
              if c == "}" and stack.qsize():
                  pairs[stack.get()] = idx
          return pairs
      `;
    assert.deepEqual(await lines(src, 'python', 'unbounded-queue', 'pkg/pattern.py'), []);
    // Handed to a thread, the same queue has a consumer that can fall behind.
    const shared = src.replace('    pairs = {}', '    pairs = {}\n    Thread(target=drain, args=(stack,)).start()');
    assert.notEqual(shared, src);
    assert.deepEqual(await lines(shared, 'python', 'unbounded-queue', 'pkg/pattern.py'), [3]);
  });
});

describe('eighth group: sockets that fail before the hand-off, and objects that hold nothing', () => {
  const src = code`
    import socket
    def create_stream(addr, source_port):
        sock = socket.socket(socket.AF_INET)
        if source_port:
            sock.bind(("127.0.0.1", source_port))
        return IOStream(sock)
    `;

  it('reports a socket whose bind() can raise before it is handed on (tornado fixed this)', async () => {
    assert.deepEqual(await lines(src, 'python', 'resource-without-context', 'pkg/client.py'), [3]);
  });

  it('does not report it when the handler closes it, or ends the process', async () => {
    const closed = src.replace(
      '        sock.bind(("127.0.0.1", source_port))',
      '        try:\n            sock.bind(("127.0.0.1", source_port))\n        except OSError:\n            sock.close()\n            raise',
    );
    assert.notEqual(closed, src);
    assert.deepEqual(await lines(closed, 'python', 'resource-without-context', 'pkg/client.py'), []);
    const exits = closed.replace('sock.close()\n            raise', 'log(exc)\n            sys.exit(1)');
    assert.notEqual(exits, closed);
    assert.deepEqual(await lines(exits, 'python', 'resource-without-context', 'pkg/client.py'), []);
  });

  it('does not report open(fd, closefd=False), which owns no descriptor', async () => {
    const wrap = code`
      def stale_stdout():
          out = open(1, "w", closefd=False)
          out.write("x")
          return 0
      `;
    assert.deepEqual(await lines(wrap, 'python', 'resource-without-context', 'pkg/term.py'), []);
    assert.deepEqual(
      await lines(wrap.replace(', closefd=False', ''), 'python', 'resource-without-context', 'pkg/term.py'),
      [2],
    );
  });

  it('does not call multiprocessing.SimpleQueue capacity-less: its put() blocks on the full pipe', async () => {
    const q = code`
      import multiprocessing as mp
      import queue
      def run(chunks):
          results = mp.SimpleQueue()
          local = queue.SimpleQueue()
          for c in chunks:
              results.put(c)
              local.put(c)
      `;
    assert.deepEqual(await lines(q, 'python', 'unbounded-queue', 'pkg/train.py'), [5]);
  });
});

describe('raw-c-resource: the user data of a callback', () => {
  const src = code`
    static void chunk_cb(evutil_socket_t fd, short what, void *arg) {
      struct chunk_state *state = arg;
      send_next(state);
      free(state);
    }
    static void start_chunks(struct evhttp_request *req, struct event_base *base) {
      struct timeval when = { 0, 0 };
      struct chunk_state *state = malloc(sizeof(struct chunk_state));
      memset(state, 0, sizeof(struct chunk_state));
      state->req = req;
      event_base_once(base, -1, EV_TIMEOUT, chunk_cb, state, &when);
    }`;

  it('treats a pointer passed beside a same-file callback as handed to that callback', async () => {
    assert.deepEqual(await lines(src, 'cpp', 'raw-c-resource', 'http.c'), []);
  });

  it('still reports it when the call takes no callback', async () => {
    const noCallback = src.replace(
      'event_base_once(base, -1, EV_TIMEOUT, chunk_cb, state, &when);',
      'log_state(base, state);',
    );
    assert.deepEqual(await lines(noCallback, 'cpp', 'raw-c-resource', 'http.c'), [8]);
  });
});

describe('resource-without-context: a branch that returns, and a process polled until it exits', () => {
  const src = code`
    import os, subprocess, sys, time
    def run(app, reloader, lockfile):
        if reloader:
            try:
                while os.path.exists(lockfile):
                    p = subprocess.Popen([sys.executable] + sys.argv)
                    while p.poll() is None:
                        time.sleep(1)
                    sys.exit(p.returncode)
            finally:
                os.unlink(lockfile)
            return
        if not callable(app):
            raise ValueError("not callable")
        serve(app)
    `;

  it('does not reach the raise after the branch that returns, and polling to exit reaps the process', async () => {
    assert.deepEqual(await lines(src, 'python', 'resource-without-context', 'pkg/run.py'), []);
  });

  it('still reports the raise when the branch falls through to it', async () => {
    const falls = src.replace('        return\n', '').replace('while p.poll() is None:', 'if p.poll() is None:');
    assert.notEqual(falls, src);
    assert.deepEqual(await lines(falls, 'python', 'resource-without-context', 'pkg/run.py'), [6]);
  });
});

describe('resource-without-context: what a descriptor from os.open() is', () => {
  it('says nothing collects it and offers no `with`, which an int cannot do', async () => {
    const src = code`
      import os
      def stat_size(name):
          fd = os.open(name, os.O_RDONLY)
          return os.fstat(fd).st_size
      def read_name(name):
          f = open(name)
          return f.readline()
      `;
    const [fd, file] = await findings(src, 'python', { rule: 'resource-without-context', file: 'pkg/size.py' });
    assert.match(fd.message, /a descriptor is an int, so nothing collects it/);
    assert.match(fd.message, /os\.close\(\)/);
    assert.deepEqual(
      fd.fixes.filter((f) => /`with`/.test(f.title)),
      [],
    );
    assert.match(file.message, /until the garbage collector finalizes it/);
  });
});
