// Opt-in rules (unbounded-queue, unbounded-cache, growing-global): measured on real code they were
// right too rarely to run unasked, so the defaults leave them off. A config file, pyproject.toml, the
// editor's `leaklens.rules` setting or `--select` turns them on; `leaklens rule` says which they are.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ConfigResolver, parsePyproject, withRulesEnabled } from '../../src/core/config';
import type { DocResult, FromWorker, SettingsOverlay } from '../../src/extension/protocol';
import { cliSandbox, code, config, defaultConfig, findings, OPT_IN_RULES, ROOT } from './helpers';

const QUEUE = code`
  import queue
  q = queue.Queue()
  def producer(items):
      while True:
          q.put(next(items))
`;
const ruleIds = async (text: string, cfg = defaultConfig()) =>
  (await findings(text, 'python', { file: 'app.py', config: cfg })).map((f) => f.ruleId);

describe('opt-in rules', () => {
  it('are the three container rules, and the defaults leave them off', async () => {
    assert.deepEqual([...OPT_IN_RULES].sort(), ['growing-global', 'unbounded-cache', 'unbounded-queue']);
    for (const id of OPT_IN_RULES) assert.equal(defaultConfig().rules[id]?.enabled, false, id);
    assert.deepEqual(await ruleIds(QUEUE), []);
  });

  it('a severity or { "enabled": true } in .leaklens.json, or pyproject.toml, turns one on', async () => {
    assert.deepEqual(await ruleIds(QUEUE, config({ rules: { 'unbounded-queue': 'warning' } })), ['unbounded-queue']);
    assert.deepEqual(await ruleIds(QUEUE, config({ rules: { 'unbounded-queue': { enabled: true } } })), [
      'unbounded-queue',
    ]);
    // Options alone configure it without turning it on.
    assert.deepEqual(
      await ruleIds(QUEUE, config({ rules: { 'unbounded-queue': { options: { queueConstructors: ['x.Q'] } } } })),
      [],
    );
    const toml = parsePyproject('[tool.leaklens.rules]\nunbounded-queue = "info"\n', 'pyproject.toml')!;
    const found = await findings(QUEUE, 'python', { file: 'app.py', config: toml });
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.severity]),
      [['unbounded-queue', 'info']],
    );
  });

  it('--select turns one on wherever it is, over a config that says nothing of it', () => {
    const resolver = new ConfigResolver(config({ ignore: ['x/**'] }), ['unbounded-cache']);
    const cfg = resolver.forFile('/tmp/a.py');
    assert.equal(cfg.rules['unbounded-cache']?.enabled, true);
    assert.equal(cfg.rules['unbounded-queue']?.enabled, false);
    assert.equal(resolver.forFile('/tmp/b.py'), cfg, 'one object per config, for the result cache');
    // A rule the config turned off by hand is on when --select names it, as ruff's --select does.
    const off = withRulesEnabled(config({ rules: { 'raw-c-resource': 'off' } }), ['raw-c-resource']);
    assert.equal(off.rules['raw-c-resource']?.enabled, true);
  });

  describe('the command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-optin-'));
    const { run, write } = cliSandbox(dir);
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('check: off without a config, on with --select or a config; rule --all marks them', () => {
      write('a/q.py', QUEUE);
      const plain = run(['check', '--no-cache', '--format', 'json', 'a']);
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual(JSON.parse(plain.stdout).findings, []);
      const selected = run(['check', '--no-cache', '--format', 'json', '--select', 'unbounded-queue', 'a']);
      assert.equal(selected.code, 1, selected.stderr);
      assert.deepEqual(
        JSON.parse(selected.stdout).findings.map((f: { ruleId: string }) => f.ruleId),
        ['unbounded-queue'],
      );
      write('b/q.py', QUEUE);
      write('b/.leaklens.json', JSON.stringify({ rules: { 'unbounded-queue': 'error' } }));
      const configured = run(['check', '--no-cache', '--format', 'json', 'b']);
      assert.equal(configured.code, 1, configured.stderr);
      assert.equal(JSON.parse(configured.stdout).findings[0].severity, 'error');

      const all = JSON.parse(run(['rule', '--all', '--format', 'json']).stdout) as { id: string; optIn: boolean }[];
      assert.deepEqual(
        all.filter((r) => r.optIn).map((r) => r.id),
        OPT_IN_RULES,
      );
      assert.match(run(['rule', '--all']).stdout, /^unbounded-queue\s+python,cpp\s+opt-in\s/m);
      assert.match(run(['rule', 'unbounded-queue']).stdout, /\*\*Opt-in\*\*: off unless turned on/);
    });
  });

  it("the editor's worker: the leaklens.rules setting turns one on, and off again", async () => {
    const settings = (rules: SettingsOverlay['rules']): SettingsOverlay => ({
      rules,
      maxFileSize: null,
      resources: [],
      debounceMs: 0,
      unsafeFixes: false,
    });
    const worker = new Worker(join(ROOT, 'dist', 'analysis-worker.js'), {
      workerData: { grammarDir: join(ROOT, 'dist', 'grammars'), settings: settings({}) },
    });
    const results: DocResult[] = [];
    worker.on('message', (m: FromWorker) => m.type === 'result' && results.push(m.result));
    const next = async (): Promise<DocResult> => {
      for (let i = 0; i < 600 && !results.length; i++) await new Promise((r) => setTimeout(r, 50));
      const r = results.shift();
      assert.ok(r, 'a result');
      return r;
    };
    try {
      const uri = 'untitled:Untitled-1';
      worker.postMessage({ type: 'open', uri, file: 'Untitled-1', language: 'python', version: 1, text: QUEUE });
      assert.deepEqual((await next()).findings, []);
      worker.postMessage({ type: 'configure', settings: settings({ 'unbounded-queue': 'warning' }) });
      assert.deepEqual(
        (await next()).findings.map((f) => f.ruleId),
        ['unbounded-queue'],
      );
      worker.postMessage({ type: 'configure', settings: settings({}) });
      assert.deepEqual((await next()).findings, []);
    } finally {
      await worker.terminate();
    }
  });
});
