import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const RULE = 'resource-without-context';

describe('resource-without-context', () => {
  it('flags files, sockets, processes, pools, executors and temp files outside with/finally', async () => {
    assert.deepEqual(
      await lines(
        code`
      import socket, subprocess, tempfile, multiprocessing
      from concurrent.futures import ThreadPoolExecutor
      def f(p, cmd):
          fh = open(p)
          data = fh.read()
          fh.close()
          s = socket.socket()
          s.connect(("localhost", 80))
          proc = subprocess.Popen(cmd)
          proc.wait()  # reaped: not a leak
          pool = multiprocessing.Pool(4)
          pool.map(str, [1])
          ex = ThreadPoolExecutor()
          ex.submit(print)
          t = tempfile.NamedTemporaryFile()
          t.write(b"x")
    `,
        'python',
        RULE,
      ),
      [4, 7, 11, 13, 15],
    );
  });

  it('flags an object created and closed by hand in a loop (seed 004 CameraView)', async () => {
    const [f] = await findings(
      code`
      while 1:
          _camera_view = CameraView("camerad", VisionStreamType.VISION_STREAM_DRIVER)
          _camera_view.close()
          del _camera_view
    `,
      'python',
      { rule: RULE },
    );
    assert.equal(f.location.startPoint.line, 1);
    assert.equal(f.related[0].location.startPoint.line, 2);
  });

  it('does not flag with, finally, returned, stored-on-self-and-closed, or handed-off resources', async () => {
    assert.deepEqual(
      await lines(
        code`
      import contextlib
      def a(p):
          with open(p) as f:
              return f.read()
      def b(p):
          f = open(p)
          try:
              return f.read()
          finally:
              f.close()
      def c(p):
          f = open(p)
          return f
      class Log:
          def __init__(self, p):
              self.fh = open(p, "a")
          def close(self):
              self.fh.close()
      def d(p, stack: contextlib.ExitStack):
          f = open(p)
          stack.enter_context(f)
      def g(n):
          view = View(n)
          view.render()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('flags a file opened only for one call on it (`open(p).read()`), never bound, so never closed', async () => {
    // Real projects fixed exactly these (gunicorn's execfile_, scrapy's file handler, Pillow's
    // loadImageSeries): CPython closes the file when the expression is done, PyPy and a held
    // traceback do not.
    const src = code`
      import codecs
      from PIL import Image
      def read_all(p):
          return open(p, "rb").read()
      def gray(p):
          return Image.open(p).convert("L")
      def lines(p):
          return codecs.open(p, encoding="utf-8").readlines()
      def touch(p):
          open(p, "w").close()
      def fine(p):
          with open(p) as fh:
              return fh.read()
    `;
    assert.deepEqual(await lines(src, 'python', RULE, 'pkg/io.py'), [4, 6, 8]);
    // A test module, or a script's top level, ends soon: not worth it there.
    assert.deepEqual(await lines(src, 'python', RULE, 'tests/test_io.py'), []);
    const script = 'import sys\nprint(open(sys.argv[1]).read())\n';
    assert.deepEqual(await lines(script, 'python', RULE, 'pkg/cat.py'), []);
    // A module that defines its own `open` is not the builtin.
    const own = 'from .vfs import open\ndef read_all(p):\n    return open(p).read()\n';
    assert.deepEqual(await lines(own, 'python', RULE, 'pkg/io.py'), []);
  });

  it('flags a resource stored on self by a class that never closes it', async () => {
    assert.deepEqual(
      await lines(
        code`
      class Reader:
          def __init__(self, p):
              self.fh = open(p)
          def read(self):
              return self.fh.read()
    `,
        'python',
        RULE,
      ),
      [3],
    );
  });
});

describe('resource-without-context: error-path closes and finishing closes', () => {
  it('does not flag close-and-reraise in except, nor a close whose result is used', async () => {
    assert.deepEqual(
      await lines(
        code`
      def open_stream(name, cls):
          stream = Stream(name)
          try:
              t = cls(name, stream)
          except:
              stream.close()
              raise
          return t
      def parse(data):
          parser = XMLParser()
          parser.feed(data)
          return parser.close()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });
});

describe('resource-without-context: more known resources', () => {
  it('flags sessions and connections; sqlite3 gets contextlib.closing (its with-block does not close)', async () => {
    const found = await findings(
      code`
      import requests, sqlite3
      def fetch(url):
          s = requests.Session()
          return s.get(url).text
      def count(path):
          db = sqlite3.connect(path)
          n = db.execute("select count(*) from t").fetchone()[0]
          db.close()
          return n
    `,
      'python',
      { rule: RULE },
    );
    assert.deepEqual(
      found.map((f) => f.location.startPoint.line + 1),
      [3, 6],
    );
    assert.match(found[1].fixes[0].title, /contextlib\.closing/);
  });
});
