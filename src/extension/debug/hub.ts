// The debug hook's view of all sessions: the status bar item (RSS and trend of the session in
// front), the per-hit overlay of the lines hit repeatedly, the Memory timeline hand-off, and where
// a session's report goes.
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import type { Sample } from '../../profile';
import { fmtBytes, fmtSigned, fmtElapsed } from '../profile/format';
import type { OverlayLine } from '../profile/overlay';
import type { MemoryShared } from '../profile/shared';
import { MemorySession } from './memory-session';

/** All tracked sessions, the status bar item and the overlay/timeline hand-off. */
export class DebugHub implements vscode.Disposable {
  readonly sessions = new Map<string, MemorySession>();
  private readonly status: vscode.StatusBarItem;
  /** The session the timeline follows. */
  private followed: MemorySession | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  /** Sessions that ended (kept for the state command, the overlay and "Save"). */
  readonly ended: MemorySession[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly shared: MemoryShared,
  ) {
    this.status = vscode.window.createStatusBarItem('leaklens.debugMemory', vscode.StatusBarAlignment.Left, 20);
    this.status.name = 'LeakLens: debuggee memory';
    this.status.command = 'leaklens.showMemoryTimeline';
  }

  get intervalMs(): number {
    return vscode.workspace.getConfiguration('leaklens.debug').get<number>('intervalMs', 250);
  }

  get minGrowthPerHit(): number {
    return vscode.workspace.getConfiguration('leaklens.debug').get<number>('minGrowthPerHit', 65536);
  }

  reportDir(session: vscode.DebugSession): string {
    const folder = session.workspaceFolder ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    const root = folder?.uri.fsPath ?? this.context.globalStorageUri.fsPath;
    const out =
      vscode.workspace.getConfiguration('leaklens.profile').get<string>('outputDirectory') || '.leaklens-profile';
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    return resolve(root, out, `${stamp}-debug-${session.name.replace(/[^\w.-]+/g, '_').slice(0, 40)}`);
  }

  track(session: vscode.DebugSession): MemorySession {
    const m = new MemorySession(session, this);
    this.sessions.set(session.id, m);
    this.updateStatus();
    return m;
  }

  changed(m: MemorySession, newPid: boolean): void {
    if (newPid) {
      this.followed = m;
      this.shared.timeline.reset(`${m.session.name} (debug, PID ${m.pid})`, [], [], true);
    }
    this.updateStatus();
  }

  sample(m: MemorySession, s: Sample): void {
    if (this.followed === m) this.shared.timeline.push(s);
    if (!this.statusTimer)
      this.statusTimer = setTimeout(() => {
        this.statusTimer = undefined;
        this.updateStatus();
      }, 500);
  }

  stop(m: MemorySession, elapsedS: number, label: string): void {
    if (this.followed === m) this.shared.timeline.mark({ tS: elapsedS, label });
    this.renderHits();
  }

  sessionEnded(m: MemorySession): void {
    this.sessions.delete(m.session.id);
    this.ended.push(m);
    if (this.ended.length > 10) this.ended.shift();
    if (this.followed === m) this.shared.timeline.setLive(false);
    this.renderHits();
    this.updateStatus();
    if (m.reportPath) {
      void vscode.commands.executeCommand('setContext', 'leaklens.debugMemoryData', true);
    }
  }

  /** The per-hit overlay of every session (live and ended). */
  renderHits(): void {
    const lines: OverlayLine[] = [];
    for (const m of [...this.ended, ...this.sessions.values()]) {
      for (const l of m.hits.locations(this.minGrowthPerHit)) {
        if (!l.leaking) continue;
        const rows = l.stopIndexes.map((i, k) => {
          const s = m.hits.stops[i];
          const growth = k ? fmtSigned(l.iterations[k - 1]) : '';
          return `| ${k + 1} | ${fmtElapsed(s.elapsedS)} | ${fmtBytes(s.rssBytes)} | ${growth} |`;
        });
        const shown = rows.length > 30 ? [...rows.slice(0, 10), '| … | | | |', ...rows.slice(-15)] : rows;
        lines.push({
          file: l.file,
          line: l.line,
          label: `${fmtSigned(l.perHitBytes)} per hit over ${l.hits} hits`,
          weight: l.totalBytes,
          hover: [
            `**LeakLens debug memory** · ${m.session.name} (PID ${m.pid})`,
            '',
            `Hit ${l.hits} times; the debuggee grew **${fmtSigned(l.perHitBytes)} per hit** ` +
              `(median; ${fmtSigned(l.totalBytes)} in all, ` +
              `${Math.round(l.growingShare * 100)} % of iterations grew). ` +
              'Growth while paused is not counted.',
            '',
            '| hit | time | RSS | growth since previous hit |',
            '| ---: | ---: | ---: | ---: |',
            ...shown,
            '',
            '[Show memory timeline](command:leaklens.showMemoryTimeline)',
          ].join('\n'),
        });
      }
    }
    this.shared.overlay.set('debug-hits', lines);
  }

  private current(): MemorySession | undefined {
    const active = vscode.debug.activeDebugSession;
    const a = active ? this.sessions.get(active.id) : undefined;
    if (a?.pid) return a;
    // js-debug: the active session may be the parent; show its child (or any session with a PID).
    for (const m of this.sessions.values())
      if (m.pid && (!active || m.session.parentSession?.id === active.id)) return m;
    for (const m of this.sessions.values()) if (m.pid) return m;
    return undefined;
  }

  updateStatus(): void {
    if (!this.sessions.size) {
      this.status.hide();
      return;
    }
    const m = this.current();
    if (!m) {
      this.status.text = '$(pulse) LeakLens: no PID';
      this.status.tooltip =
        'LeakLens could not find the process ID of the program being debugged (no DAP "process" event with ' +
        'systemProcessId, no processId in the attach configuration), so its memory is not measured.';
      this.status.show();
      return;
    }
    const last = m.lastSample;
    const trend = m.trend();
    const arrow = Math.abs(trend) < 16 * 1024 ? '→' : trend > 0 ? '↑' : '↓';
    this.status.text = last
      ? `$(pulse) ${fmtBytes(last.totalRssBytes)} ${arrow} ${fmtSigned(trend)}/s`
      : `$(pulse) PID ${m.pid}`;
    const children = last && last.processes.length > 1 ? ` and ${last.processes.length - 1} child process(es)` : '';
    this.status.tooltip =
      `LeakLens: RSS of ${m.session.name} (PID ${m.pid}${children}), trend over the last 30 s. ` +
      `PID from the ${m.pidSource}. Click for the memory timeline.`;
    this.status.show();
  }

  dispose(): void {
    clearTimeout(this.statusTimer);
    for (const m of this.sessions.values()) void m.finish();
    this.status.dispose();
  }
}
