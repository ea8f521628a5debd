// Memory timeline webview: RSS per process (MB) over elapsed seconds with uPlot, plus markers
// (debugger stops). Messages from the extension: reset {title, live, samples, markers},
// append {samples, markers}, live {live}. Sends back ready, rendered {points, series, markers}.
// @ts-check
(function () {
  /** @type {any} */
  const uPlot = /** @type {any} */ (window).uPlot;
  // @ts-ignore acquireVsCodeApi is injected by VS Code
  const vscode = acquireVsCodeApi();
  const MiB = 1024 * 1024;
  const chartEl = /** @type {HTMLElement} */ (document.getElementById('chart'));
  const emptyEl = /** @type {HTMLElement} */ (document.getElementById('empty'));
  const titleEl = /** @type {HTMLElement} */ (document.getElementById('title'));
  const statusEl = /** @type {HTMLElement} */ (document.getElementById('status'));

  /** @type {{t:number,p:[number,string,number][]}[]} */
  let samples = [];
  /** @type {{tS:number,label:string}[]} */
  let markers = [];
  let live = false;
  /** @type {any} */
  let plot;
  /** @type {string} key of the series set the plot was built for */
  let seriesKey = '';
  let scheduled = false;

  const css = (name, fallback) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
  const palette = () => ['--vscode-charts-blue', '--vscode-charts-red', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-purple', '--vscode-charts-yellow']
    .map((v, i) => css(v, ['#3794ff', '#f14c4c', '#89d185', '#d18616', '#b180d7', '#cca700'][i]));

  function processes() {
    /** @type {Map<number,string>} */
    const m = new Map();
    // The latest name: a launcher (a pyenv shim, `bash -c`) exec()s the real program under the same pid.
    for (const s of samples) for (const [pid, name] of s.p) m.set(pid, name);
    return [...m];
  }

  function data(procs) {
    const xs = samples.map((s) => s.t);
    const total = samples.map((s) => s.p.reduce((a, p) => a + p[2], 0) / MiB);
    const cols = procs.map(([pid]) => samples.map((s) => {
      const p = s.p.find((q) => q[0] === pid);
      return p ? p[2] / MiB : null;
    }));
    return procs.length > 1 ? [xs, total, ...cols] : [xs, ...cols];
  }

  function markerPlugin() {
    return {
      hooks: {
        draw: [(/** @type {any} */ u) => {
          if (!markers.length) return;
          const ctx = u.ctx;
          const { top, height } = u.bbox;
          ctx.save();
          ctx.strokeStyle = css('--vscode-charts-orange', '#d18616');
          ctx.fillStyle = ctx.strokeStyle;
          ctx.lineWidth = 1 * devicePixelRatio;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.font = `${10 * devicePixelRatio}px ${css('--vscode-font-family', 'sans-serif')}`;
          let lastX = -Infinity;
          for (const m of markers) {
            const x = Math.round(u.valToPos(m.tS, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            if (x - lastX > 60 * devicePixelRatio) {
              ctx.fillText(m.label, x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
              lastX = x;
            }
          }
          ctx.restore();
        }],
      },
    };
  }

  function build(procs) {
    if (plot) plot.destroy();
    const colors = palette();
    const fg = css('--vscode-foreground', '#ccc');
    const grid = css('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)');
    const series = [{ label: 'elapsed (s)' }];
    if (procs.length > 1) series.push({ label: 'total', stroke: fg, width: 2, value: (_u, v) => (v == null ? '–' : v.toFixed(1) + ' MB') });
    procs.forEach(([pid, name], i) => series.push({ label: `${name} (${pid})`, stroke: colors[i % colors.length], width: 1.5, spanGaps: false, value: (_u, v) => (v == null ? '–' : v.toFixed(1) + ' MB') }));
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    plot = new uPlot({
      width: Math.max(320, chartEl.clientWidth || document.body.clientWidth - 32),
      height: Math.max(220, Math.min(480, window.innerHeight - 140)),
      scales: { x: { time: false } },
      series,
      axes: [{ ...axis, label: 'seconds' }, { ...axis, label: 'RSS (MB)', size: 60 }],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      plugins: [markerPlugin()],
      // Dragging selects (and zooms to) a time window; the extension re-attributes the line overlay
      // to it. Only the user's drag and double-click report windows: a redraw never does.
      hooks: {
        setSelect: [(u) => {
          if (u.select.width > 0) reportWindow(u.posToVal(u.select.left, 'x'), u.posToVal(u.select.left + u.select.width, 'x'));
        }],
        ready: [(u) => u.over.addEventListener('dblclick', () => reportWindow(null, null))],
      },
    }, data(procs), chartEl);
  }

  /** from/to in seconds, or null for the whole run. */
  function reportWindow(from, to) {
    if (!samples.length) return;
    const first = samples[0].t;
    const last = samples[samples.length - 1].t;
    vscode.postMessage(from == null ? { type: 'window', from: null, to: null } : { type: 'window', from: Math.max(first, from), to: Math.min(last, to) });
  }

  function render() {
    scheduled = false;
    titleEl.textContent = `Memory timeline: ${document.title = titleText}`;
    statusEl.textContent = status();
    statusEl.className = live ? 'live' : '';
    emptyEl.style.display = samples.length ? 'none' : '';
    if (!samples.length) {
      if (plot) { plot.destroy(); plot = undefined; seriesKey = ''; }
      vscode.postMessage({ type: 'rendered', points: 0, series: 0, markers: markers.length, chart: 'uPlot' });
      return;
    }
    const procs = processes();
    const key = procs.map((p) => `${p[0]}:${p[1]}`).join(',');
    if (!plot || key !== seriesKey) {
      build(procs);
      seriesKey = key;
    } else {
      plot.setData(data(procs));
    }
    vscode.postMessage({ type: 'rendered', points: samples.length, series: plot.series.length - 1, markers: markers.length, chart: 'uPlot', labels: plot.series.slice(1).map((s) => s.label) });
  }

  let titleText = 'Memory timeline';
  function status() {
    if (!samples.length) return live ? 'live' : '';
    const last = samples[samples.length - 1];
    const total = last.p.reduce((a, p) => a + p[2], 0) / MiB;
    return `${live ? 'live · ' : ''}${last.t.toFixed(1)} s · ${total.toFixed(1)} MB in ${last.p.length} process${last.p.length === 1 ? '' : 'es'}${markers.length ? ` · ${markers.length} stop${markers.length === 1 ? '' : 's'}` : ''}`;
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      try { render(); } catch (e) { vscode.postMessage({ type: 'error', message: String(e && e.stack || e) }); }
    });
  }

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (m.type === 'reset') {
      titleText = m.title;
      live = m.live;
      samples = m.samples;
      markers = m.markers;
      if (plot) { plot.destroy(); plot = undefined; seriesKey = ''; }
      schedule();
    } else if (m.type === 'append') {
      samples.push(...m.samples);
      markers.push(...m.markers);
      schedule();
    } else if (m.type === 'live') {
      live = m.live;
      schedule();
    } else if (m.type === 'selectWindow' && plot && samples.length) {
      // The same path as a drag: set the x scale, the hook reports the window.
      const first = samples[0].t;
      const last = samples[samples.length - 1].t;
      // As a drag does: zoom the chart, report the window.
      plot.setScale('x', m.from == null ? { min: first, max: last } : { min: m.from, max: m.to });
      reportWindow(m.from, m.to);
    }
  });
  window.addEventListener('resize', () => {
    if (plot) plot.setSize({ width: Math.max(320, chartEl.clientWidth), height: Math.max(220, Math.min(480, window.innerHeight - 140)) });
  });
  // Theme switch: VS Code changes the body's class; rebuild with the new colours.
  new MutationObserver(() => { if (plot) { seriesKey = ''; schedule(); } }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  if (typeof uPlot !== 'function') vscode.postMessage({ type: 'error', message: 'uPlot did not load' });
  vscode.postMessage({ type: 'ready' });
})();
