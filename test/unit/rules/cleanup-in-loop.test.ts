import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixText } from '../../../src/core/check';
import { code, allRulesConfig, engine, findings, lines } from '../helpers';

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

describe("cleanup-in-loop: moving the loop body's last statement after the loop", () => {
  // Found by the bench's 20,000-input fuzzer: the loop ends inside the line the fix removes, and the
  // fix's two edits overlapped (`check --fix --unsafe-fixes` stopped with an internal error).
  for (const [language, file, src] of [
    [
      'python',
      'pkg/writer.py',
      code`
        def run(xs, f):
            for x in xs:
                f.write(x)
                f.close()
            return 1
      `,
    ],
    [
      'python',
      'pkg/nested.py',
      code`
        def run(rows, f):
            for row in rows:
                for x in row:
                    f.write(x)
                    # done with this one
                    f.close()
      `,
    ],
  ] as const) {
    it(`${file}: one edit, code that compiles, no longer flagged`, async () => {
      const e = await engine();
      const config = allRulesConfig();
      const fixed = fixText(e, src, file, config, (id) => id === RULE, true);
      assert.equal(fixed.applied, 1);
      assert.deepEqual(
        e.analyzeText(fixed.text, language, { file, config }).result.findings.filter((f) => f.ruleId === RULE),
        [],
      );
      const dir = mkdtempSync(join(tmpdir(), 'leaklens-cil-'));
      try {
        writeFileSync(join(dir, 'fixed.py'), fixed.text);
        execFileSync('python3', ['-m', 'py_compile', join(dir, 'fixed.py')], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // The teardown now sits after the outermost loop, at its indentation.
      assert.match(fixed.text, /\n {4}(# done with this one\n {4})?f\.close\(\)\n/);
    });
  }
});
