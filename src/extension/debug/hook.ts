// The debug-session hook: for every debug session (any debugger), a DebugAdapterTracker that only
// READS the DAP messages going by and hands them to the session's MemorySession (memory-session.ts:
// PID, stops, the RSS recorder, the saved report); DebugHub (hub.ts) shows them in the status bar,
// the overlay and the Memory timeline. This file wires them to VS Code: the tracker factory, the
// setting, and the commands (Track allocations, Save debug memory report).
import * as vscode from 'vscode';
import { getShared } from '../profile/shared';
import { DebugHub } from './hub';
import type { DapMessage, MemorySession } from './memory-session';
import { AllocationTracker } from './tracemalloc';

export function registerDebugHook(context: vscode.ExtensionContext): void {
  const shared = getShared(context);
  const hub = new DebugHub(context, shared);
  const enabled = () =>
    vscode.workspace.getConfiguration('leaklens.debug').get<boolean>('memoryHook', true) && vscode.workspace.isTrusted;

  shared.state.set('debug', () => ({
    enabled: enabled(),
    sessions: [...hub.sessions.values()].map((m) => m.state()),
    ended: hub.ended.map((m) => m.state()),
  }));

  const find = (id?: string): MemorySession | undefined => {
    if (id) return hub.sessions.get(id) ?? hub.ended.find((m) => m.session.id === id);
    const active = vscode.debug.activeDebugSession;
    if (active) {
      const m = hub.sessions.get(active.id);
      if (m?.pid) return m;
      for (const c of hub.sessions.values()) if (c.pid && c.session.parentSession?.id === active.id) return c;
    }
    return [...hub.sessions.values()].find((m) => m.pid) ?? hub.ended[hub.ended.length - 1];
  };

  context.subscriptions.push(
    hub,
    vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker(session) {
        if (!enabled()) return undefined;
        const m = hub.track(session);
        const time = (fn: (msg: DapMessage) => void) => (msg: DapMessage) => {
          const t0 = performance.now();
          try {
            fn(msg);
          } catch {
            // never let LeakLens break a session
          }
          const ms = performance.now() - t0;
          m.handler.total += ms;
          m.handler.count++;
          if (ms > m.handler.max) m.handler.max = ms;
        };
        return {
          onWillReceiveMessage: time((msg) => m.willReceive(msg)),
          onDidSendMessage: time((msg) => m.didSend(msg)),
          onExit: () => void m.finish(),
          onError: () => undefined,
          onWillStopSession: () => undefined,
        };
      },
    }),
    vscode.debug.onDidTerminateDebugSession((s) => void hub.sessions.get(s.id)?.finish()),
    vscode.debug.onDidChangeActiveDebugSession(() => hub.updateStatus()),
    vscode.commands.registerCommand('leaklens.trackAllocations', async (sessionId?: string) => {
      if (!vscode.workspace.isTrusted) {
        // It evaluates code in the debuggee: never in Restricted Mode.
        void vscode.window.showWarningMessage('LeakLens: allocation tracking waits until you trust this workspace.');
        return false;
      }
      const m = find(sessionId);
      if (!m || m.ended) {
        void vscode.window.showInformationMessage('LeakLens: no running debug session to track.');
        return false;
      }
      if (!m.lastFrame) {
        void vscode.window.showInformationMessage(
          'LeakLens: pause the program (e.g. at a breakpoint) first: allocation tracking starts in the stopped frame.',
        );
        return false;
      }
      m.allocations ??= new AllocationTracker(m.session, hub.shared, m.session.name);
      try {
        await m.allocations.start(m.lastFrame.frameId);
      } catch (e) {
        m.allocations.dispose();
        m.allocations = undefined;
        void vscode.window.showErrorMessage(
          `LeakLens: cannot track allocations in this session (${(e as Error).message}). ` +
            'It works with Python (debugpy) sessions.',
        );
        return false;
      }
      void vscode.window.showInformationMessage(
        'LeakLens: tracking Python allocations (tracemalloc) in the debuggee; ' +
          'the lines that grow are shown at each stop.',
      );
      return true;
    }),
    vscode.commands.registerCommand('leaklens.saveDebugMemoryReport', async (sessionId?: string) => {
      const m = find(sessionId);
      const path = m ? await m.save() : undefined;
      if (!path) {
        void vscode.window.showInformationMessage('LeakLens: no debug session with memory samples to save.');
        return undefined;
      }
      void vscode.window
        .showInformationMessage(
          `LeakLens: debug session memory saved to ${vscode.workspace.asRelativePath(path)}.`,
          'Open report',
        )
        .then((pick) => {
          if (pick) void vscode.commands.executeCommand('leaklens.openMemoryReport', path);
        });
      return path;
    }),
  );
}
