import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const RULE = 'growing-global';

describe('growing-global', () => {
  it('flags module-level containers that functions only add to (seed 004 registry)', async () => {
    const found = await findings(
      code`
      _instances = []
      _seen = set()
      _by_id = {}
      class View:
          def __init__(self):
              _instances.append(self)
      def handle_request(x):
          _seen.add(x)
          _by_id[id(x)] = x
    `,
      'python',
      { rule: RULE },
    );
    // Not the set: each distinct value is held once, and on real code sets were registries of files
    // and names bounded by the program (tornado's watched files), not per-call growth.
    assert.deepEqual(
      found.map((f) => f.location.startPoint.line + 1),
      [1, 3],
    );
    assert.equal(found[0].related[0].location.startPoint.line, 5);
  });

  it('flags a class-level list shared by every instance', async () => {
    assert.deepEqual(
      await lines(
        code`
      class Bus:
          listeners = []
          def on_connect(self, client):
              self.listeners.append(client)
    `,
        'python',
        RULE,
      ),
      [2],
    );
  });

  it('does not flag containers that shrink, decorator registries, module-time fills, or shadowed locals', async () => {
    assert.deepEqual(
      await lines(
        code`
      _queue = []
      _handlers = {}
      CONSTANTS = []
      CONSTANTS.append(1)
      _window = []
      def push(x):
          _queue.append(x)
      def pop():
          return _queue.pop(0)
      def handler(fn):
          _handlers[fn.__name__] = fn
          return fn
      def local():
          _window = []
          _window.append(1)
          return _window
      class C:
          items = []
          def __init__(self):
              self.items = []
          def add(self, x):
              self.items.append(x)
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('does not report memos (those are unbounded-cache findings)', async () => {
    assert.deepEqual(
      await lines(
        code`
      _cache = {}
      def get(k):
          if k not in _cache:
              _cache[k] = k
          return _cache[k]
    `,
        'python',
        RULE,
      ),
      [],
    );
  });
});

describe('growing-global: containers filled only at import time', () => {
  it('does not flag a table filled by a helper that only module-level code calls', async () => {
    assert.deepEqual(
      await lines(
        code`
      opmap = {}
      hasname = []
      def name_op(name, op):
          opmap[name] = op
          hasname.append(op)
      name_op('LOAD_NAME', 101)
      name_op('STORE_NAME', 90)
      seen = []
      def handle_visit(x):
          seen.append(x)
      def main():
          handle_visit(1)
    `,
        'python',
        RULE,
      ),
      [8],
    );
  });
});
