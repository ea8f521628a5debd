// Incremental re-analysis of an open document, as the editor drives it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentSession } from '../../src/core/document';
import { LineIndex } from '../../src/core/location';
import { code, defaultConfig, engine, seededRandom } from './helpers';

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
    assert.equal(doc.update(v1, defaultConfig()).findings.length, 0);
    // Delete "maxsize=4" (an edit inside the call) -> the finding appears.
    const at = v1.indexOf('maxsize=4');
    const v2 = v1.slice(0, at) + v1.slice(at + 'maxsize=4'.length);
    const r2 = doc.update(v2, defaultConfig(), [{ rangeOffset: at, rangeLength: 'maxsize=4'.length, text: '' }]);
    assert.equal(r2.incremental, true);
    assert.deepEqual(
      r2.findings.map((f) => f.ruleId),
      ['unbounded-queue'],
    );
    // Insert a multi-line block before it: positions shift, the finding follows.
    const block = '# one\n# two\n';
    const r3 = doc.update(block + v2, defaultConfig(), [{ rangeOffset: 0, rangeLength: 0, text: block }]);
    assert.equal(r3.incremental, true);
    assert.equal(r3.findings[0].location.startPoint.line, 4);
    const full = e.analyzeText(block + v2, 'python', { file: 'a.py' }).result;
    assert.deepEqual(
      r3.findings.map((f) => f.location),
      full.findings.map((f) => f.location),
    );
    doc.dispose();
  });

  it('falls back to a full parse when the changes do not match the text', async () => {
    const doc = new DocumentSession(await engine(), 'cpp', 'a.cpp');
    doc.update('int x;\n', defaultConfig());
    const r = doc.update('void f() { char* p = (char*)malloc(4); }\n', defaultConfig(), [
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
