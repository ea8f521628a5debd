// Host side of the analysis worker: starts it on first need, forwards document events, keeps the
// latest result per document and lets callers wait for the result of a given version.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LanguageId } from '../core/types';
import type {
  FromWorker,
  SettingsOverlay,
  ToWorker,
  DocResult,
  ConfigProblem,
  ScanFileResult,
  RuleFileText,
} from './protocol';

export interface ClientEvents {
  onResult(result: DocResult): void;
  onConfigProblems(problems: ConfigProblem[]): void;
  onLog(message: string): void;
  /** The worker died: the documents it knew must be re-sent (their results are gone). */
  onWorkerExit(): void;
}

interface Waiter {
  version: number;
  resolve: (r: DocResult | undefined) => void;
  timer: NodeJS.Timeout;
}

export class AnalysisClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly requests = new Map<number, (m: FromWorker) => void>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Latest result per document URI (any version; compare with the document's). */
  readonly results = new Map<string, DocResult>();
  /** Documents the worker knows, with the version it has. */
  private readonly open = new Map<string, number>();
  /** Milliseconds the worker took to load the engine (grammars), once known. */
  engineMs: number | undefined;
  private disposed = false;
  /** Custom rule files, sent to every worker this client starts (see custom-rules.ts). */
  private ruleFiles: RuleFileText[] | undefined;
  /** Called with the worker's answer to each set of rule files. */
  onRulesStatus: ((m: Extract<FromWorker, { type: 'rulesStatus' }>) => void) | undefined;

  constructor(
    private readonly distDir: string,
    private settings: SettingsOverlay,
    private readonly events: ClientEvents,
  ) {}

  get started(): boolean {
    return this.worker !== undefined;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(this.distDir, 'analysis-worker.js'), {
      workerData: { grammarDir: join(this.distDir, 'grammars'), settings: this.settings },
      // Trees live in wasm memory; the JS heap of the worker stays small.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    worker.on('message', (m: FromWorker) => this.handle(m));
    worker.on('error', (e) => this.events.onLog(`analysis worker failed: ${e.stack ?? e.message}`));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const r of this.requests.values())
        r({ type: 'scanDone', id: -1, cancelled: true, files: 0, error: 'worker exited' });
      this.requests.clear();
      this.open.clear();
      if (this.disposed) return;
      this.events.onLog(`analysis worker exited (code ${code})`);
      this.events.onWorkerExit();
    });
    // Don't keep the extension host alive for the worker alone.
    worker.unref();
    this.worker = worker;
    // Before any document: the first analyses already run the custom rules.
    if (this.ruleFiles) worker.postMessage({ type: 'rules', files: this.ruleFiles } satisfies ToWorker);
    return worker;
  }

  private send(m: ToWorker): void {
    this.ensure().postMessage(m);
  }

  private handle(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        this.engineMs = m.ms;
        this.events.onLog(`grammars loaded in ${m.ms.toFixed(0)} ms`);
        break;
      case 'result': {
        const r = m.result;
        if (!this.open.has(r.uri)) return; // closed meanwhile
        const prev = this.results.get(r.uri);
        if (prev && prev.version > r.version) return; // stale
        this.results.set(r.uri, r);
        this.events.onResult(r);
        const ws = this.waiters.get(r.uri);
        if (ws) {
          const keep = ws.filter((w) => {
            if (r.version < w.version) return true;
            clearTimeout(w.timer);
            w.resolve(r);
            return false;
          });
          if (keep.length) this.waiters.set(r.uri, keep);
          else this.waiters.delete(r.uri);
        }
        break;
      }
      case 'configProblems':
        this.events.onConfigProblems(m.problems);
        break;
      case 'log':
        this.events.onLog(m.message);
        break;
      case 'rulesStatus':
        this.onRulesStatus?.(m);
        break;
      default:
        this.requests.get(m.id)?.(m);
    }
  }

  configure(settings: SettingsOverlay): void {
    this.settings = settings;
    if (this.worker) this.send({ type: 'configure', settings });
  }

  isOpen(uri: string): boolean {
    return this.open.has(uri);
  }

  openDocument(uri: string, file: string, language: 'cpp' | 'python', version: number, text: string): void {
    this.open.set(uri, version);
    this.results.delete(uri);
    this.send({ type: 'open', uri, file, language, version, text });
  }

  change(
    uri: string,
    version: number,
    changes: Array<{ rangeOffset: number; rangeLength: number; text: string }>,
  ): void {
    if (!this.open.has(uri)) return;
    this.open.set(uri, version);
    this.send({ type: 'change', uri, version, changes });
  }

  flush(uri: string, text?: string, version?: number): void {
    if (!this.open.has(uri)) return;
    this.send({ type: 'flush', uri, text, version });
  }

  close(uri: string): void {
    if (!this.open.delete(uri)) return;
    this.results.delete(uri);
    const ws = this.waiters.get(uri);
    this.waiters.delete(uri);
    for (const w of ws ?? []) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    if (this.worker) this.send({ type: 'close', uri });
  }

  /** The result for `version` (or newer) of an open document; analyses at once if it is pending. */
  resultFor(uri: string, version: number, timeoutMs = 5000): Promise<DocResult | undefined> {
    const r = this.results.get(uri);
    if (r && r.version >= version) return Promise.resolve(r);
    if (!this.open.has(uri)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const w: Waiter = {
        version,
        resolve,
        timer: setTimeout(() => {
          const ws = this.waiters.get(uri)?.filter((x) => x !== w);
          if (ws?.length) this.waiters.set(uri, ws);
          else this.waiters.delete(uri);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.set(uri, [...(this.waiters.get(uri) ?? []), w]);
      this.flush(uri);
    });
  }

  private request<T extends FromWorker>(
    make: (id: number) => ToWorker,
    onMessage?: (m: FromWorker) => boolean,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.requests.set(id, (m) => {
        if (onMessage && !onMessage(m)) return; // intermediate message
        this.requests.delete(id);
        resolve(m as T);
      });
      this.send(make(id));
    });
  }

  fixAll(uri: string): Promise<Extract<FromWorker, { type: 'fixAll' }>> {
    return this.request((id) => ({ type: 'fixAll', id, uri }));
  }

  /** Replaces the custom rule files; sent now if the worker runs (or `start`), else when it starts. */
  setRuleFiles(files: RuleFileText[], start = false): void {
    this.ruleFiles = files;
    if (this.worker) this.send({ type: 'rules', files });
    else if (start) this.ensure(); // sends them
  }

  newRule(
    language: LanguageId,
    text: string,
    start: number,
    end: number,
    source: string,
    ruleId?: string,
  ): Promise<Extract<FromWorker, { type: 'newRule' }>> {
    return this.request((id) => ({ type: 'newRule', id, language, text, start, end, source, ruleId }));
  }

  syntaxTree(language: LanguageId, text: string): Promise<Extract<FromWorker, { type: 'syntaxTree' }>> {
    return this.request((id) => ({ type: 'syntaxTree', id, language, text }));
  }

  stats(): Promise<Extract<FromWorker, { type: 'stats' }>> {
    return this.request((id) => ({ type: 'stats', id }));
  }

  /** Scans folders in the worker; `onProgress` gets each batch; `cancel()` stops between files. */
  scan(
    folders: string[],
    allowed: string[] | null,
    onProgress: (done: number, total: number, results: ScanFileResult[]) => void,
    cache?: { dir: string; version: string },
  ): { done: Promise<Extract<FromWorker, { type: 'scanDone' }>>; cancel: () => void } {
    let scanId = 0;
    const done = this.request<Extract<FromWorker, { type: 'scanDone' }>>(
      (id) => {
        scanId = id;
        return { type: 'scan', id, folders, allowed, cacheDir: cache?.dir, version: cache?.version };
      },
      (m) => {
        if (m.type === 'scanProgress') {
          onProgress(m.done, m.total, m.results);
          return false;
        }
        return true;
      },
    );
    return {
      done,
      cancel: () => {
        if (this.worker && scanId) this.send({ type: 'cancel', id: scanId });
      },
    };
  }

  dispose(): void {
    this.disposed = true;
    for (const ws of this.waiters.values())
      for (const w of ws) {
        clearTimeout(w.timer);
        w.resolve(undefined);
      }
    this.waiters.clear();
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
