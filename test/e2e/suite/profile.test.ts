// "LeakLens: Profile memory" in the real extension host: a leaking Python script produces a report,
// the line overlay (end-of-line text, heat mark, hover, CodeLens) and the Memory timeline (uPlot in a
// webview, with the run's verdict, trend line, Python-heap series and top lines); a LEAK is a warning
// with "Show lines", a LEAK with no line offers a re-run with exact attribution; overlays hide growth
// below the threshold setting and mark sampled figures "≈"; Cancel kills the tree and keeps the report;
// "Open memory report" / "Clear overlay".
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { after, before, suite, test } from '../harness';
import { sleep, until } from '../until';
import { lineLabel } from '../../../src/extension/profile/format';
import type { TimelineState } from '../../../src/extension/profile/timeline-panel';

interface Rendered {
  line: number;
  label: string;
  heat: number;
  layer: string;
}
interface MemoryState {
  overlay: Record<string, Rendered[]>;
  overlayFiles: string[];
  timeline: TimelineState;
  profile: {
    running?: { name: string; pid: number };
    lastReport?: string;
    overlayLines: number;
    window?: { from: number; to: number };
    hiddenLines: number;
    notification?: { severity: string; message: string; actions: string[]; report: string };
  };
}
interface ProfileResult {
  reportPath: string;
  outDir: string;
  mode: string;
  report: {
    verdict: string;
    durationSeconds: number;
    linesBy?: string;
    growthWhere?: string;
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

  test('a LEAK is a warning that says where the growth is; "Show lines" reveals the top growing line', async () => {
    const n = (await state()).profile.notification;
    assert.ok(n, 'a notification was shown');
    assert.equal(n.severity, 'warning');
    assert.equal(n.actions[0], 'Show lines');
    assert.equal(n.report, result!.reportPath);
    assert.match(n.message, /^LeakLens: LEAK in leak_list\.py — peak [\d.]+ MB/);
    // Where: the Python heap's rate beside RSS's, and the report's growthWhere in words when the
    // heap was read often enough for its own verdict (a 4 s run often is not: 5 readings).
    assert.match(n.message, /, trend \+[\d.]+ MB\/s, Python heap \+[\d.]+ (MB|KB)\/s/);
    const where = {
      'python-heap': ' — in the Python heap',
      'outside-python-heap': ' — outside the Python heap',
      both: ' — in the Python heap and outside it',
    };
    const w = result!.report.growthWhere as keyof typeof where | undefined;
    if (w) assert.ok(n.message.includes(where[w]), `${n.message} says ${where[w]}`);
    else assert.doesNotMatch(n.message, / — (in|outside) the Python heap/);
    assert.match(n.message, /top line leak_list\.py:10 /);
    // Another file in front (closing editors would close the timeline panel too).
    await vscode.window.showTextDocument(vscode.Uri.file(join(ws(), 'profile', 'sleeper.py')));
    const shown = await vscode.commands.executeCommand<{ file: string; line: number }>('leaklens.showLeakLines');
    assert.deepEqual(shown, { file: LEAK_FILE(), line: LEAK_LINE });
    const editor = await until('leak_list.py revealed', async () =>
      vscode.window.activeTextEditor?.document.uri.fsPath === LEAK_FILE() ? vscode.window.activeTextEditor : undefined,
    );
    assert.equal(editor.selection.start.line, LEAK_LINE - 1, 'the cursor is on the leaking line');
    assert.equal(editor.selection.end.line, LEAK_LINE - 1);
  });

  test('decorations: end-of-line growth text and gutter heat on the leaking line', async () => {
    const s = await until('overlay on leak_list.py', async () => {
      const st = await state();
      return st.overlay[LEAK_FILE()]?.length ? st : undefined;
    });
    const rows = s.overlay[LEAK_FILE()];
    const leak = rows.find((r) => r.line === LEAK_LINE);
    assert.ok(leak, `decoration on line ${LEAK_LINE}: ${JSON.stringify(rows)}`);
    // Sampling windows estimate: the figures say so.
    assert.match(leak.label, /^≈ \+\d+(\.\d)? (MB|KB) · \d+(\.\d)? (MB|KB|B)\/s$/);
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
    assert.match(text, /leak_list\.py:10` grew \*\*≈ \+[\d.]+ (MB|KB)\*\*/);
    assert.match(text, /≈ estimated from tracing windows/);
    assert.match(text, /Growth over time/);
    // Rows are cumulative (grown since the start), never more than the program had grown by then,
    // and never shrinking below zero.
    assert.match(text, /\| time \| grown since start \|/);
    const rows = [...text.matchAll(/^\| ([\d.:]+ ?s?) \| (≈|≤) \+([\d.]+) (MB|KB|B) \|$/gm)];
    assert.ok(rows.length >= 2, text);
    const peakGrowth = (result!.report as unknown as { peakRssBytes: number; baselineRssBytes: number }).peakRssBytes;
    for (const r of rows) {
      const bytes = Number(r[3]) * (r[4] === 'MB' ? 1048576 : r[4] === 'KB' ? 1024 : 1);
      assert.ok(bytes <= peakGrowth, `row ${r[0]} within what existed (peak RSS ${peakGrowth})`);
    }
  });

  test('overlays hide growth below leaklens.profile.overlayMinGrowthMB', async () => {
    const cfg = () => vscode.workspace.getConfiguration('leaklens.profile');
    assert.equal(cfg().inspect('overlayMinGrowthMB')?.defaultValue, 1);
    const fullRows = (await state()).overlay[LEAK_FILE()]?.length ?? 0;
    assert.ok(fullRows >= 1);
    try {
      await cfg().update('overlayMinGrowthMB', 100_000, vscode.ConfigurationTarget.Global);
      const hidden = await until('overlay hidden', async () => {
        const st = await state();
        return !st.overlay[LEAK_FILE()]?.length ? st : undefined;
      });
      assert.ok(hidden.profile.hiddenLines >= 1, `hidden: ${hidden.profile.hiddenLines}`);
      assert.equal(hidden.profile.overlayLines, 0);
    } finally {
      await cfg().update('overlayMinGrowthMB', undefined, vscode.ConfigurationTarget.Global);
    }
    await until('overlay back', async () => ((await state()).overlay[LEAK_FILE()]?.length ?? 0) === fullRows);
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
    // The legend names the process by its script, as the user knows it; a launcher (pyenv's shim, a
    // shell) that exec()s Python under the same pid is named by the script it runs too.
    const root = result!.report.processes[0].pid;
    assert.ok(
      s.timeline.rendered!.labels.includes(`leak_list.py (${root})`),
      JSON.stringify(s.timeline.rendered!.labels),
    );
  });

  test('Memory timeline: the verdict, the trend line, the Python-heap series and the top lines', async () => {
    const s = await until('timeline summary drawn', async () => {
      const st = await state();
      return st.timeline.rendered?.verdict ? st : undefined;
    });
    const r = s.timeline.rendered!;
    assert.match(
      r.verdict!,
      /^LEAK · trend \+[\d.]+ MB\/s · Python heap \+[\d.]+ (MB|KB)\/s( · in the Python heap| · outside the Python heap| · in the Python heap and outside it)?$/,
    );
    assert.equal(/ · (in|outside) the Python heap/.test(r.verdict!), !!result!.report.growthWhere, r.verdict);
    assert.equal(r.trend, true);
    assert.ok(
      r.labels.some((l) => /^trend \+[\d.]+ MB\/s$/.test(l)),
      JSON.stringify(r.labels),
    );
    assert.ok((r.heapPoints ?? 0) >= 2, `heap points: ${r.heapPoints}`);
    assert.ok(r.labels.includes('Python heap (gc census)'), JSON.stringify(r.labels));
    assert.match(r.topLines?.[0] ?? '', /^leak_list\.py:10 ≈ \+[\d.]+ (MB|KB) · /);
  });

  test('a time window selected on the chart re-attributes the overlay to it; zooming out restores the run', async () => {
    // "+12.4 MB · 1.1 MB/s": the growth part, in bytes.
    const growth = (label: string) => {
      const m = /^≈ \+([\d.]+) (MB|KB|B)/.exec(label)!;
      return Number(m[1]) * (m[2] === 'MB' ? 1048576 : m[2] === 'KB' ? 1024 : 1);
    };
    // The whole run's label, from the report itself (the overlay must come back to exactly this).
    const top = result!.report.lines.find((l) => l.file === LEAK_FILE() && l.line === LEAK_LINE)!;
    const fullLabel = '≈ ' + lineLabel(top.growthBytes, top.bytesPerSecond);
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
    'a LEAK with no line offers "Re-run with exact attribution", which names the line',
    async () => {
      // rss mode reads memory only: LEAK, no line.
      const rss = await vscode.commands.executeCommand<ProfileResult>('leaklens.profileMemory', {
        target: 'file',
        file: LEAK_FILE(),
        mode: 'rss',
        showTimeline: false,
      });
      assert.equal(rss.mode, 'rss');
      assert.equal(rss.report.verdict, 'leak', rss.report.notes.join(' | '));
      assert.equal(rss.report.lines.length, 0);
      const n = (await state()).profile.notification!;
      assert.equal(n.severity, 'warning');
      assert.equal(n.report, rss.reportPath);
      assert.deepEqual(n.actions[0], 'Re-run with exact attribution');
      assert.match(n.message, /No line was named/);
      const exact = await vscode.commands.executeCommand<ProfileResult>('leaklens.rerunProfileExact');
      assert.ok(exact, 'the re-run returned a result');
      assert.notEqual(exact.reportPath, rss.reportPath);
      assert.equal(exact.mode, 'python');
      assert.equal(exact.report.linesBy, 'exact');
      assert.equal(exact.report.lines[0]?.file, LEAK_FILE());
      assert.equal(exact.report.lines[0]?.line, LEAK_LINE);
      const after = await state();
      assert.equal(after.profile.notification?.actions[0], 'Show lines');
      // Exact figures are measurements: no "≈".
      const row = await until('exact overlay', async () =>
        (await state()).overlay[LEAK_FILE()]?.find((r) => r.line === LEAK_LINE),
      );
      assert.match(row.label, /^\+[\d.]+ (MB|KB) · /);
    },
    { timeout: 90_000 },
  );

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
