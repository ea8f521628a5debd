// Incremental re-analysis of an open document, as the editor drives it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentSession } from '../../src/core/document';
import { LineIndex } from '../../src/core/location';
import { code, allRulesConfig, engine, seededRandom } from './helpers';

describe('DocumentSession', () => {
  it('re-parses incrementally and finds exactly what a full parse finds', async () => {
    const e = await engine();
    const doc = new DocumentSession(e, 'python', 'a.py');
    const v1 = code`
      import queue
      def f(items):
          q = queue.Queue(maxsize=4)
          for x in items:
              q.put(x)
          return q
    `;
    assert.equal(doc.update(v1, allRulesConfig()).findings.length, 0);
    // Delete "maxsize=4" (an edit inside the call) -> the finding appears.
    const at = v1.indexOf('maxsize=4');
    const v2 = v1.slice(0, at) + v1.slice(at + 'maxsize=4'.length);
    const r2 = doc.update(v2, allRulesConfig(), [{ rangeOffset: at, rangeLength: 'maxsize=4'.length, text: '' }]);
    assert.equal(r2.incremental, true);
    assert.deepEqual(
      r2.findings.map((f) => f.ruleId),
      ['unbounded-queue'],
    );
    // Insert a multi-line block before it: positions shift, the finding follows.
    const block = '# one\n# two\n';
    const r3 = doc.update(block + v2, allRulesConfig(), [{ rangeOffset: 0, rangeLength: 0, text: block }]);
    assert.equal(r3.incremental, true);
    assert.equal(r3.findings[0].location.startPoint.line, 4);
    const full = e.analyzeText(block + v2, 'python', { file: 'a.py', config: allRulesConfig() }).result;
    assert.deepEqual(
      r3.findings.map((f) => f.location),
      full.findings.map((f) => f.location),
    );
    doc.dispose();
  });

  it('falls back to a full parse when the changes do not match the text', async () => {
    const doc = new DocumentSession(await engine(), 'cpp', 'a.cpp');
    doc.update('int x;\n', allRulesConfig());
    const r = doc.update('void f() { char* p = (char*)malloc(4); }\n', allRulesConfig(), [
      { rangeOffset: 0, rangeLength: 1, text: 'X' },
    ]);
    assert.equal(r.incremental, false);
    assert.equal(r.findings.length, 1);
    doc.dispose();
  });
});

describe('LineIndex.edited', () => {
  it('equals a fresh index after random replacements, line breaks and CRLF included', () => {
    const r = seededRandom(42);
    let text = 'a\nbc\r\n\ndef\n';
    let index = new LineIndex(text);
    const pieces = ['x', '\n', '\r\n', 'ab\ncd', '', 'é\n🚀'];
    for (let i = 0; i < 500; i++) {
      const start = Math.floor(r() * (text.length + 1));
      const oldEnd = start + Math.floor(r() * Math.min(6, text.length - start + 1));
      const insert = pieces[Math.floor(r() * pieces.length)];
      text = text.slice(0, start) + insert + text.slice(oldEnd);
      index = index.edited(text, start, oldEnd, start + insert.length);
      const fresh = new LineIndex(text);
      assert.equal(index.lineCount(), fresh.lineCount(), `edit ${i}`);
      for (let o = 0; o <= text.length; o++) assert.deepEqual(index.point(o), fresh.point(o), `edit ${i}, offset ${o}`);
    }
  });
});

/** Replaces the first `from` in `text` by `to`, as one editor change; returns the new text and the change. */
function replaceOnce(text: string, from: string, to: string) {
  const at = text.indexOf(from);
  assert.ok(at >= 0, `${from} is in the text`);
  return {
    text: text.slice(0, at) + to + text.slice(at + from.length),
    changes: [{ rangeOffset: at, rangeLength: from.length, text: to }],
  };
}

describe('partial analysis after an edit (incremental.ts)', () => {
  const C_FILE = code`
    #include <stdlib.h>
    static int total;
    static void tally(char *p) {
      total += p[0];
      free(p);
    }
    int use(int n) {
      char *p = malloc(n);
      if (!p) return -1;
      p[0] = 1;
      tally(p);
      return 0;
    }
    int other(int n) {
      return n * 2;
    }
    int third(int n) {
      return n + 1;
    }
    int fourth(int n) {
      return n - 1;
    }
    int fifth(int n) {
      return n / 2;
    }
    int sixth(int n) {
      return n % 2;
    }
  `;

  it("a caller's finding follows an edit of its same-file callee", async () => {
    const e = await engine();
    const doc = new DocumentSession(e, 'cpp', 'buf.c');
    assert.deepEqual(doc.update(C_FILE, allRulesConfig()).findings, []);
    // tally() stops freeing p: use() now leaks it. Only the edited definition and its caller run.
    const edit = replaceOnce(C_FILE, '  free(p);\n', '');
    const r = doc.update(edit.text, allRulesConfig(), edit.changes);
    assert.deepEqual(r.partial, { dirty: 2, definitions: 7 }, 'tally() and use()');
    assert.deepEqual(
      r.findings.map((f) => [f.ruleId, f.location.startPoint.line]),
      [['raw-c-resource', 6]],
    );
    assert.deepEqual(r.findings, e.analyzeText(edit.text, 'cpp', { file: 'buf.c' }).result.findings);
    doc.dispose();
  });

  it('an edit in a definition nothing names keeps the other findings, moved with the text', async () => {
    const e = await engine();
    const doc = new DocumentSession(e, 'cpp', 'buf.c');
    const leaky = replaceOnce(C_FILE, '  free(p);\n', '').text;
    doc.update(leaky, allRulesConfig());
    // A line added in third(), after use(): use()'s finding is kept, not recomputed.
    const edit = replaceOnce(leaky, '  return n + 1;', '  n += 3;\n  return n + 1;');
    const r = doc.update(edit.text, allRulesConfig(), edit.changes);
    assert.deepEqual(r.partial, { dirty: 1, definitions: 7 });
    assert.deepEqual(r.findings, e.analyzeText(edit.text, 'cpp', { file: 'buf.c' }).result.findings);
    // One added before it: the kept finding moves a line down.
    const before = replaceOnce(edit.text, '  return n * 2;', '  n -= 1;\n  return n * 2;');
    const r2 = doc.update(before.text, allRulesConfig(), before.changes);
    assert.equal(r2.partial?.dirty, 1);
    assert.deepEqual(r2.findings, e.analyzeText(before.text, 'cpp', { file: 'buf.c' }).result.findings);
    doc.dispose();
  });

  it('an edit outside every definition, or of a suppression comment, analyses the whole file', async () => {
    const e = await engine();
    const doc = new DocumentSession(e, 'cpp', 'buf.c');
    doc.update(C_FILE, allRulesConfig());
    const include = replaceOnce(C_FILE, '#include <stdlib.h>', '#include <stdlib.h>\n#include <stdio.h>');
    assert.equal(doc.update(include.text, allRulesConfig(), include.changes).partial, undefined);
    const leaky = replaceOnce(include.text, '  free(p);\n', '');
    doc.update(leaky.text, allRulesConfig(), leaky.changes);
    const suppressed = replaceOnce(leaky.text, '  char *p = malloc', '  // leaklens-ignore\n  char *p = malloc');
    const r = doc.update(suppressed.text, allRulesConfig(), suppressed.changes);
    assert.equal(r.partial, undefined);
    assert.deepEqual(r.findings, []);
    doc.dispose();
  });

  it('a whole-file fact an edit changes (a handler elsewhere in a script) analyses the whole file', async () => {
    const e = await engine();
    const doc = new DocumentSession(e, 'python', 'tool.py');
    const script = code`
      import sys
      def load(path):
          fh = open(path)
          data = fh.read()
          fh.close()
          return data
      def show(x):
          print(x)
      if __name__ == "__main__":
          show(load(sys.argv[1]))
    `;
    doc.update(script, allRulesConfig());
    const edit = replaceOnce(script, '    print(x)', '    try:\n        print(x)\n    except OSError:\n        pass');
    const r = doc.update(edit.text, allRulesConfig(), edit.changes);
    assert.equal(r.partial, undefined, 'run-once.ts reads every handler of the file');
    assert.deepEqual(r.findings, e.analyzeText(edit.text, 'python', { file: 'tool.py' }).result.findings);
    doc.dispose();
  });

  it('typing in a top-level comment re-runs no definition; refresh() equals a fresh analysis', async () => {
    const e = await engine();
    const doc = new DocumentSession(e, 'cpp', 'buf.c');
    const leaky = replaceOnce(C_FILE, '  free(p);\n', '').text;
    doc.update(`// notes\n${leaky}`, allRulesConfig());
    const text = `// notes!\n${leaky}`;
    const r = doc.update(text, allRulesConfig(), [{ rangeOffset: 8, rangeLength: 0, text: '!' }]);
    assert.deepEqual(r.partial, { dirty: 0, definitions: 7 });
    const fresh = e.analyzeText(text, 'cpp', { file: 'buf.c' }).result.findings;
    assert.deepEqual(r.findings, fresh);
    assert.deepEqual(doc.refresh(allRulesConfig())?.findings, fresh);
    doc.dispose();
  });
});
