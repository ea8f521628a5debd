// The editor's analysis worker (dist/analysis-worker.js) driven as the extension drives it, in a real
// worker thread: keystrokes arrive as content changes, results come back per version. Each result
// of a partial analysis must equal a fresh analysis of that text; the settling full analysis that
// follows a pause posts nothing when it finds the same; a closed document gets no late result.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { defaultConfig } from '../../src/core/config';
import type { DocResult, FromWorker, SettingsOverlay, ToWorker } from '../../src/extension/protocol';
import { bigFile } from '../e2e/bench-data';
import { engine, ROOT } from './helpers';

const SETTINGS: SettingsOverlay = { rules: {}, maxFileSize: null, resources: [], debounceMs: 0, unsafeFixes: false };

function startWorker() {
  const worker = new Worker(join(ROOT, 'dist', 'analysis-worker.js'), {
    workerData: { grammarDir: join(ROOT, 'dist', 'grammars'), settings: SETTINGS },
  });
  const results: DocResult[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m: FromWorker) => {
    if (m.type !== 'result') return;
    results.push(m.result);
    wake?.();
  });
  const send = (m: ToWorker) => worker.postMessage(m);
  /** The next result for `version` (earlier ones are skipped, as the host drops stale results). */
  const resultFor = async (version: number, timeoutMs = 30_000): Promise<DocResult> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = results.find((r) => r.version === version);
      if (found) {
        results.splice(0, results.indexOf(found) + 1);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no result for version ${version}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  return { worker, send, results, resultFor };
}

describe('the analysis worker', () => {
  const workers: Worker[] = [];
  after(async () => {
    for (const w of workers) await w.terminate();
  });

  for (const language of ['python', 'cpp'] as const) {
    it(`${language}: keystrokes in a function body get partial results equal to fresh analyses`, async () => {
      const { worker, send, results, resultFor } = startWorker();
      workers.push(worker);
      const e = await engine();
      const file = language === 'python' ? '/tmp/leaklens-worker/big.py' : '/tmp/leaklens-worker/big.cpp';
      const uri = `file://${file}`;
      let text = bigFile(language, 1500);
      send({ type: 'open', uri, file, language, version: 1, text });
      const first = await resultFor(1);
      assert.ok(first.findings.length > 0);
      // A statement typed into a function after the middle, one character per change.
      const lines = text.split('\n');
      const at = lines.findIndex((l, i) => i > lines.length / 2 && /^(def|int) helper_\d+\(/.test(l)) + 1;
      let offset = lines.slice(0, at).join('\n').length + 1;
      const typed = language === 'python' ? '    f = open(p)\n' : '  char* q = (char*)malloc(8);\n';
      let version = 1;
      let partial = 0;
      for (const ch of typed) {
        version++;
        text = text.slice(0, offset) + ch + text.slice(offset);
        send({ type: 'change', uri, version, changes: [{ rangeOffset: offset, rangeLength: 0, text: ch }] });
        offset++;
        const r = await resultFor(version);
        if (r.partial) partial++;
        const fresh = e.analyzeText(text, language, { file, config: defaultConfig() }).result;
        assert.deepEqual(r.findings, fresh.findings, `after typing ${JSON.stringify(typed.slice(0, version - 1))}`);
      }
      assert.ok(partial >= typed.length / 2, `most keystrokes were partial analyses (${partial} of ${typed.length})`);
      // The settling analysis after the pause finds the same: it posts nothing more.
      await new Promise((r) => setTimeout(r, 1200));
      assert.deepEqual(
        results.map((r) => r.version),
        [],
      );
      // Typing, then closing at once: the pending settle is cancelled with the document.
      version++;
      send({ type: 'change', uri, version, changes: [{ rangeOffset: offset, rangeLength: 0, text: ' ' }] });
      await resultFor(version);
      send({ type: 'close', uri });
      await new Promise((r) => setTimeout(r, 1200));
      assert.deepEqual(results, []);
    });
  }
});
