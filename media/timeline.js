// Memory timeline webview: RSS per process (MB) over elapsed seconds with uPlot, plus markers
// (debugger stops) and, for a finished run, its summary: the verdict, the RSS trend line, the Python
// heap series and the top lines. Messages from the extension: reset {title, live, samples, markers,
// summary}, append {samples, markers}, live {live}, selectWindow {from, to}. Sends back ready,
// rendered {points, series, markers, labels, verdict, trend, heapPoints, topLines, types}, window,
// openLine.
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
  const verdictEl = /** @type {HTMLElement} */ (document.getElementById('verdict'));
  const topEl = /** @type {HTMLElement} */ (document.getElementById('top'));
  const topListEl = /** @type {HTMLElement} */ (document.getElementById('topLines'));
  const typesEl = /** @type {HTMLElement} */ (document.getElementById('types'));
  const typeListEl = /** @type {HTMLElement} */ (document.getElementById('typeList'));

  /** @type {{t:number,p:[number,string,number][]}[]} */
  let samples = [];
  /** @type {{tS:number,label:string}[]} */
  let markers = [];
  /**
   * @typedef {{t0:number, y0:number, t1:number, y1:number, bytesPerSecond:number}} Trend
   * @typedef {{source:string, points:[number,number][]}} Heap
   * @typedef {{file:string, line:number, label:string}} TopLine
   * @typedef {{type:string, label:string, retainedBy?:string}} TypeRow
   * @type {null | {verdict:string, headline:string, trend?:Trend, heap?:Heap, top:TopLine[], types?:TypeRow[]}}
   */
  let summary = null;
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
    const extra = [];
    const tr = summary && summary.trend;
    // The report's trend over the measured window (after the warm-up): a straight line.
    if (tr) extra.push(xs.map((t) => (t >= tr.t0 - 1e-9 && t <= tr.t1 + 1e-9 ? (tr.y0 + ((tr.y1 - tr.y0) * (t - tr.t0)) / Math.max(1e-9, tr.t1 - tr.t0)) / MiB : null)));
    // The Python heap's readings (about one a second), linear in between, on the samples' times.
    if (heapPoints().length) extra.push(xs.map((t) => heapAt(t)));
    return procs.length > 1 ? [xs, total, ...cols, ...extra] : [xs, ...cols, ...extra];
  }

  function heapPoints() {
    return (summary && summary.heap && summary.heap.points) || [];
  }

  /** @param {number} t */
  function heapAt(t) {
    const pts = heapPoints();
    if (!pts.length || t < pts[0][0] - 1e-9 || t > pts[pts.length - 1][0] + 1e-9) return null;
    for (let i = 1; i < pts.length; i++) {
      if (pts[i][0] >= t) {
        const [t0, y0] = pts[i - 1];
        const [t1, y1] = pts[i];
        return (t1 > t0 ? y0 + ((y1 - y0) * (t - t0)) / (t1 - t0) : y1) / MiB;
      }
    }
    return pts[pts.length - 1][1] / MiB;
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
    const mbValue = (_u, v) => (v == null ? '–' : v.toFixed(1) + ' MB');
    procs.forEach(([pid, name], i) => series.push({ label: `${name} (${pid})`, stroke: colors[i % colors.length], width: 1.5, spanGaps: false, value: mbValue }));
    if (summary && summary.trend) {
      const rate = summary.trend.bytesPerSecond;
      series.push({ label: `trend ${rate >= 0 ? '+' : '-'}${(Math.abs(rate) / MiB).toFixed(1)} MB/s`, stroke: css('--vscode-charts-red', '#f14c4c'), width: 1.5, dash: [6, 4], spanGaps: false, value: mbValue });
    }
    if (heapPoints().length)
      series.push({ label: `Python heap (${summary && summary.heap && summary.heap.source === 'tracemalloc' ? 'tracemalloc' : 'gc census'})`, stroke: css('--vscode-charts-purple', '#b180d7'), width: 1.5, spanGaps: true, value: mbValue });
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    plot = new uPlot({
      width: Math.max(320, chartEl.clientWidth || document.body.clientWidth - 32),
      height: Math.max(220, Math.min(480, window.innerHeight - 140)),
      scales: { x: { time: false } },
      series,
      axes: [{ ...axis, label: 'seconds' }, { ...axis, label: heapPoints().length ? 'MB (RSS, Python heap)' : 'RSS (MB)', size: 60 }],
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
    renderSummary();
    if (!samples.length) {
      if (plot) { plot.destroy(); plot = undefined; seriesKey = ''; }
      vscode.postMessage({ type: 'rendered', points: 0, series: 0, markers: markers.length, chart: 'uPlot' });
      return;
    }
    const procs = processes();
    const key = procs.map((p) => `${p[0]}:${p[1]}`).join(',') + `|${summary ? `${!!summary.trend}:${heapPoints().length}` : ''}`;
    if (!plot || key !== seriesKey) {
      build(procs);
      seriesKey = key;
    } else {
      plot.setData(data(procs));
    }
    vscode.postMessage({
      type: 'rendered', points: samples.length, series: plot.series.length - 1, markers: markers.length, chart: 'uPlot',
      labels: plot.series.slice(1).map((s) => s.label),
      verdict: summary ? verdictEl.textContent : undefined,
      trend: !!(summary && summary.trend),
      heapPoints: heapPoints().length,
      topLines: [...topListEl.querySelectorAll('li')].map((li) => li.textContent),
      types: [...typeListEl.querySelectorAll('li')].map(itemText),
    });
  }

  /** A list item's text, its parts (name, figures, chain) one space apart. */
  const itemText = (li) => [...li.childNodes].map((n) => n.textContent.trim()).join(' ');

  /** The verdict banner, the top lines and the growing types under the chart (a finished run or a saved report). */
  function renderSummary() {
    verdictEl.hidden = !summary;
    topEl.hidden = !summary || !summary.top.length;
    topListEl.textContent = '';
    typesEl.hidden = !summary || !summary.types || !summary.types.length;
    typeListEl.textContent = '';
    if (!summary) return;
    for (const t of summary.types || []) {
      const li = document.createElement('li');
      const name = document.createElement('code');
      name.textContent = t.type;
      li.append(name, document.createTextNode(` ${t.label}`));
      if (t.retainedBy) {
        const chain = document.createElement('div');
        chain.className = 'chain';
        chain.textContent = `kept alive by ${t.retainedBy}`;
        li.append(chain);
      }
      typeListEl.append(li);
    }
    verdictEl.textContent = summary.headline;
    verdictEl.className = `verdict-${summary.verdict}`;
    for (const l of summary.top) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = '#';
      a.textContent = `${l.file.split(/[\\/]/).pop()}:${l.line}`;
      a.title = l.file;
      a.addEventListener('click', (ev) => { ev.preventDefault(); vscode.postMessage({ type: 'openLine', file: l.file, line: l.line }); });
      li.append(a, document.createTextNode(` ${l.label}`));
      topListEl.append(li);
    }
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
      summary = m.summary || null;
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
