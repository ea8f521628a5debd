// Growing types in the real extension host: "Profile memory" on a Python program that keeps a
// Session per request in a module-level registry. The report names the growing type and what keeps
// it alive; the hover of the line that makes the sessions shows them, the Memory timeline lists them
// under the chart, and its legend names the process by its script.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TimelineState } from '../../../src/extension/profile/timeline-panel';
import type { Report } from '../../../src/profile/types';
import { after, before, suite, test } from '../harness';
import { until } from '../until';
import { activate } from '../util';

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const state = () => vscode.commands.executeCommand<{ timeline: TimelineState }>('leaklens.memoryState');
const REGISTRY = () => join(ws(), 'profile', 'registry.py');
const leakLine = () =>
  readFileSync(REGISTRY(), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('# LEAK')) + 1;

suite('profile memory: growing types', () => {
  let result: { reportPath: string; report: Report } | undefined;

  before(() => activate());
  // The next suite opens its own files: leave no overlay and no editor behind.
  after(async () => {
    for (const command of ['leaklens.clearOverlay', 'workbench.action.closeAllEditors'])
      await vscode.commands.executeCommand(command);
  });

  test(
    'a registry of Session objects: the growing type and what keeps it alive, in the report',
    async () => {
      await vscode.window.showTextDocument(vscode.Uri.file(REGISTRY()));
      result = await vscode.commands.executeCommand('leaklens.profileMemory', { target: 'file', showTimeline: true });
      assert.ok(result, 'the command returned a result');
      const r = result.report;
      const why = `types ${JSON.stringify(r.types)}; census ${JSON.stringify(r.typesCensus)}`;
      assert.equal(r.verdict, 'leak', why);
      assert.equal(r.lines[0]?.line, leakLine(), why);
      const session = r.types?.find((t) => t.type === 'Session');
      assert.ok(session && session.countGrowth >= 100, why);
      assert.deepEqual(session.retainedBy?.slice(0, 2), ['module __main__ (registry.py)', '._SESSIONS (dict)'], why);
      assert.match(session.retainedBy?.[2] ?? '', /^\[\d+\] \(Session\)$/, why);
    },
    { timeout: 60_000 },
  );

  test('the hover of the line that makes the sessions shows the growing type and its chain', async () => {
    const hovers = await until('a hover on the leaking line', async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        vscode.Uri.file(REGISTRY()),
        new vscode.Position(leakLine() - 1, 8),
      );
      return h?.length ? h : undefined;
    });
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /LeakLens memory profile/);
    assert.match(text, /\*\*Growing types made on this line\*\*/, text);
    const chain = '`module __main__ \\(registry\\.py\\)` → `\\._SESSIONS \\(dict\\)` → `\\[\\d+\\] \\(Session\\)`';
    assert.match(
      text,
      new RegExp(`^- \`Session\` \\+[\\d,]+ objects, \\+[\\d.]+ [KM]?B — kept alive by ${chain}$`, 'm'),
      text,
    );
  });

  test('the Memory timeline lists the growing type under the chart; the legend names the script', async () => {
    const s = await until(
      'growing types drawn',
      async () => {
        const st = await state();
        return st.timeline.rendered?.types?.length ? st : undefined;
      },
      15_000,
    );
    const r = s.timeline.rendered!;
    const chain = 'module __main__ \\(registry\\.py\\) → \\._SESSIONS \\(dict\\) → \\[\\d+\\] \\(Session\\)';
    // Other types (dicts, strings) may grow too and sort first: find the Session row.
    const session = r.types!.find((t) => t.startsWith('Session '));
    assert.match(
      session ?? '',
      new RegExp(`^Session \\+[\\d,]+ objects, \\+[\\d.]+ [KM]?B kept alive by ${chain}$`),
      JSON.stringify(r.types),
    );
    const root = result!.report.processes[0].pid;
    assert.ok(r.labels.includes(`registry.py (${root})`), JSON.stringify(r.labels));
  });
});
