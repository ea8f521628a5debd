import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const RULE = 'cleanup-in-loop';

describe('cleanup-in-loop', () => {
  it('flags a per-tile engine->cleanup() (seed 000 #1) with the loop as related location', async () => {
    const src = code`
      void run(Engine* engine, int n) {
        for (int i = 0; i < n; i++) {
          engine->process(i);
          engine->cleanup();
        }
      }`;
    const [f] = await findings(src, 'cpp', { rule: RULE });
    assert.equal(f.location.startPoint.line, 3);
    assert.match(f.message, /engine->cleanup\(\)/);
    assert.equal(f.related[0].location.startPoint.line, 1);
    assert.ok(f.fixes[0].isPreferred);
  });

  it('flags Python teardown of a long-lived object used again in the loop', async () => {
    assert.deepEqual(
      await lines(
        code`
      def serve(conn, items):
          for item in items:
              conn.send(item)
              conn.close()
      class W:
          def run(self):
              while True:
                  self.model.infer()
                  self.model.unload()
    `,
        'python',
        RULE,
      ),
      [4, 9],
    );
  });

  it('does not flag the call after the loop, or an object made in the iteration', async () => {
    assert.deepEqual(
      await lines(
        code`
      void a(Engine* engine, std::vector<Img>& v) {
        for (auto& img : v) engine->process(img);
        engine->cleanup();
      }
      void b(int n) {
        for (int i = 0; i < n; i++) {
          Engine e;
          e.process(i);
          e.cleanup();
          auto p = make_engine();
          p->process(i);
          p->cleanup();
        }
      }
      void c(std::vector<Engine*>& engines) {
        for (auto* e : engines) { e->process(0); e->cleanup(); }
      }`,
        'cpp',
        RULE,
      ),
      [],
    );
    assert.deepEqual(
      await lines(
        code`
      for path in paths:
          f = open(path)
          f.read()
          f.close()
      for conn in conns:
          conn.flush()
          conn.close()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('does not flag clear() on a scratch container refilled each iteration', async () => {
    assert.deepEqual(
      await lines(
        code`
      void tiles(Engine* e, int n) {
        std::vector<uint8_t> buf;
        for (int i = 0; i < n; i++) {
          buf.clear();
          buf.resize(64);
          e->process(buf);
        }
        std::string line;
        while (std::getline(std::cin, line)) { line.clear(); }
      }`,
        'cpp',
        RULE,
      ),
      [],
    );
    assert.deepEqual(
      await lines(
        code`
      batch = []
      for x in xs:
          batch.append(x)
          if len(batch) > 10:
              flush(batch)
          batch.clear()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('does not flag conditional, error-path or exit-path teardown, nor rebuilt objects', async () => {
    assert.deepEqual(
      await lines(
        code`
      void f(Cache& cache, Conn* conn, Net& net, int n) {
        for (int i = 0; i < n; i++) {
          cache.put(i);
          if (cache.size() > 100) cache.clear();
          conn->send(i);
          if (i == n - 1) { conn->close(); break; }
          net.load_param("a");
          net.run();
          net.clear();
        }
        while (true) { conn->poll(); conn->close(); break; }
      }`,
        'cpp',
        RULE,
      ),
      [],
    );
  });

  it('honours extra teardown names from config', async () => {
    const { config } = await import('../helpers');
    assert.deepEqual(
      await lines(
        code`
      for x in xs:
          pool.submit(x)
          pool.drain_all()
    `,
        'python',
        RULE,
        undefined,
        config({ teardownMethods: ['drain_all'] }),
      ),
      [3],
    );
  });
});

describe('cleanup-in-loop: synchronisation primitives', () => {
  it('does not flag lock release or event clear paired with acquire/wait in the loop', async () => {
    assert.deepEqual(
      await lines(
        code`
      while True:
          self.wakeup.acquire()
          self.wakeup.release()
      for item in items:
          event.wait(1)
          event.clear()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });
});
