// "Memory timeline": a webview panel (media/timeline.js + uPlot, copied to dist/media at build time)
// drawing RSS per process over time, live while a profile or a debug session runs, with markers
// (debugger stops). One panel; the newest source (profile, debug session, opened report) owns it.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Report, Sample } from '../../profile';
import { timelineSummary, type TimelineSummary } from './report-ui';

export interface Marker {
  tS: number;
  label: string;
}

/** Compact sample sent to the webview: elapsed seconds and [pid, name, rss bytes] per process. */
interface WireSample {
  t: number;
  p: [number, string, number][];
}

export interface TimelineState {
  title: string;
  live: boolean;
  samples: number;
  markers: number;
  visible: boolean;
  /** What the webview last reported drawing (chart library loaded and rendered). */
  rendered?: {
    points: number;
    series: number;
    markers: number;
    chart: string;
    labels: string[];
    /** The finished run's summary as drawn: verdict text, trend line, heap points, top lines. */
    verdict?: string;
    trend?: boolean;
    heapPoints?: number;
    topLines?: string[];
    /** The growing types as drawn under the chart: "Frame +812 objects, +50.8 KB", then its chain. */
    types?: string[];
  };
  /** The summary sent to the webview (a finished run or an opened report). */
  summary?: TimelineSummary;
}

const wire = (s: Sample): WireSample => ({ t: s.elapsedS, p: s.processes.map((p) => [p.pid, p.name, p.rssBytes]) });
const MAX_POINTS = 20_000;

export class TimelinePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private title = 'Memory timeline';
  private live = false;
  private samples: WireSample[] = [];
  private markers: Marker[] = [];
  private summary: TimelineSummary | undefined;
  private pending: { samples: WireSample[]; markers: Marker[] } = { samples: [], markers: [] };
  private flushTimer: NodeJS.Timeout | undefined;
  private ready = false;
  private rendered: TimelineState['rendered'];
  private readonly renderedEmitter = new vscode.EventEmitter<NonNullable<TimelineState['rendered']>>();
  /** Fires each time the webview has drawn a batch. */
  readonly onDidRender = this.renderedEmitter.event;
  private readonly windowEmitter = new vscode.EventEmitter<{ from: number; to: number } | undefined>();
  /** The user selected a time window on the chart (undefined: back to the whole run). */
  readonly onDidSelectWindow = this.windowEmitter.event;

  /** Zooms the chart to a window (undefined: the whole run), as a drag would. */
  selectWindow(from?: number, to?: number): boolean {
    // Back to the whole run needs nothing from the chart: apply it at once, then zoom the chart out.
    if (from === undefined) this.windowEmitter.fire(undefined);
    if (!this.panel || !this.ready) return from === undefined;
    void this.panel.webview.postMessage({ type: 'selectWindow', from: from ?? null, to: to ?? null });
    return true;
  }

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Starts a new timeline (replaces what the panel shows). */
  reset(title: string, samples: readonly Sample[] = [], markers: readonly Marker[] = [], live = true): void {
    this.title = title;
    this.live = live;
    this.samples = thinWire(samples.map(wire));
    this.markers = [...markers];
    this.summary = undefined;
    this.pending = { samples: [], markers: [] };
    this.rendered = undefined;
    if (this.panel) {
      this.panel.title = `Memory timeline: ${title}`;
      this.sendReset();
    }
  }

  push(sample: Sample): void {
    const w = wire(sample);
    this.samples.push(w);
    if (this.samples.length > MAX_POINTS) this.samples = thinWire(this.samples);
    this.pending.samples.push(w);
    this.scheduleFlush();
  }

  mark(marker: Marker): void {
    this.markers.push(marker);
    this.pending.markers.push(marker);
    this.scheduleFlush();
  }

  /**
   * A finished run's verdict, trend line, Python-heap series and top lines, drawn over the samples
   * the panel holds (call after the last sample, or after reset() with a saved timeline).
   */
  setReport(report: Report): TimelineSummary {
    const rss = this.samples.map((w) => ({ t: w.t, y: w.p.reduce((a, p) => a + p[2], 0) }));
    this.summary = timelineSummary(report, rss);
    this.sendReset();
    return this.summary;
  }

  setLive(live: boolean): void {
    this.live = live;
    void this.panel?.webview.postMessage({ type: 'live', live });
  }

  state(): TimelineState {
    return {
      title: this.title,
      live: this.live,
      samples: this.samples.length,
      markers: this.markers.length,
      visible: !!this.panel?.visible,
      rendered: this.rendered,
      summary: this.summary,
    };
  }

  show(preserveFocus = true): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const vendor = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    const panel = vscode.window.createWebviewPanel(
      'leaklens.memoryTimeline',
      `Memory timeline: ${this.title}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [media, vendor],
      },
    );
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(media, 'heat-4.svg');
    panel.webview.html = this.html(panel.webview, media, vendor);
    panel.webview.onDidReceiveMessage(
      (m: {
        type: string;
        points?: number;
        series?: number;
        markers?: number;
        chart?: string;
        message?: string;
        labels?: string[];
        from?: number | null;
        to?: number | null;
        verdict?: string;
        trend?: boolean;
        heapPoints?: number;
        topLines?: string[];
        types?: string[];
        file?: string;
        line?: number;
      }) => {
        if (m.type === 'window') {
          this.windowEmitter.fire(
            typeof m.from === 'number' && typeof m.to === 'number' && m.to > m.from
              ? { from: m.from, to: m.to }
              : undefined,
          );
        } else if (m.type === 'ready') {
          this.ready = true;
          this.sendReset();
        } else if (m.type === 'rendered') {
          this.rendered = {
            points: m.points ?? 0,
            series: m.series ?? 0,
            markers: m.markers ?? 0,
            chart: m.chart ?? '',
            labels: m.labels ?? [],
            verdict: m.verdict,
            trend: m.trend,
            heapPoints: m.heapPoints,
            topLines: m.topLines,
            types: m.types,
          };
          this.renderedEmitter.fire(this.rendered);
        } else if (m.type === 'openLine' && typeof m.file === 'string' && typeof m.line === 'number') {
          void openLine(m.file, m.line);
        } else if (m.type === 'error') {
          console.error(`[leaklens] timeline webview: ${m.message}`);
        }
      },
    );
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
      this.rendered = undefined;
    });
  }

  private sendReset(): void {
    if (!this.panel || !this.ready) return;
    this.pending = { samples: [], markers: [] };
    void this.panel.webview.postMessage({
      type: 'reset',
      title: this.title,
      live: this.live,
      samples: this.samples,
      markers: this.markers,
      summary: this.summary ?? null,
    });
  }

  private scheduleFlush(): void {
    if (this.flushTimer || !this.panel) return;
    // Batch live samples: one message per 250 ms keeps the webview and the host thread idle.
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (!this.panel || !this.ready) return;
      const { samples, markers } = this.pending;
      this.pending = { samples: [], markers: [] };
      if (samples.length || markers.length) void this.panel.webview.postMessage({ type: 'append', samples, markers });
    }, 250);
  }

  private html(webview: vscode.Webview, media: vscode.Uri, vendor: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const u = (base: vscode.Uri, f: string) => webview.asWebviewUri(vscode.Uri.joinPath(base, f)).toString();
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}'; font-src ${webview.cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${u(vendor, 'uPlot.min.css')}" nonce="${nonce}">
<link rel="stylesheet" href="${u(media, 'timeline.css')}" nonce="${nonce}">
<title>Memory timeline</title>
</head>
<body>
<header><h1 id="title">Memory timeline</h1><span id="status"></span></header>
<div id="verdict" hidden></div>
<div id="chart" role="img" aria-label="RSS per process over time"></div>
<p id="empty">Waiting for samples…</p>
<section id="top" hidden><h2>Lines that grew most</h2><ol id="topLines"></ol></section>
<section id="types" hidden><h2>Types that grew in count</h2><ul id="typeList"></ul></section>
<script nonce="${nonce}" src="${u(vendor, 'uPlot.iife.min.js')}"></script>
<script nonce="${nonce}" src="${u(media, 'timeline.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.panel?.dispose();
    this.renderedEmitter.dispose();
    this.windowEmitter.dispose();
  }
}

/** Opens a file at a 1-based line and selects it (the timeline's top lines, "Show lines"). */
export async function openLine(file: string, line: number): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const l = Math.min(Math.max(0, line - 1), doc.lineCount - 1);
  const range = doc.lineAt(l).range;
  const editor = await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.One,
    selection: new vscode.Range(range.start, range.end),
    preserveFocus: false,
  });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

/** Halves a long series (keeps every other point, always the last) so the webview stays fast. */
function thinWire(s: WireSample[]): WireSample[] {
  if (s.length <= MAX_POINTS) return s;
  const out = s.filter((_, i) => i % 2 === 0);
  if (out[out.length - 1] !== s[s.length - 1]) out.push(s[s.length - 1]);
  return out;
}
