// The rules look only where a text anchor or a precheck says a finding can start (performance):
// each test here is a shape one of them could miss, found the same as by a whole-tree query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enclosingHeaders, headerKeyword } from '../../../src/core/languages/python';
import { code, config, lines } from '../helpers';

describe('anchors: resource-without-context', () => {
  it('finds every acquisition of a file, not only those after the first place the anchor matched', async () => {
    // The rule's own precheck runs the anchor first; the engine must start its scan from the top.
    assert.deepEqual(
      await lines(
        code`
      def log(logfile, line):
          logfp = None
          if logfile:
              try:
                  logfp = open(logfile, "a")
              except OSError:
                  pass
      def g(p):
          f = open(p)
          return f.read()
    `,
        'python',
        'resource-without-context',
      ),
      [5, 9],
    );
  });

  it('follows an import alias of a constructor', async () => {
    assert.deepEqual(
      await lines(
        code`
      from subprocess import Popen as Spawn
      from tempfile import NamedTemporaryFile as Scratch
      def run(cmd):
          p = Spawn(cmd)
          p.stdout.read()
          t = Scratch()
          t.write(b"x")
    `,
        'python',
        'resource-without-context',
      ),
      [4, 6],
    );
  });

  it('a method named like a constructor is no acquisition, but its body is still read', async () => {
    assert.deepEqual(
      await lines(
        code`
      def connect(p):
          fh = open(p)
          data = fh.read()
          return data
    `,
        'python',
        'resource-without-context',
      ),
      [2],
    );
  });

  it('finds the create/close cycle of an unknown class through the name closed in the loop', async () => {
    assert.deepEqual(
      await lines(
        code`
      def main():
          while True:
              view = CameraView("camerad")
              view.close()
    `,
        'python',
        'resource-without-context',
      ),
      [3],
    );
  });

  it('reads `open(p).read()` inline and a file in a with-less for loop header', async () => {
    assert.deepEqual(
      await lines(
        code`
      def load(p):
          return open(p).read()
      def lines_of(p):
          for line in open(p).readlines():
              yield line
    `,
        'python',
        'resource-without-context',
      ),
      [2, 4],
    );
  });
});

describe('anchors: unbounded-cache', () => {
  it('finds a method cache decorated through an import alias or a configured decorator', async () => {
    const cfg = config({ cacheDecorators: ['memoize'] });
    assert.deepEqual(
      await lines(
        code`
      from functools import cache as remember
      from mylib import memoize
      class Model:
          @remember
          def features(self, x):
              return x
          @memoize
          def other(self, y):
              return y
    `,
        'python',
        'unbounded-cache',
        undefined,
        cfg,
      ),
      [4, 7],
    );
  });

  it('still finds a builder whose size defaults to None, and a `*cache(maxsize=None)` call', async () => {
    assert.deepEqual(
      await lines(
        code`
      def make_cache(size=None):
          return {}
      c = builder.lru_cache(maxsize=None)
    `,
        'python',
        'unbounded-cache',
      ),
      [1, 3],
    );
  });
});

describe('prechecks: growing-global and cleanup-in-loop', () => {
  it('a class-level registry under a class header spread over lines is still read', async () => {
    assert.deepEqual(
      await lines(
        code`
      class Registry(
          Base,
      ):
          items = []

          def handle(self, x):
              Registry.items.append(x)
    `,
        'python',
        'growing-global',
      ),
      [4],
    );
  });

  it('a module-level list that functions add to is found; a function-local one rules the file out', async () => {
    assert.deepEqual(
      await lines(
        code`
      seen = []
      def on_message(x):
          seen.append(x)
    `,
        'python',
        'growing-global',
      ),
      [1],
    );
    assert.deepEqual(
      await lines(
        code`
      def collect(xs):
          out = []
          for x in xs:
              out.append(x)
          return out
    `,
        'python',
        'growing-global',
      ),
      [],
    );
  });

  it('a teardown in a loop body through a with block is found; one under an if is not', async () => {
    assert.deepEqual(
      await lines(
        code`
      def serve(engine, jobs, lock):
          for job in jobs:
              with lock:
                  engine.run(job)
                  engine.cleanup()
      def maybe(engine, jobs):
          for job in jobs:
              engine.run(job)
              if job.last:
                  engine.cleanup()
    `,
        'python',
        'cleanup-in-loop',
      ),
      [5],
    );
  });
});

describe('enclosingHeaders', () => {
  it('yields the headers of the blocks around a line, innermost first, skipping comments and blanks', () => {
    const text = code`
      class A:
          def f(self):
              for x in y:
      # a comment at column 0

                  x.close()
    `;
    const headers = [...enclosingHeaders(text, text.lastIndexOf('\n', text.indexOf('x.close')) + 1)];
    assert.deepEqual(headers.map(headerKeyword), ['for', 'def', 'class']);
    assert.deepEqual([...enclosingHeaders(text, 0)], []);
  });
});
