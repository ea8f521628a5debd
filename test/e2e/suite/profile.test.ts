// "LeakLens: Profile memory" in the real extension host: a leaking Python script produces a report,
// the line overlay (end-of-line text, heat mark, hover, CodeLens) and the Memory timeline (uPlot in a
// webview); Cancel kills the tree and keeps the report; "Open memory report" / "Clear overlay".
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { after, before, suite, test } from '../harness';
import { sleep, until } from '../until';
import { lineLabel } from '../../../src/extension/profile/format';

interface Rendered {
  line: number;
  label: string;
  heat: number;
  layer: string;
}
interface MemoryState {
  overlay: Record<string, Rendered[]>;
  overlayFiles: string[];
  timeline: {
    title: string;
    live: boolean;
    samples: number;
    markers: number;
    visible: boolean;
    rendered?: { points: number; series: number; chart: string; labels: string[] };
  };
  profile: {
    running?: { name: string; pid: number };
    lastReport?: string;
    overlayLines: number;
    window?: { from: number; to: number };
  };
}
interface ProfileResult {
  reportPath: string;
  outDir: string;
  mode: string;
  report: {
    verdict: string;
    durationSeconds: number;
    lines: { file: string; line: number; growthBytes: number; bytesPerSecond: number }[];
    notes: string[];
    processes: { pid: number }[];
  };
}

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const state = () => vscode.commands.executeCommand<MemoryState>('leaklens.memoryState');

const LEAK_FILE = () => join(ws(), 'profile', 'leak_list.py');
const LEAK_LINE = 10;

suite('profile memory', () => {
  let result: ProfileResult | undefined;

  before(async () => {
    await vscode.extensions.getExtension('leaklens.leaklens')!.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('leaklens.clearOverlay');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test(
    'profiles the active Python file: report on disk with the leaking line on top',
    async () => {
      await vscode.window.showTextDocument(vscode.Uri.file(LEAK_FILE()));
      result = await vscode.commands.executeCommand<ProfileResult>('leaklens.profileMemory', {
        target: 'file',
        showTimeline: true,
      });
      assert.ok(result, 'the command returned a result');
      assert.equal(result.mode, 'python');
      for (const f of ['report.json', 'timeline.jsonl', 'timeline.csv'])
        assert.ok(existsSync(join(result.outDir, f)), `${f} written`);
      const onDisk = JSON.parse(readFileSync(result.reportPath, 'utf8'));
      assert.equal(onDisk.version, 1);
      assert.equal(onDisk.verdict, 'leak', `verdict (notes: ${onDisk.notes.join(' | ')})`);
      const top = result.report.lines[0];
      assert.ok(top, 'lines grew');
      assert.equal(top.file, LEAK_FILE());
      assert.equal(top.line, LEAK_LINE);
    },
    { timeout: 40_000 },
  );

  test('decorations: end-of-line growth text and gutter heat on the leaking line', async () => {
    const s = await until('overlay on leak_list.py', async () => {
      const st = await state();
      return st.overlay[LEAK_FILE()]?.length ? st : undefined;
    });
    const rows = s.overlay[LEAK_FILE()];
    const leak = rows.find((r) => r.line === LEAK_LINE);
    assert.ok(leak, `decoration on line ${LEAK_LINE}: ${JSON.stringify(rows)}`);
    assert.match(leak.label, /^\+\d+(\.\d)? (MB|KB) · \d+(\.\d)? (MB|KB|B)\/s$/);
    assert.equal(leak.heat, 4, 'the line that grew most has the hottest gutter mark');
    assert.ok(s.profile.lastReport?.endsWith('report.json'));
  });

  test('the line that grew, with no static finding of its own, gets an Information diagnostic', async () => {
    const uri = vscode.Uri.file(LEAK_FILE());
    const d = await until('measured-leak diagnostic', async () =>
      vscode.languages
        .getDiagnostics(uri)
        .find((x) => x.source === 'LeakLens' && x.range.start.line === LEAK_LINE - 1 && /grew \+/.test(x.message)),
    );
    assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
    assert.match(d.message, /^Memory allocated here grew \+[\d.]+ [KM]B over \d+ s \(LeakLens profile\)$/);
  });

  test('hover on the line shows its growth over time', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      vscode.Uri.file(LEAK_FILE()),
      new vscode.Position(LEAK_LINE - 1, 8),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /LeakLens memory profile/);
    assert.match(text, /leak_list\.py:10` grew \*\*\+[\d.]+ (MB|KB)\*\*/);
    assert.match(text, /Growth over time/);
  });

  test('CodeLens on the enclosing function', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      vscode.Uri.file(LEAK_FILE()),
    );
    const ours = lenses.filter((l) => l.command?.title.startsWith('LeakLens:'));
    const fn = ours.find((l) => l.range.start.line === 7);
    assert.ok(
      fn,
      `a lens on "def frame" (line 8): ${JSON.stringify(ours.map((l) => [l.range.start.line, l.command?.title]))}`,
    );
    assert.match(fn.command!.title, /^LeakLens: \+[\d.]+ (MB|KB) in frame \(\d+ lines? grew\)$/);
  });

  test('Memory timeline: uPlot draws the RSS samples in the webview', async () => {
    const s = await until(
      'timeline rendered',
      async () => {
        const st = await state();
        return st.timeline.rendered && st.timeline.rendered.points >= 5 ? st : undefined;
      },
      15_000,
    );
    assert.equal(s.timeline.rendered!.chart, 'uPlot');
    assert.ok(s.timeline.rendered!.series >= 1);
    assert.equal(s.timeline.live, false, 'not live after the run ended');
    assert.ok(s.timeline.samples >= 5);
    // A launcher (pyenv's shim, a shell) exec()s Python under the same pid: the legend names the
    // program the pid runs now, not the launcher the first sample caught.
    const root = result!.report.processes[0].pid;
    assert.ok(
      s.timeline.rendered!.labels.some((l) => new RegExp(`^python[\\d.]* \\(${root}\\)$`).test(l)),
      JSON.stringify(s.timeline.rendered!.labels),
    );
  });

  test('a time window selected on the chart re-attributes the overlay to it; zooming out restores the run', async () => {
    // "+12.4 MB · 1.1 MB/s": the growth part, in bytes.
    const growth = (label: string) => {
      const m = /^\+([\d.]+) (MB|KB|B)/.exec(label)!;
      return Number(m[1]) * (m[2] === 'MB' ? 1048576 : m[2] === 'KB' ? 1024 : 1);
    };
    // The whole run's label, from the report itself (the overlay must come back to exactly this).
    const top = result!.report.lines.find((l) => l.file === LEAK_FILE() && l.line === LEAK_LINE)!;
    const fullLabel = lineLabel(top.growthBytes, top.bytesPerSecond);
    await vscode.commands.executeCommand('leaklens.timelineWindow');
    const before = await until('the whole run on the overlay', async () => {
      const st = await state();
      const row = st.overlay[LEAK_FILE()]?.find((r) => r.line === LEAK_LINE);
      return st.profile.window === undefined && row?.label === fullLabel ? st : undefined;
    });
    const full = before.overlay[LEAK_FILE()].find((r) => r.line === LEAK_LINE)!;
    // The first three quarters of the run: the line grew, but less than over the whole run.
    const end = result!.report.durationSeconds;
    assert.equal(await vscode.commands.executeCommand('leaklens.timelineWindow', 0, end * 0.75), true);
    const s = await until('the overlay re-attributed to the window', async () => {
      const st = await state();
      const row = st.overlay[LEAK_FILE()]?.find((r) => r.line === LEAK_LINE);
      return st.profile.window && row && row.label !== full.label ? st : undefined;
    });
    assert.ok(s.profile.window!.to <= end * 0.75 + 0.001, JSON.stringify(s.profile.window));
    const windowed = s.overlay[LEAK_FILE()].find((r) => r.line === LEAK_LINE)!;
    assert.ok(growth(windowed.label) < growth(full.label), `${windowed.label} < ${full.label}`);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      vscode.Uri.file(LEAK_FILE()),
      new vscode.Position(LEAK_LINE - 1, 8),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, / · [\d.:]+ s?–[\d.:]+ s?/, 'the hover names the window');
    await vscode.commands.executeCommand('leaklens.timelineWindow');
    let last: MemoryState | undefined;
    await until('whole run again', async () => {
      const st = (last = await state());
      const row = st.overlay[LEAK_FILE()]?.find((r) => r.line === LEAK_LINE);
      return st.profile.window === undefined && row?.label === full.label ? st : undefined;
    }).catch((e: Error) => {
      throw new Error(
        `${e.message}: full ${full.label}; now ${JSON.stringify({ window: last?.profile.window, rows: last?.overlay[LEAK_FILE()] })}`,
      );
    });
  });

  test('Clear overlay removes the decorations; Open memory report brings them back', async () => {
    await vscode.commands.executeCommand('leaklens.clearOverlay');
    assert.deepEqual((await state()).overlay, {});
    assert.ok(result);
    const report = await vscode.commands.executeCommand<{ verdict: string }>(
      'leaklens.openMemoryReport',
      result.reportPath,
    );
    assert.equal(report?.verdict, 'leak');
    const s = await until('overlay restored', async () => {
      const st = await state();
      return st.overlay[LEAK_FILE()]?.some((r) => r.line === LEAK_LINE) ? st : undefined;
    });
    assert.match(s.timeline.title, /saved/);
    await until('saved timeline drawn', async () => ((await state()).timeline.rendered?.points ?? 0) >= 5);
  });

  test(
    'Cancel (Stop profiling) kills the whole tree and keeps the report',
    async () => {
      const run = vscode.commands.executeCommand<ProfileResult>('leaklens.profileMemory', {
        target: 'command',
        commandLine: ['python3', join(ws(), 'profile', 'sleeper.py')],
        mode: 'rss',
        showTimeline: false,
      });
      const st = await until(
        'profiling started with the worker child',
        async () => {
          const s = await state();
          return s.profile.running && s.timeline.samples >= 3 ? s : undefined;
        },
        10_000,
      );
      assert.ok(st.profile.running?.pid);
      await sleep(600);
      await vscode.commands.executeCommand('leaklens.stopProfiling');
      const r = await run;
      assert.ok(r, 'a report after cancel');
      assert.ok(existsSync(r.reportPath));
      assert.ok(
        r.report.notes.some((n) => /Cancelled/.test(n)),
        r.report.notes.join(' | '),
      );
      assert.ok(r.report.processes.length >= 2, 'the worker child was sampled too');
      for (const p of r.report.processes)
        assert.ok(
          !existsSync(`/proc/${p.pid}/cmdline`) ||
            readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z'),
          `process ${p.pid} is gone`,
        );
      assert.equal((await state()).profile.running, undefined);
    },
    { timeout: 30_000 },
  );
});
