// The extension's analysis worker (worker_threads; bundled to dist/analysis-worker.js). Holds the
// engine (grammars load on the first document that needs them) and one DocumentSession per open
// document, so parsing and rules never run on the extension host's thread. No `vscode` import.
//
// Per document: changes arrive per keystroke and are applied to the worker's copy of the text at
// once; analysis runs `debounceMs` after the last change (or at once on `flush`), re-parsing
// incrementally from the accumulated edits. Results carry the version they were computed for; the
// host drops stale ones.
import ignoreMatcher, { type Ignore } from 'ignore';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { configHash, engineKey, hashBytes, ResultCache } from '../core/cache';
import { fixText } from '../core/check';
import { ConfigError, ConfigResolver, defaultConfig, type LeakLensConfig } from '../core/config';
import { DocumentSession, type ContentChange } from '../core/document';
import { Engine } from '../core/engine';
import { collectSourceFiles } from '../core/files';
import type { LanguageId } from '../core/types';
import type { ConfigProblem, FromWorker, ScanFileResult, SettingsOverlay, ToWorker } from './protocol';
import { checkedRuleFromNode, coveringNode, formatSyntaxTree } from './rule-tools';
import { WorkerRules } from './worker-rules';

interface WorkerInit {
  grammarDir: string;
  settings: SettingsOverlay;
}

interface Doc {
  uri: string;
  file: string;
  language: LanguageId;
  /** Created once the engine is loaded. */
  session?: DocumentSession;
  text: string;
  version: number;
  /** Edits since the last analysis, in order (for the incremental re-parse). */
  pending: ContentChange[];
  /** Version of the last analysis posted (-1: none yet). */
  analyzed: number;
  timer?: NodeJS.Timeout;
  /** A full analysis once typing pauses, after partial ones (see `settle`). */
  settleTimer?: NodeJS.Timeout;
  /** The findings last posted, as JSON: a settling analysis that finds the same posts nothing. */
  posted?: string;
}

/**
 * After a partial analysis (only the definitions an edit could change, incremental.ts), the whole
 * file is analysed once more when typing pauses this long: a fact a rule reads from the whole file
 * can change with an edit elsewhere. Short enough to land before a person looks for the squiggle.
 */
const SETTLE_MS = 500;

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

let settings = init.settings;
let resolver = new ConfigResolver();
let enginePromise: Promise<Engine> | undefined;
let engine: Engine | undefined;
const docs = new Map<string, Doc>();
/** Problems of the .leaklens.json files seen since the last `configure`, by file. */
let problems = new Map<string, ConfigProblem>();
let postedProblems = '[]';
const cancelled = new Set<number>();
/** Merged configs, per config object the resolver returned (its cache makes them stable). */
let merged = new WeakMap<LeakLensConfig, LeakLensConfig>();
/** Custom rules (.leaklens/rules/*.scm), scoped to their workspace folder. */
const customRules = new WorkerRules();

function getEngine(): Promise<Engine> {
  enginePromise ??= (async () => {
    const t0 = performance.now();
    const e = await Engine.create({ grammarDir: init.grammarDir });
    engine = e;
    post({ type: 'ready', ms: performance.now() - t0 });
    return e;
  })();
  return enginePromise;
}

/** The settings merged over the .leaklens.json that governs `file` (defaults when it is bad). */
function configFor(file: string | undefined): LeakLensConfig {
  let base: LeakLensConfig;
  try {
    base = file ? resolver.forFile(file) : defaultConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (!problems.has(e.file)) {
      problems.set(e.file, { file: e.file, key: e.key, message: e.message });
      publishProblems();
    }
    base = fallback;
  }
  let cfg = merged.get(base);
  if (!cfg) {
    cfg = overlay(base, settings);
    merged.set(base, cfg);
  }
  return customRules.scope(cfg, file);
}
let fallback = defaultConfig();

/** Untitled documents have a pseudo path (no folder): they get the defaults plus the settings. */
function docConfig(doc: Doc): LeakLensConfig {
  return configFor(isAbsolute(doc.file) ? doc.file : undefined);
}

function overlay(base: LeakLensConfig, s: SettingsOverlay): LeakLensConfig {
  const rules = { ...base.rules };
  for (const [id, v] of Object.entries(s.rules))
    rules[id] = v === 'off' ? { enabled: false } : { enabled: true, severity: v };
  return {
    ...base,
    rules,
    resources: [...base.resources, ...s.resources],
    maxFileSize: s.maxFileSize ?? base.maxFileSize,
  };
}

function publishProblems(): void {
  const list = [...problems.values()].sort((a, b) => a.file.localeCompare(b.file));
  const json = JSON.stringify(list);
  if (json === postedProblems) return;
  postedProblems = json;
  post({ type: 'configProblems', problems: list });
}

const ignoreMatchers = new WeakMap<LeakLensConfig, Ignore>();
/** Whether the config's `ignore` patterns (relative to its folder) cover `path`. */
function ignoredByConfig(path: string, config: LeakLensConfig): boolean {
  if (!config.ignore.length || !config.file) return false;
  let m = ignoreMatchers.get(config);
  if (!m) ignoreMatchers.set(config, (m = ignoreMatcher().add(config.ignore)));
  const rel = relative(dirname(config.file), path);
  return rel !== '' && !rel.startsWith('..') && m.ignores(rel);
}

function applyChange(text: string, c: ContentChange): string {
  return text.slice(0, c.rangeOffset) + c.text + text.slice(c.rangeOffset + c.rangeLength);
}

function schedule(doc: Doc, delay: number): void {
  if (doc.timer) clearTimeout(doc.timer);
  if (doc.settleTimer) clearTimeout(doc.settleTimer);
  doc.settleTimer = undefined;
  doc.timer = setTimeout(() => {
    doc.timer = undefined;
    void analyze(doc);
  }, delay);
}

async function analyze(doc: Doc): Promise<void> {
  if (doc.timer) {
    clearTimeout(doc.timer);
    doc.timer = undefined;
  }
  await getEngine();
  if (docs.get(doc.uri) !== doc || !doc.session) return; // closed meanwhile
  const t0 = performance.now();
  const version = doc.version;
  const base = { uri: doc.uri, version, errors: [], incremental: false };
  try {
    const config = docConfig(doc);
    const bytes = Buffer.byteLength(doc.text, 'utf8');
    let skipped: string | undefined;
    if (bytes > config.maxFileSize)
      skipped = `not analysed: ${bytes} bytes is over the ${config.maxFileSize}-byte limit (maxFileSize)`;
    else if (ignoredByConfig(doc.file, config)) skipped = `not analysed: ignored by ${config.file}`;
    if (skipped) {
      // The tree (if any) no longer matches the text: drop it so the next analysis parses afresh.
      doc.session.dispose();
      doc.pending = [];
      doc.analyzed = version;
      post({ type: 'result', result: { ...base, findings: [], skipped, ms: performance.now() - t0 } });
      return;
    }
    const r = doc.session.update(doc.text, config, doc.pending);
    doc.pending = [];
    doc.analyzed = version;
    doc.posted = JSON.stringify(r.findings);
    post({
      type: 'result',
      result: {
        ...base,
        findings: r.findings,
        errors: r.errors,
        incremental: r.incremental,
        partial: r.partial,
        ms: performance.now() - t0,
      },
    });
    if (r.partial) {
      if (doc.settleTimer) clearTimeout(doc.settleTimer);
      doc.settleTimer = setTimeout(() => settle(doc), SETTLE_MS);
    }
  } catch (e) {
    doc.session.dispose();
    doc.pending = [];
    doc.analyzed = version;
    post({
      type: 'result',
      result: {
        ...base,
        findings: [],
        errors: [{ file: doc.file, message: `analysis failed: ${(e as Error).message}` }],
        ms: performance.now() - t0,
      },
    });
  }
}

/** The full analysis after partial ones; posts only when it finds something else. */
function settle(doc: Doc): void {
  doc.settleTimer = undefined;
  if (docs.get(doc.uri) !== doc || !doc.session || doc.pending.length || doc.timer || doc.analyzed !== doc.version)
    return; // closed, or edited since: that edit's analysis comes first
  const t0 = performance.now();
  try {
    // The config of now: settings or a config file may have changed since the partial analysis.
    const r = doc.session.refresh(docConfig(doc));
    if (!r) return;
    const json = JSON.stringify(r.findings);
    if (json === doc.posted) return;
    doc.posted = json;
    post({
      type: 'result',
      result: {
        uri: doc.uri,
        version: doc.version,
        findings: r.findings,
        errors: r.errors,
        incremental: true,
        ms: performance.now() - t0,
      },
    });
  } catch {
    // the next edit analyses again
  }
}

function reanalyzeAll(): void {
  // One document per macrotask, so edits and cancels arriving meanwhile are handled in between.
  const queue = [...docs.values()];
  const next = () => {
    const doc = queue.shift();
    if (!doc) return;
    void analyze(doc).then(() => setImmediate(next));
  };
  next();
}

/**
 * The CLI's result cache, in the extension's storage for this workspace: a second scan of an
 * unchanged tree reads results instead of analysing. Keyed like the CLI's (engine build, rules,
 * custom rule sources); each file by its bytes and resolved configuration.
 */
function scanCache(dir: string | undefined, version: string | undefined, e: Engine): ResultCache | undefined {
  if (!dir) return undefined;
  return new ResultCache(dir, [
    engineKey(version ?? ''),
    e.rules.map((r) => `${r.id}\0${JSON.stringify(r.query)}`).join('\0'),
  ]);
}

function cachedAnalysis(e: Engine, cache: ResultCache | undefined, path: string, config: LeakLensConfig) {
  let key: { content: string; config: string } | undefined;
  if (cache) {
    try {
      if (statSync(path).size <= config.maxFileSize)
        key = { content: hashBytes(readFileSync(path)), config: configHash(config) };
    } catch {
      key = undefined;
    }
    const hit = key && cache.get(path, key.content, key.config);
    if (hit) return hit;
  }
  const r = e.analyzeFile(path, path, config);
  if (cache && key) cache.set(path, key.content, key.config, r);
  return r;
}

function saveQuietly(cache: ResultCache | undefined): void {
  try {
    cache?.save();
  } catch {
    // a cache that cannot be written only costs the next scan its speed
  }
}

async function scan(
  id: number,
  folders: string[],
  allowed: string[] | null,
  cacheDir?: string,
  version?: string,
): Promise<void> {
  try {
    const e = await getEngine();
    const cache = scanCache(cacheDir, version, e);
    const allow = allowed ? new Set(allowed) : undefined;
    const { files } = collectSourceFiles(folders);
    const todo = files.filter((f) => !allow || allow.has(f.path));
    // Counted as the CLI counts: files analysed, not those a config's `ignore` leaves out.
    let analysed = 0;
    // Results that read other files of the project: never cached (their inputs are not this file alone).
    let readOtherFiles = 0;
    let done = 0;
    let batch: ScanFileResult[] = [];
    let lastPost = performance.now();
    for (const f of todo) {
      if (cancelled.has(id)) {
        cancelled.delete(id);
        if (batch.length) post({ type: 'scanProgress', id, done, total: todo.length, results: batch });
        saveQuietly(cache);
        post({ type: 'scanDone', id, cancelled: true, files: analysed });
        return;
      }
      const config = configFor(f.path);
      if (!ignoredByConfig(f.path, config)) {
        const r = cachedAnalysis(e, cache, f.path, config);
        batch.push({ file: f.path, findings: r.findings, errors: r.errors });
        analysed++;
        if (r.readOtherFiles) readOtherFiles++;
      }
      done++;
      if (performance.now() - lastPost > 100 || batch.length >= 50) {
        post({ type: 'scanProgress', id, done, total: todo.length, results: batch });
        batch = [];
        lastPost = performance.now();
      }
      // Yield to the message loop: live edits and `cancel` get through between files.
      await new Promise((r) => setImmediate(r));
    }
    post({ type: 'scanProgress', id, done, total: todo.length, results: batch });
    saveQuietly(cache);
    post({ type: 'scanDone', id, cancelled: false, files: analysed, cacheHits: cache?.hits, readOtherFiles });
  } catch (e) {
    post({ type: 'scanDone', id, cancelled: false, files: 0, error: (e as Error).message });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'configure': {
      settings = m.settings;
      resolver = new ConfigResolver();
      merged = new WeakMap();
      fallback = defaultConfig();
      problems = new Map();
      // Re-analyse open documents from scratch under the new config, then report the config state.
      for (const d of docs.values()) {
        d.session?.dispose();
        d.pending = [];
        if (d.settleTimer) clearTimeout(d.settleTimer);
        d.settleTimer = undefined;
      }
      reanalyzeAll();
      setImmediate(publishProblems);
      break;
    }
    case 'open': {
      const old = docs.get(m.uri);
      if (old) {
        if (old.timer) clearTimeout(old.timer);
        old.session?.dispose();
      }
      const doc: Doc = {
        uri: m.uri,
        file: m.file,
        language: m.language,
        text: m.text,
        version: m.version,
        pending: [],
        analyzed: -1,
      };
      docs.set(m.uri, doc);
      void getEngine().then((e) => {
        if (docs.get(m.uri) !== doc) return;
        doc.session = new DocumentSession(e, m.language, m.file);
        void analyze(doc);
      });
      break;
    }
    case 'change': {
      const doc = docs.get(m.uri);
      if (!doc) break;
      for (const c of m.changes) doc.text = applyChange(doc.text, c);
      doc.pending.push(...m.changes);
      doc.version = m.version;
      if (doc.session) schedule(doc, settings.debounceMs);
      break;
    }
    case 'flush': {
      const doc = docs.get(m.uri);
      if (!doc) break;
      if (m.text !== undefined && m.text !== doc.text) {
        // Out of sync (should not happen): start over from the host's text.
        doc.text = m.text;
        doc.pending = [];
        doc.session?.dispose();
        doc.analyzed = -1;
      }
      if (m.version !== undefined) doc.version = Math.max(doc.version, m.version);
      if (doc.session && (doc.analyzed !== doc.version || doc.timer)) void analyze(doc);
      break;
    }
    case 'close': {
      const doc = docs.get(m.uri);
      if (!doc) break;
      if (doc.timer) clearTimeout(doc.timer);
      if (doc.settleTimer) clearTimeout(doc.settleTimer);
      doc.session?.dispose(); // wasm memory is not garbage-collected
      docs.delete(m.uri);
      break;
    }
    case 'fixAll': {
      const doc = docs.get(m.uri);
      if (!doc) {
        post({ type: 'fixAll', id: m.id, version: -1, text: null, applied: 0, error: 'document is not open' });
        break;
      }
      void getEngine().then((e) => {
        try {
          const config = docConfig(doc);
          const keep = (id: string) => config.rules[id]?.enabled !== false;
          const fixed = fixText(e, doc.text, doc.file, config, keep, settings.unsafeFixes === true);
          post({
            type: 'fixAll',
            id: m.id,
            version: doc.version,
            text: fixed.text === doc.text ? null : fixed.text,
            applied: fixed.applied,
          });
        } catch (err) {
          post({
            type: 'fixAll',
            id: m.id,
            version: doc.version,
            text: null,
            applied: 0,
            error: (err as Error).message,
          });
        }
      });
      break;
    }
    case 'scan':
      void scan(m.id, m.folders, m.allowed, m.cacheDir, m.version);
      break;
    case 'cancel':
      cancelled.add(m.id);
      break;
    case 'rules': {
      const files = m.files;
      void getEngine().then((e) => {
        const status = customRules.update(e, files);
        post({ type: 'rulesStatus', ...status });
        reanalyzeAll();
      });
      break;
    }
    case 'newRule': {
      void getEngine().then((e) => {
        const tree = e.grammars.parse(m.language, m.text);
        try {
          const node = coveringNode(tree.rootNode, m.text, m.start, m.end);
          const rule = checkedRuleFromNode(node, m.language, (q) => e.grammars.query(m.language, q), {
            id: m.ruleId,
            source: m.source,
            line: node.startPosition.row,
          });
          post({
            type: 'newRule',
            id: m.id,
            rule: { id: rule.id, text: rule.text, start: rule.start, end: rule.end, type: rule.type },
          });
        } catch (err) {
          post({ type: 'newRule', id: m.id, error: (err as Error).message });
        } finally {
          tree.delete();
        }
      });
      break;
    }
    case 'syntaxTree': {
      void getEngine().then((e) => {
        const tree = e.grammars.parse(m.language, m.text);
        try {
          post({ type: 'syntaxTree', id: m.id, ...formatSyntaxTree(tree.rootNode) });
        } catch (err) {
          post({ type: 'syntaxTree', id: m.id, text: '', lines: 0, truncated: false, error: (err as Error).message });
        } finally {
          tree.delete();
        }
      });
      break;
    }
    case 'stats': {
      const mem = process.memoryUsage();
      post({
        type: 'stats',
        id: m.id,
        docs: docs.size,
        heapUsed: mem.heapUsed,
        rss: mem.rss,
        wasmBytes: mem.arrayBuffers,
      });
      break;
    }
  }
});
