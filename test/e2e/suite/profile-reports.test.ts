// "Open memory report" in the real extension host: a quick pick of the recent reports in the output
// directory (newest first, with verdict, program and date), and "Compare with…" a second report,
// which opens seed 001's before/after table (src/profile/compare.ts) as a read-only document.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { after, before, suite, test } from '../harness';
import { sleep, until } from '../until';

interface Picker {
  title: string;
  items: { label: string; description?: string; detail?: string }[];
}
interface State {
  profile: {
    lastReport?: string;
    picker?: Picker;
    compare?: { uri: string; outcome: string; before: string; after: string };
  };
}

const state = () => vscode.commands.executeCommand<State>('leaklens.memoryState');
const MiB = 1024 * 1024;
const leakFile = () => join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'profile', 'leak_list.py');

/** A report; `named`: processes named by their script as LeakLens does now (app.py), else as before (python3). */
function report(verdict: string, pid: number, growth: number, lines: boolean, named = true) {
  return {
    version: 1,
    verdict,
    durationSeconds: 6,
    baselineRssBytes: 20 * MiB,
    peakRssBytes: 20 * MiB + growth,
    finalRssBytes: 20 * MiB + growth,
    growthBytesPerSecond: growth / 6,
    processes: [
      {
        pid,
        ppid: 1,
        ...(named ? { name: 'app.py', exe: 'python3' } : { name: 'python3' }),
        firstSeenS: 0,
        lastSeenS: 6,
        baselineRssBytes: 20 * MiB,
        finalRssBytes: 20 * MiB + growth,
        deltaBytes: growth,
        peakRssBytes: 20 * MiB + growth,
        peakAtS: 6,
        growthBytesPerSecond: growth / 6,
        cpuPeakPercent: 10,
        cpuAvgPercent: 5,
        samples: 30,
      },
    ],
    lines: lines
      ? [{ file: leakFile(), line: 10, growthBytes: growth, growthCount: 600, bytesPerSecond: growth / 6 }]
      : [],
    linesBy: 'sampling',
    notes: [],
  };
}

/** Waits for the picker, lets the workbench show it, then accepts the active item after `down` moves. */
async function accept(what: RegExp, down = 0): Promise<Picker> {
  const p = await until(`quick pick ${what}`, async () => {
    const s = await state();
    return s.profile.picker && what.test(s.profile.picker.title) ? s.profile.picker : undefined;
  });
  await sleep(400);
  for (let i = 0; i < down; i++) await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  return p;
}

suite('profile memory: reports', () => {
  let dir = '';
  const run = (name: string) => join(dir, name);

  before(async () => {
    await vscode.extensions.getExtension('leaklens.leaklens')!.activate();
    dir = mkdtempSync(join(tmpdir(), 'leaklens-reports-'));
    const put = (name: string, r: object | string) => {
      mkdirSync(run(name));
      writeFileSync(join(run(name), 'report.json'), typeof r === 'string' ? r : JSON.stringify(r));
    };
    put('2026-01-01T10-00-00-app.py', report('leak', 101, 40 * MiB, true, false)); // written before names
    put('2026-01-01T12-00-00-debug-Run_app', report('inconclusive', 102, 2 * MiB, false));
    put('2026-01-02T10-00-00-app.py', report('no-leak', 103, 0, false));
    put('2026-01-03T10-00-00-cut.py', '{"version": 1, "verdict": "le'); // truncated: not listed
    mkdirSync(run('2026-01-04T10-00-00-running.py')); // unfinished: not listed
    await vscode.workspace
      .getConfiguration('leaklens.profile')
      .update('outputDirectory', dir, vscode.ConfigurationTarget.Global);
    // The picker also lists the folder of the last report opened: earlier suites' runs went to the
    // workspace's folder. Opening one of ours first keeps the list to this suite's reports.
    await vscode.commands.executeCommand(
      'leaklens.openMemoryReport',
      join(run('2026-01-01T10-00-00-app.py'), 'report.json'),
    );
    await vscode.commands.executeCommand('leaklens.clearOverlay');
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('leaklens.profile')
      .update('outputDirectory', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('leaklens.clearOverlay');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  test('Open memory report is a quick pick of the recent reports, newest first, with verdict, program and date', async () => {
    const opened = vscode.commands.executeCommand<{ verdict: string }>('leaklens.openMemoryReport');
    const picker = await accept(/^LeakLens: Open memory report$/);
    assert.deepEqual(
      picker.items.map((i) => i.label),
      [
        '$(pass) no leak · app.py',
        '$(question) inconclusive · debug: Run_app',
        '$(warning) LEAK · app.py',
        '$(diff) Compare two reports…',
        '$(folder-opened) Browse…',
      ],
    );
    const p = (n: number) => String(n).padStart(2, '0');
    const local = (iso: string) => {
      const d = new Date(iso);
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
    };
    assert.deepEqual(
      picker.items.slice(0, 3).map((i) => i.description),
      [local('2026-01-02T10:00:00Z'), local('2026-01-01T12:00:00Z'), local('2026-01-01T10:00:00Z')],
    );
    assert.match(
      picker.items[2].detail!,
      /peak 60\.0 MB · trend \+6\.7 MB\/s · 1 line · top leak_list\.py:10 \+40\.0 MB/,
    );
    const r = await opened;
    assert.equal(r?.verdict, 'no-leak', 'the newest report was opened');
    const s = await state();
    assert.equal(s.profile.lastReport, join(run('2026-01-02T10-00-00-app.py'), 'report.json'));
    assert.equal(s.profile.picker, undefined, 'the picker closed');
  });

  test("Compare with… a second report shows seed 001's before/after table", async () => {
    const leak = run('2026-01-01T10-00-00-app.py');
    const compared = vscode.commands.executeCommand<{ outcome: string }>('leaklens.compareMemoryReports', leak);
    const picker = await accept(/^LeakLens: Compare 2026-01-01T10-00-00-app\.py with…$/);
    assert.deepEqual(
      picker.items.map((i) => i.label),
      ['$(pass) no leak · app.py', '$(question) inconclusive · debug: Run_app'],
      'the other reports, newest first',
    );
    const c = await compared;
    assert.equal(c?.outcome, 'fixed');
    const doc = await until('the comparison document', async () => {
      const d = vscode.window.activeTextEditor?.document;
      return d?.uri.scheme === 'leaklens-compare' ? d : undefined;
    });
    const text = doc.getText();
    assert.match(text, /^LeakLens compare: LEAK → NO-LEAK \(fixed\)$/m);
    assert.match(text, /^Verdict +LEAK +NO-LEAK +fixed$/m);
    assert.match(text, /^app\.py \(pid 101 → 103\)$/m, "the old report's python3 is matched with app.py");
    assert.match(text, /^Lines that stopped growing \(1\):$/m);
    assert.match(text, /leak_list\.py:10 +\+40\.0 MB/);
  });

  test('"Compare two reports…" from the picker: the older of the two runs is BEFORE, whatever the order picked', async () => {
    const opened = vscode.commands.executeCommand<{ outcome: string }>('leaklens.openMemoryReport');
    await accept(/^LeakLens: Open memory report$/, 3); // the fourth row: "Compare two reports…"
    await accept(/the first run$/); // the newest: no leak
    await accept(/with…$/, 1); // the second of the others: the LEAK run
    const c = await opened;
    assert.equal(c?.outcome, 'fixed', 'LEAK (older) → no leak (newer)');
    const s = await state();
    assert.equal(s.profile.compare?.before, join(run('2026-01-01T10-00-00-app.py'), 'report.json'));
    assert.equal(s.profile.compare?.after, join(run('2026-01-02T10-00-00-app.py'), 'report.json'));
  });
});
