// Quick fixes through the real code-action machinery: `vscode.executeCodeActionProvider` on a
// diagnostic's range, then `workspace.applyEdit`; the text must be exactly what the engine's fix
// promises, and re-analysis must no longer flag it. Also the suppression action and fixAll.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LeakLensApi } from '../../../src/extension/extension';
import { suite, test, before, after } from '../harness';
import {
  activate,
  applyAction,
  closeAll,
  codeOf,
  count,
  diagnosticsWhere,
  open,
  quickFixes,
  revert,
  settled,
} from '../util';
import { until } from '../until';

/** `text` with `from` (which must occur exactly once) replaced by `to`. */
function replaceOnce(text: string, from: string, to: string): string {
  assert.equal(count(text, from), 1, `exactly one ${JSON.stringify(from)}`);
  return text.replace(from, () => to);
}

suite('quick fixes', () => {
  let api: LeakLensApi;
  const touched = new Set<vscode.TextDocument>();
  before(async () => {
    api = await activate();
  });
  after(async () => {
    for (const d of touched) await revert(d);
    await closeAll();
  });

  /**
   * Opens `rel`, finds the LeakLens diagnostic of `rule` on (0-based) `line`, asks VS Code for the
   * code actions there, applies the one titled like `title`, and returns the text before/after and
   * the diagnostics of the new version.
   */
  async function applyFix(
    rel: string,
    rule: string,
    line: number,
    title: RegExp,
  ): Promise<{
    doc: vscode.TextDocument;
    before: string;
    after: string;
    action: vscode.CodeAction;
    diagnostics: vscode.Diagnostic[];
  }> {
    const { document: doc } = await open(rel);
    touched.add(doc);
    await revert(doc);
    const all = await diagnosticsWhere(
      doc.uri,
      (ds) => ds.some((d) => codeOf(d) === rule && d.range.start.line === line),
      `${rule} on line ${line + 1} of ${rel}`,
    );
    const diag = all.find((d) => codeOf(d) === rule && d.range.start.line === line)!;
    const actions = await quickFixes(doc.uri, diag.range);
    const action = actions.find((a) => title.test(a.title));
    assert.ok(action, `a quick fix matching ${title} among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.equal(action.kind?.value, vscode.CodeActionKind.QuickFix.value);
    const before = doc.getText();
    await applyAction(action);
    const after = doc.getText();
    const diagnostics = await settled(api, doc);
    return { doc, before, after, action, diagnostics };
  }

  test('every finding offers "Ignore" last, and the preferred fix first when there is one', async () => {
    const { document: doc } = await open('cpp/resources.cpp');
    const ds = await diagnosticsWhere(doc.uri, (d) => d.length === 6);
    for (const d of ds) {
      const actions = await quickFixes(doc.uri, d.range);
      assert.ok(actions.length >= 2, `fixes for line ${d.range.start.line + 1}`);
      assert.equal(actions[0].isPreferred, true, actions[0].title);
      assert.match(actions[actions.length - 1].title, /^Ignore LeakLens rule raw-c-resource on this line$/);
    }
  });

  test('raw-c-resource (pointer): std::unique_ptr owner, .get() for raw uses, manual release removed, <memory> added', async () => {
    const r = await applyFix(
      'cpp/resources.cpp',
      'raw-c-resource',
      12,
      /^Own `f` with std::unique_ptr<FILE, decltype\(&fclose\)>$/,
    );
    assert.equal(r.action.isPreferred, true);
    // <memory> among the sorted system headers; `!f` still reads on a unique_ptr (no `.get()`).
    let expected = replaceOnce(r.before, '#include <cstring>\n', '#include <cstring>\n#include <memory>\n');
    expected = replaceOnce(
      expected,
      '  FILE* f = fopen(path, "rb");\n  if (!f) {',
      '  std::unique_ptr<FILE, decltype(&fclose)> f(fopen(path, "rb"), &fclose);\n  if (!f) {',
    );
    expected = replaceOnce(expected, 'sizeof buf, f) != sizeof buf', 'sizeof buf, f.get()) != sizeof buf');
    expected = replaceOnce(expected, '  fclose(f);\n', '');
    assert.equal(r.after, expected);
    assert.equal(
      r.diagnostics.filter((d) => codeOf(d) === 'raw-c-resource').length,
      5,
      'the fixed finding is gone, the other five stay',
    );
    assert.ok(!r.diagnostics.some((d) => d.message.includes('`f` from `fopen()`')));
  });

  test('raw-c-resource (release takes T**): a deleter struct for av_frame_free', async () => {
    const r = await applyFix(
      'cpp/resources.cpp',
      'raw-c-resource',
      34,
      /^Own `frame` with std::unique_ptr<AVFrame, AvFrameFreeDeleter>$/,
    );
    let expected = replaceOnce(r.before, '#include <cstring>\n', '#include <cstring>\n#include <memory>\n');
    expected = replaceOnce(
      expected,
      'int decode_frame(int w, int h) {\n  AVFrame* frame = av_frame_alloc();\n  if (!frame) return -1;',
      'struct AvFrameFreeDeleter {\n  void operator()(AVFrame* p) const { av_frame_free(&p); }\n};\n\nint decode_frame(int w, int h) {\n  std::unique_ptr<AVFrame, AvFrameFreeDeleter> frame(av_frame_alloc());\n  if (!frame) return -1;',
    );
    expected = replaceOnce(expected, '  av_frame_free(&frame);\n', '');
    assert.equal(r.after, expected);
  });

  test('raw-c-resource (struct initialised in place): a scope guard after the init, manual releases removed', async () => {
    const r = await applyFix(
      'cpp/image_io.cpp',
      'raw-c-resource',
      30,
      /^Release `pic` on every exit with a scope guard$/,
    );
    assert.equal(count(r.after, 'class ScopeGuard {'), 1, 'the guard type is written once');
    assert.ok(r.after.includes('#include "../engines/engine.h"\n#ifndef LEAKLENS_SCOPE_GUARD\n'));
    assert.ok(
      r.after.includes(
        '  if (!WebPPictureInit(&pic)) {\n    return false;\n  }\n  leaklens::ScopeGuard pic_guard([&] { WebPPictureFree(&pic); });\n',
      ),
    );
    assert.equal(count(r.after, 'WebPPictureFree(&pic);'), 1, 'only the guard releases pic');
    assert.ok(!r.diagnostics.some((d) => d.message.includes('`pic`')), 'pic is no longer flagged');
    // A second guard fix in the same file reuses the guard type.
    const w = r.diagnostics.find((d) => d.message.includes('`writer`'))!;
    const actions = await quickFixes(r.doc.uri, w.range);
    await applyAction(actions.find((a) => a.title === 'Release `writer` on every exit with a scope guard')!);
    assert.equal(count(r.doc.getText(), 'class ScopeGuard {'), 1);
    assert.ok(r.doc.getText().includes('leaklens::ScopeGuard writer_guard([&] { WebPMemoryWriterClear(&writer); });'));
    const ds = await settled(api, r.doc);
    assert.deepEqual(
      ds.filter((d) => codeOf(d) === 'raw-c-resource').map((d) => d.message.match(/`(\w+)`/)![1]),
      ['pixels'],
    );
  });

  test('cleanup-in-loop: the teardown moves after the loop', async () => {
    const r = await applyFix(
      'cpp/tiling_processor.cpp',
      'cleanup-in-loop',
      26,
      /^Move `engine->cleanup\(\)` after the loop$/,
    );
    let expected = replaceOnce(
      r.before,
      '      // Cleanup GPU memory after each tile to prevent accumulation\n      engine->cleanup();\n',
      '',
    );
    expected = replaceOnce(
      expected,
      '      }\n    }\n  }\n  return true;',
      '      }\n    }\n  }\n  // Cleanup GPU memory after each tile to prevent accumulation\n  engine->cleanup();\n  return true;',
    );
    assert.equal(r.after, expected);
    assert.equal(r.diagnostics.length, 0);
  });

  test('unbounded-queue: maxsize added (Queue() and Queue(0))', async () => {
    const a = await applyFix(
      'python/worker.py',
      'unbounded-queue',
      25,
      /^Add maxsize=1000: put\(\) will block when the queue is full$/,
    );
    assert.equal(
      a.after,
      replaceOnce(a.before, 'self.result_q = mp.Queue()', 'self.result_q = mp.Queue(maxsize=1000)'),
    );
    assert.equal(a.diagnostics.length, 0);
    assert.equal(a.action.command?.command, 'leaklens.selectRange', 'the inserted size gets selected for typing over');
    const b = await applyFix(
      'python/receiver.py',
      'unbounded-queue',
      11,
      /^Set maxsize=1000: put\(\) will block when the queue is full$/,
    );
    assert.equal(b.after, replaceOnce(b.before, 'queue.Queue(0)', 'queue.Queue(1000)'));
    assert.equal(b.diagnostics.length, 0);
  });

  test('unbounded-cache: maxsize=None -> a number, a builder default bounded, methods get a per-instance cache', async () => {
    const a = await applyFix('python/pipeline.py', 'unbounded-cache', 60, /^Bound the cache to 1024 entries$/);
    assert.equal(a.after, replaceOnce(a.before, '.cache(maxsize=None).build()', '.cache(maxsize=1024).build()'));
    const b = await applyFix('python/pipeline.py', 'unbounded-cache', 41, /^Default maxsize to 1024$/);
    assert.equal(b.after, replaceOnce(b.before, 'def cache(self, maxsize=None):', 'def cache(self, maxsize=1024):'));
    const c = await applyFix('python/pipeline.py', 'unbounded-cache', 27, /keeps every `self` alive/);
    assert.ok(c.after.includes('    @_leaklens_instance_cache(maxsize=1024)\n    def pipeline_key(self, t_sec):'));
    assert.equal(count(c.after, 'def _leaklens_instance_cache('), 1);
    assert.ok(
      !c.diagnostics.some(
        (d) =>
          d.range.start.line ===
          c.doc
            .getText()
            .split('\n')
            .findIndex((l) => l.includes('_leaklens_instance_cache(maxsize=1024)')),
      ),
    );
  });

  test('resource-without-context: the assignment becomes a `with` block over the uses', async () => {
    const r = await applyFix(
      'python/camera_view.py',
      'resource-without-context',
      40,
      /^Use `with open\(path\) as f:`$/,
    );
    assert.equal(
      r.after,
      replaceOnce(
        r.before,
        '    f = open(path)\n    data = f.read()\n    f.close()',
        '    with open(path) as f:\n        data = f.read()',
      ),
    );
    assert.equal(r.diagnostics.filter((d) => codeOf(d) === 'resource-without-context').length, 3);
  });

  test('the suppression action inserts the comment and silences the finding', async () => {
    const r = await applyFix('cache.py', 'unbounded-cache', 5, /^Ignore LeakLens rule unbounded-cache on this line$/);
    assert.equal(
      r.after,
      replaceOnce(
        r.before,
        '    @functools.lru_cache(maxsize=None)\n',
        '    # leaklens-ignore[unbounded-cache]\n    @functools.lru_cache(maxsize=None)\n',
      ),
    );
    assert.equal(r.diagnostics.length, 0);
    const s = await applyFix(
      'python/receiver.py',
      'unbounded-queue',
      11,
      /^Ignore LeakLens rule unbounded-queue on this line$/,
    );
    assert.equal(
      s.after,
      replaceOnce(
        s.before,
        '        self.local = queue.Queue(0)',
        '        # leaklens-ignore[unbounded-queue]\n        self.local = queue.Queue(0)',
      ),
    );
    assert.equal(s.diagnostics.length, 0);
  });

  test('source.fixAll.leaklens applies the safe fixes; with leaklens.unsafeFixes every preferred fix', async () => {
    const { document: doc } = await open('cpp/resources.cpp');
    touched.add(doc);
    await revert(doc);
    await diagnosticsWhere(doc.uri, (d) => d.length === 6);
    const whole = new vscode.Range(0, 0, doc.lineCount, 0);
    const fixAllActions = async () =>
      (
        await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          doc.uri,
          whole,
          'source.fixAll.leaklens',
        )
      ).filter((a) => a.kind?.value === 'source.fixAll.leaklens');
    // Safe only: the handles passed to `consume()` (which may keep them) and `FT_Set_Pixel_Sizes` stay flagged.
    const safe = await fixAllActions();
    assert.equal(safe.length, 1, 'one fixAll action');
    await applyAction(safe[0]);
    assert.equal(count(doc.getText(), 'std::unique_ptr<'), 2);
    assert.equal(count(doc.getText(), 'leaklens::ScopeGuard '), 1);
    const left = await settled(api, doc);
    assert.deepEqual(left.map((d) => d.message.match(/`(\w+)`/)![1]).sort(), ['copy', 'face', 'scratch']);
    await revert(doc);
    await diagnosticsWhere(doc.uri, (d) => d.length === 6);
    const setting = vscode.workspace.getConfiguration('leaklens');
    await setting.update('unsafeFixes', true, vscode.ConfigurationTarget.Global);
    try {
      const fixAll = await until('fix all with unsafe fixes', async () => {
        const a = await fixAllActions();
        return a.length === 1 && a[0].title.includes('6 fixes') ? a : undefined;
      });
      await applyAction(fixAll[0]);
    } finally {
      await setting.update('unsafeFixes', undefined, vscode.ConfigurationTarget.Global);
    }
    const text = doc.getText();
    assert.equal(count(text, '#include <memory>'), 1);
    assert.equal(count(text, 'class ScopeGuard {'), 1);
    assert.equal(count(text, 'std::unique_ptr<'), 4);
    assert.equal(count(text, 'leaklens::ScopeGuard '), 2);
    assert.deepEqual(await settled(api, doc), [], 'nothing left to flag');
    // Idempotent: nothing more to fix.
    const again = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      whole,
      'source.fixAll.leaklens',
    );
    assert.equal(again.filter((a) => a.kind?.value === 'source.fixAll.leaklens').length, 0);
  });

  test('the "LeakLens: Fix all" command fixes the active file; non-fixable findings stay', async () => {
    const { document: doc } = await open('python/camera_view.py');
    touched.add(doc);
    await revert(doc);
    await diagnosticsWhere(doc.uri, (d) => d.length === 5);
    assert.equal(await vscode.commands.executeCommand('leaklens.fixAll'), true);
    const ds = await settled(api, doc);
    // growing-global, the class attribute (self.fh) and seed 004's create/close hint have no automatic fix.
    assert.deepEqual(ds.map(codeOf).sort(), ['growing-global', 'resource-without-context', 'resource-without-context']);
    assert.equal(count(doc.getText(), '\n'), count(doc.getText().replace(/\r/g, ''), '\n'), 'line endings kept');
  });
});
