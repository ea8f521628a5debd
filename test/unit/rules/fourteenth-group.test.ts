// Shapes from the fourteenth group of real projects (judged before any tuning on them): each a fixture
// of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

describe('cleanup-in-loop: what the call tears down', () => {
  it("a module's close(fd) closes the loop's descriptor, not the module", async () => {
    const src = code`
      import os

      def close_all(pipes, conn):
          for master, slave in pipes:
              os.close(master)
              os.close(slave)
          for item in pipes:
              conn.send(item)
              conn.close()`;
    assert.deepEqual(await lines(src, 'python', 'cleanup-in-loop'), [9]);
  });

  it("a library's close(handle) on the iteration's own handle is per-element teardown", async () => {
    const src = (arg: string) => code`
      void finish(Library* lib, std::vector<Handle*>& handles) {
        for (Handle* h : handles) {
          lib->flush(h);
          lib->close(${arg});
        }
      }`;
    assert.deepEqual(await lines(src('h'), 'cpp', 'cleanup-in-loop'), []);
    // Not every argument is a handle: `close(true)` still tears the library down on each iteration.
    assert.deepEqual(await lines(src('true'), 'cpp', 'cleanup-in-loop'), [4]);
  });

  it("a buffer's reset() beside its own members rewinds it; a smart pointer's reset() frees", async () => {
    const writer = (use: string) => code`
      int Session::write_all() {
        for (;;) {
          ssize_t n = write(fd_, ${use});
          if (n == -1) return -1;
          wb_.reset();
          if (fill_wb() != 0) return -1;
        }
      }`;
    assert.deepEqual(await lines(writer('wb_.pos, wb_.rleft()'), 'cpp', 'cleanup-in-loop'), []);
    assert.deepEqual(await lines(writer('wb_->pos, wb_->rleft()'), 'cpp', 'cleanup-in-loop'), [5]);
  });
});

describe('resource-without-context: a create/close loop of fixed length', () => {
  it('a loop over a literal list runs a fixed number of times; a loop over input may run forever', async () => {
    const src = (iterable: string) => code`
      def run_all(port, versions):
          for proto_ver in ${iterable}:
              sock = connect_client(port, proto_ver)
              sock.close()`;
    assert.deepEqual(await lines(src('[4, 5]'), 'python', 'resource-without-context'), []);
    assert.deepEqual(await lines(src('range(2)'), 'python', 'resource-without-context'), []);
    assert.deepEqual(await lines(src('versions'), 'python', 'resource-without-context'), [3]);
  });
});

describe('raw-c-resource: an allocation failure as the only exit', () => {
  it('`new Handler(fd)` takes the descriptor, and a failed `new` ends the program; a copy out of it can throw', async () => {
    const src = (between: string) => code`
      void serve(Loop* loop, std::vector<std::string>& names) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd == -1) return;
        ${between}
        close(fd);
      }`;
    assert.deepEqual(await lines(src('auto* h = new Handler(loop, fd); h->run();'), 'cpp', 'raw-c-resource'), []);
    assert.deepEqual(await lines(src('names.push_back(std::to_string(fd));'), 'cpp', 'raw-c-resource'), [2]);
  });
});

describe("resource-without-context: a loop's else", () => {
  it("the loop's else runs only when no iteration broke out, and the one that opened it did", async () => {
    const src = (onSuccess: string) => code`
      import errno

      def open_tun(prefix):
          for i in range(16):
              try:
                  file = open(f'/dev/{prefix}{i}', 'rb+', buffering=0)
              except OSError:
                  pass
              else:
                  ${onSuccess}
          else:
              raise OSError(errno.EBUSY, 'No devices available')
          return file`;
    assert.deepEqual(await lines(src('break'), 'python', 'resource-without-context'), []);
    // Without the break the loop goes on after opening, and the else's raise leaves the last file open.
    assert.deepEqual(await lines(src('unit = i'), 'python', 'resource-without-context'), [6]);
  });
});

describe("resource-without-context: a process's pipes, a child's last steps", () => {
  it("a process's pipes handed to code that drives them; not to another Popen", async () => {
    const src = (callee: string) => code`
      import subprocess

      async def handle_client(process):
          bc_proc = subprocess.Popen('bc', shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
          await ${callee}(stdin=bc_proc.stdin, stdout=bc_proc.stdout)
          process.exit(0)`;
    assert.deepEqual(await lines(src('process.redirect'), 'python', 'resource-without-context'), []);
    assert.deepEqual(await lines(src('subprocess.Popen'), 'python', 'resource-without-context'), [4]);
  });

  it('a socket in a forked child that ends with os._exit() closes with the process', async () => {
    const src = (end: string) => code`
      import os, socket

      def probe(port):
          pid = os.fork()
          if pid > 0:
              os.waitpid(pid, 0)
          else:
              s1 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
              s1.connect(('127.0.0.1', port))
              s1.send(b'x')
              s1.close()
              ${end}`;
    assert.deepEqual(await lines(src('os._exit(0)'), 'python', 'resource-without-context'), []);
    assert.deepEqual(await lines(src('return port'), 'python', 'resource-without-context'), [8]);
  });

  it("a pipeline run once at a module's import holds one pipe for the process's life", async () => {
    const src = (indent: string, head: string) => code`
      import subprocess

      ${head}
      ${indent}p1 = subprocess.Popen(['lsmod'], stdout=subprocess.PIPE)
      ${indent}p2 = subprocess.Popen(['grep', 'can'], stdout=subprocess.PIPE, stdin=p1.stdout)
      ${indent}p1.stdout.close()
      ${indent}if p1.wait() == 0 and p2.wait() == 0 and b"can" in p2.stdout.read():
      ${indent}    HAVE_CAN = True`;
    assert.deepEqual(await lines(src('    ', 'if LINUX:'), 'python', 'resource-without-context'), []);
    assert.deepEqual(await lines(src('    ', 'def has_can():'), 'python', 'resource-without-context'), [5]);
  });
});

describe('resource-without-context: what a with block closes', () => {
  it('`with session.get(url) as resp` closes the response, not the session; `with session` closes it', async () => {
    const src = (item: string) => code`
      import aiohttp

      async def fetch(url):
          session = aiohttp.ClientSession()
          async with ${item}:
              return await resp.text()`;
    assert.deepEqual(await lines(src('session.get(url) as resp'), 'python', 'resource-without-context'), [4]);
    assert.deepEqual(await lines(src('session'), 'python', 'resource-without-context'), []);
    assert.deepEqual(await lines(src('contextlib.closing(session) as s'), 'python', 'resource-without-context'), []);
  });
});

describe('fifteenth group: sockets in tests that are not leaks', () => {
  it('a socket over a borrowed descriptor gives it back with detach(); closing nothing else leaks it', async () => {
    const src = (release: string) => code`
      import socket

      def test_proxied(self):
          response = self.conn.getresponse()
          s = socket.socket(fileno=response.fileno())
          try:
              s.sendall(b"proxied data")
          finally:
              ${release}`;
    assert.deepEqual(await lines(src('s.detach()'), 'python', 'resource-without-context', 'test_http.py'), []);
    assert.deepEqual(await lines(src('pass'), 'python', 'resource-without-context', 'test_http.py'), [5]);
  });

  it('`fd = sock.detach()` takes the descriptor out of the socket', async () => {
    const src = (take: string) => code`
      import socket

      def test_family(self):
          sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
          ${take}
          with socket.socket(family=99, fileno=fd) as s:
              self.assertEqual(s.family, 99)`;
    assert.deepEqual(await lines(src('fd = sock.detach()'), 'python', 'resource-without-context', 'test_s.py'), []);
    assert.deepEqual(await lines(src('fd = sock.fileno()'), 'python', 'resource-without-context', 'test_s.py'), [4]);
  });

  it('a test of the ResourceWarning itself leaves the socket open on purpose', async () => {
    const src = (warning: string) => code`
      import socket

      def test_dealloc_warn(self):
          sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
          with self.assertWarns(${warning}):
              sock = None
              gc_collect()`;
    assert.deepEqual(await lines(src('ResourceWarning'), 'python', 'resource-without-context', 'test_s.py'), []);
    assert.deepEqual(await lines(src('DeprecationWarning'), 'python', 'resource-without-context', 'test_s.py'), [4]);
  });

  it('a `nonlocal` socket made in a hook lives in the enclosing function, which closes it', async () => {
    const src = (declaration: string) => code`
      import socket

      def test_injected(self):
          inject_sock = None

          def hook(address):
              ${declaration}
              inject_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
              inject_sock.connect(address)
              return address

          try:
              run(hook)
          finally:
              if inject_sock:
                  inject_sock.close()`;
    assert.deepEqual(await lines(src('nonlocal inject_sock'), 'python', 'resource-without-context', 'test_s.py'), []);
    assert.deepEqual(await lines(src('pass'), 'python', 'resource-without-context', 'test_s.py'), [8]);
  });

  it('cleanup-in-loop: a test closes per iteration on purpose; library code does not', async () => {
    const src = code`
      def send_all(conn, items):
          for item in items:
              conn.request("GET", item)
              conn.close()`;
    assert.deepEqual(await lines(src, 'python', 'cleanup-in-loop', 'test_client.py'), []);
    assert.deepEqual(await lines(src, 'python', 'cleanup-in-loop', 'client.py'), [4]);
  });
});
