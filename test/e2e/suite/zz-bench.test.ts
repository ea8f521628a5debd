// Benchmark, not a test: registered only with LEAKLENS_BENCH=1 (scripts/bench-extension.mjs).
// Runs inside the real extension host and prints one `LEAKLENS_BENCH {json}` line:
// activation, keystroke-to-diagnostics latency on 10k-line Python and C++ files, the longest time
// the extension host's thread was blocked meanwhile (perf_hooks.monitorEventLoopDelay), and the
// host's memory after opening 200 files. No timing assertions anywhere.
import * as assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { LeakLensApi, PublishEvent } from '../../../src/extension/extension';
import { suite, test, before, after } from '../harness';
import { bigFile, cppBlock, pythonBlock } from '../bench-data';
import { activate, closeAll, diagnosticsWhere, wsUri } from '../util';

const enc = (s: string) => new TextEncoder().encode(s);
// Gitignored in the fixture workspace. Not a folder named `bench`: that is one-shot code (oneShotDirs),
// where the generated file's findings would not be reported.
const DIR = 'scan/generated/perf';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const r1 = (x: number) => Math.round(x * 10) / 10;

if (process.env.LEAKLENS_BENCH) {
  suite('bench', () => {
    let api: LeakLensApi;
    const out: Record<string, unknown> = {};
    before(async () => {
      api = await activate();
      out.activationMs = r1(api.activationMs);
    });
    after(async () => {
      await vscode.workspace
        .getConfiguration('leaklens')
        .update('debounceMs', undefined, vscode.ConfigurationTarget.Global);
      await closeAll();
      try {
        await vscode.workspace.fs.delete(wsUri(DIR), { recursive: true, useTrash: false });
      } catch {
        // nothing written
      }
      console.log(`LEAKLENS_BENCH ${JSON.stringify(out)}`);
    });

    for (const language of ['python', 'cpp'] as const) {
      test(
        `keystroke-to-diagnostics on a 10k-line ${language} file`,
        async () => {
          const rel = `${DIR}/big_${language}.${language === 'python' ? 'py' : 'cpp'}`;
          const text = bigFile(language, 10_000);
          await vscode.workspace.fs.writeFile(wsUri(rel), enc(text));
          const t0 = performance.now();
          const doc = await vscode.workspace.openTextDocument(wsUri(rel));
          const editor = await vscode.window.showTextDocument(doc);
          const first = await diagnosticsWhere(doc.uri, (d) => d.length > 0, rel, 30_000);
          const openToDiagnosticsMs = performance.now() - t0;
          const line = Math.floor(doc.lineCount / 2);
          await editor.edit((e) => e.insert(new vscode.Position(line, 0), language === 'python' ? '# \n' : '// \n'));
          await api.resultFor(doc);
          let col = language === 'python' ? 2 : 3;
          let at = line;
          // Type into a comment line in the middle of the file and delete again: every keystroke is a
          // real edit through the workbench. Measured: from the edit call to the moment LeakLens hands
          // that version's diagnostics to VS Code (onDidPublish), and from the host's change event.
          const typeKeys = async (keys: number, waitPublish: boolean, pause = 0) => {
            const editToDiag: number[] = [];
            // VS Code's own part: from the edit call to the host's change event (the workbench round trip).
            const editToChange: number[] = [];
            const changeToDiag: number[] = [];
            const workerMs: number[] = [];
            let incremental = 0;
            let partial = 0;
            const h = monitorEventLoopDelay({ resolution: 1 });
            api.handlerStats().reset();
            h.enable();
            for (let k = 0; k < keys; k++) {
              let tChange = 0;
              const changed = new Promise<number>((resolve) => {
                const sub = vscode.workspace.onDidChangeTextDocument((e) => {
                  if (e.document === doc) {
                    tChange = performance.now();
                    sub.dispose();
                    resolve(e.document.version);
                  }
                });
              });
              const tEdit = performance.now();
              const typing = k % 2 === 0;
              await editor.edit(
                (e) =>
                  typing
                    ? e.insert(new vscode.Position(at, col), 'x')
                    : e.delete(new vscode.Range(at, col, at, col + 1)),
                { undoStopBefore: false, undoStopAfter: false },
              );
              const version = await changed;
              editToChange.push(tChange - tEdit);
              if (waitPublish) {
                const p = await new Promise<PublishEvent>((resolve) => {
                  const sub = api.onDidPublish((e) => {
                    if (e.uri.toString() === doc.uri.toString() && e.version >= version) {
                      sub.dispose();
                      resolve(e);
                    }
                  });
                });
                editToDiag.push(p.time - tEdit);
                changeToDiag.push(p.time - tChange);
                workerMs.push(p.workerMs);
                if (p.incremental) incremental++;
                if (p.partial) partial++;
              }
              if (pause) await new Promise((r) => setTimeout(r, pause));
            }
            h.disable();
            const stats = api.handlerStats();
            return {
              keystrokes: keys,
              editToChangeEventMs: { p50: r1(pct(editToChange, 50)), p95: r1(pct(editToChange, 95)) },
              ...(waitPublish
                ? {
                    incremental,
                    partial,
                    editToDiagnosticsMs: {
                      p50: r1(pct(editToDiag, 50)),
                      p95: r1(pct(editToDiag, 95)),
                      max: r1(Math.max(...editToDiag)),
                    },
                    changeEventToDiagnosticsMs: { p50: r1(pct(changeToDiag, 50)), p95: r1(pct(changeToDiag, 95)) },
                    workerAnalysisMs: { p50: r1(pct(workerMs, 50)), p95: r1(pct(workerMs, 95)) },
                  }
                : {}),
              hostEventLoopDelayMs: { max: r1(h.max / 1e6), p99: r1(h.percentile(99) / 1e6), mean: r1(h.mean / 1e6) },
              hostHandlerMaxMs: r1(stats.maxMs),
            };
          };
          const cfg = () => vscode.workspace.getConfiguration('leaklens');
          await cfg().update('debounceMs', 0, vscode.ConfigurationTarget.Global);
          await new Promise((r) => setTimeout(r, 500));
          const debounce0 = await typeKeys(100, true);
          await cfg().update('debounceMs', 150, vscode.ConfigurationTarget.Global);
          await new Promise((r) => setTimeout(r, 500));
          const debounce150 = await typeKeys(20, true);
          // The same inside a function body after the middle (`probe = 0` → `probex = 0` and back): the
          // edited function, and whatever names it, is analysed again on every keystroke.
          await cfg().update('debounceMs', 0, vscode.ConfigurationTarget.Global);
          const helper = doc
            .getText()
            .split('\n')
            .findIndex((l, i) => i > line && /^(def|int) helper_\d+\(/.test(l));
          const probe = language === 'python' ? '    probe = 0\n' : '  int probe = 0;\n';
          await editor.edit((e) => e.insert(new vscode.Position(helper + 1, 0), probe));
          await api.resultFor(doc);
          at = helper + 1;
          col = probe.indexOf('probe') + 'probe'.length;
          await new Promise((r) => setTimeout(r, 500));
          const functionBody = await typeKeys(100, true);
          // Baseline: the same typing with LeakLens disabled (what VS Code itself costs the host).
          at = line;
          col = language === 'python' ? 2 : 3;
          await cfg().update('enable', false, vscode.ConfigurationTarget.Global);
          await new Promise((r) => setTimeout(r, 500));
          const disabled = await typeKeys(100, false, Math.round(debounce0.editToDiagnosticsMs?.p50 ?? 30));
          await cfg().update('enable', undefined, vscode.ConfigurationTarget.Global);
          out[language] = {
            lines: doc.lineCount,
            findings: first.length,
            openToFirstDiagnosticsMs: r1(openToDiagnosticsMs),
            debounce0,
            debounce150,
            functionBody,
            leaklensDisabled: disabled,
          };
          await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
        },
        { timeout: 180_000 },
      );
    }

    test(
      'memory of the extension host after opening 200 files',
      async () => {
        await closeAll();
        const files: vscode.Uri[] = [];
        for (let i = 0; i < 200; i++) {
          const py = i % 2 === 0;
          const uri = wsUri(`${DIR}/many/f${i}.${py ? 'py' : 'cpp'}`);
          let text = py ? 'import queue\n' : '#include <cstdio>\n#include <vector>\n';
          for (let b = 0; b < 10; b++) text += py ? pythonBlock(i * 10 + b) : cppBlock(i * 10 + b);
          await vscode.workspace.fs.writeFile(uri, enc(text));
          files.push(uri);
        }
        const before = process.memoryUsage();
        const docs: vscode.TextDocument[] = [];
        const t0 = performance.now();
        // In editors (tabs): documents opened only through the API may be disposed by the workbench.
        for (const uri of files)
          docs.push((await vscode.window.showTextDocument(uri, { preview: false, preserveFocus: true })).document);
        for (const doc of docs) assert.ok(await api.resultFor(doc), `result for ${doc.uri.path}`);
        const openMs = performance.now() - t0;
        const after = process.memoryUsage();
        const worker = await api.workerStats();
        const mb = (x: number) => r1(x / 1048576);
        out.open200 = {
          files: docs.length,
          lines: docs.reduce((n, d) => n + d.lineCount, 0),
          openAndAnalyseMs: Math.round(openMs),
          hostRssMb: { before: mb(before.rss), after: mb(after.rss) },
          hostHeapUsedMb: { before: mb(before.heapUsed), after: mb(after.heapUsed) },
          worker: worker && {
            docs: worker.docs,
            heapUsedMb: mb(worker.heapUsed),
            wasmHeapMb: mb(worker.wasmBytes),
            processRssMb: mb(worker.rss),
          },
        };
      },
      { timeout: 180_000 },
    );
  });
}
