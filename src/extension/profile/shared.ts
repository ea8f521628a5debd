// State shared by "Profile memory" (registerProfiling) and the debug hook (registerDebugHook): one
// overlay, one timeline panel, one output channel, and the internal state command the e2e tests read.
import * as vscode from 'vscode';
import { MemoryOverlay } from './overlay';
import { TimelinePanel } from './timeline-panel';

export interface MemoryShared {
  overlay: MemoryOverlay;
  timeline: TimelinePanel;
  output: vscode.OutputChannel;
  /** Parts of the state command's answer, by name ('profile', 'debug'). */
  state: Map<string, () => unknown>;
  /** A report.json was written or opened (a profile, a debug session): its lines are measurements. */
  reportSaved: vscode.EventEmitter<string>;
}

/** Internal command (not contributed): JSON-able state of the overlay, timeline and sessions. */
export const STATE_COMMAND = 'leaklens.memoryState';

let shared: MemoryShared | undefined;

export function getShared(context: vscode.ExtensionContext): MemoryShared {
  if (shared) return shared;
  const s: MemoryShared = {
    overlay: new MemoryOverlay(vscode.Uri.joinPath(context.extensionUri, 'media')),
    timeline: new TimelinePanel(context.extensionUri),
    output: vscode.window.createOutputChannel('LeakLens Memory'),
    state: new Map(),
    reportSaved: new vscode.EventEmitter<string>(),
  };
  shared = s;
  context.subscriptions.push(
    s.overlay,
    s.timeline,
    s.output,
    s.reportSaved,
    {
      dispose: () => {
        if (shared === s) shared = undefined;
      },
    },
    vscode.commands.registerCommand(STATE_COMMAND, () => {
      const out: Record<string, unknown> = {
        overlay: Object.fromEntries(s.overlay.rendered),
        overlayFiles: s.overlay.files(),
        timeline: s.timeline.state(),
      };
      for (const [k, f] of s.state) out[k] = f();
      return out;
    }),
    vscode.commands.registerCommand('leaklens.showMemoryTimeline', () => s.timeline.show(false)),
    vscode.commands.registerCommand('leaklens.clearOverlay', () => s.overlay.clear()),
  );
  return s;
}
