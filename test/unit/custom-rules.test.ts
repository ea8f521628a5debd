// Custom rules from .leaklens/rules/*.scm: compiled against the real grammars, run beside the
// built-in rules, and their errors reported at their place in the rule file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { compileRuleFile, loadRuleDir } from '../../src/core/custom-rules';
import { Engine } from '../../src/core/engine';
import { code, allRulesConfig, engine, ROOT } from './helpers';

const POOL_RULE = code`
  ;; id: pool-item
  ;; language: cpp
  ;; severity: error
  ;; message: \`{{var}}\` from {{fn}}() is never given back with pool_release()
  ;; report: call
  ;; unless-followed-by: (call_expression function: (identifier) @rel (#eq? @rel "pool_release") arguments: (argument_list (identifier) @var))
  ;; not-inside: lambda_expression
  (init_declarator
    declarator: (pointer_declarator declarator: (identifier) @var)
    value: (call_expression function: (identifier) @fn (#eq? @fn "pool_acquire")) @call)
`;

const dir = mkdtempSync(join(tmpdir(), 'leaklens-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function withRules(...sources: string[]): Promise<Engine> {
  const e = await Engine.create();
  const rules = sources.map((s, i) => {
    const { rule, errors } = compileRuleFile(e.grammars, s, `r${i}.scm`);
    assert.deepEqual(errors, []);
    return rule!;
  });
  e.setCustomRules(rules);
  return e;
}

describe('custom rules', () => {
  it('report with interpolated captures, honour unless-followed-by (shared captures agree) and not-inside', async () => {
    const e = await withRules(POOL_RULE);
    const { result } = e.analyzeText(
      code`
      void leaky(Pool* p) {
        Item* a = pool_acquire(p);
        use(a);
      }
      void returned(Pool* p) {
        Item* b = pool_acquire(p);
        use(b);
        pool_release(b);
      }
      void wrong_one(Pool* p) {
        Item* c = pool_acquire(p);
        Item* d = pool_acquire(p);
        pool_release(d);
      }
      void in_lambda(Pool* p) {
        auto f = [&] { Item* x = pool_acquire(p); };
      }
    `,
      'cpp',
      { file: 'a.cpp', config: allRulesConfig() },
    );
    const custom = result.findings.filter((f) => f.ruleId === 'pool-item');
    assert.deepEqual(
      custom.map((f) => f.location.startPoint.line + 1),
      [2, 11],
    );
    assert.equal(custom[0].message, '`a` from pool_acquire() is never given back with pool_release()');
    assert.equal(custom[0].severity, 'error');
    e.dispose();
  });

  it('respects suppression comments and config severity like built-in rules', async () => {
    const e = await withRules(POOL_RULE);
    const src =
      'void f(Pool* p) {\n  // leaklens-ignore[pool-item]\n  Item* a = pool_acquire(p);\n  Item* b = pool_acquire(p);\n}\n';
    const cfg = { ...allRulesConfig(), rules: { 'pool-item': { enabled: true, severity: 'info' as const } } };
    const { result } = e.analyzeText(src, 'cpp', { file: 'a.cpp', config: cfg });
    assert.deepEqual(
      result.findings.map((f) => [f.location.startPoint.line + 1, f.severity]),
      [[4, 'info']],
    );
    e.dispose();
  });

  it('reports query errors at their line and column in the rule file', async () => {
    const g = (await engine()).grammars;
    const header = ';; id: x\n;; language: cpp\n;; message: m {{c}}\n';
    const cases: Array<[string, number, number, RegExp]> = [
      ['(call_expression function: (identifier) @c', 4, 43, /query: Bad syntax/],
      ['(call_expression\n  function: (no_such_node) @c)', 5, 14, /Bad node name 'no_such_node'/],
      ['(call_expression nofield: (identifier) @c)', 4, 18, /Bad field name 'nofield'/],
    ];
    for (const [query, line, column, message] of cases) {
      const { rule, errors } = compileRuleFile(g, header + query, 'bad.scm');
      assert.equal(rule, undefined);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0].message, message);
      assert.deepEqual([errors[0].line, errors[0].column], [line, column], errors[0].message);
    }
  });

  it('reports header errors: unknown key, missing id, bad severity, unknown capture, unknown node type, built-in id', async () => {
    const g = (await engine()).grammars;
    const errs = (text: string) =>
      compileRuleFile(g, text, 'h.scm').errors.map((e) => `${e.line}:${e.column} ${e.message}`);
    assert.match(
      errs(';; id: a\n;; language: cpp\n;; colour: red\n;; message: m\n(identifier) @x')[0],
      /^3:4 unknown header key "colour"/,
    );
    assert.match(errs(';; language: cpp\n;; message: m\n(identifier) @x')[0], /missing header ";; id/);
    assert.match(
      errs(';; id: a\n;; language: cpp\n;; severity: loud\n;; message: m\n(identifier) @x')[0],
      /^3:14 severity must be/,
    );
    assert.match(
      errs(';; id: a\n;; language: cpp\n;; message: uses {{nope}}\n(identifier) @x')[0],
      /^3:18 message: the query has no capture @nope/,
    );
    assert.match(
      errs(';; id: a\n;; language: cpp\n;; message: m\n;; not-inside: lambda_expresion\n(identifier) @x')[0],
      /unknown node type "lambda_expresion"/,
    );
    assert.match(
      errs(';; id: raw-c-resource\n;; language: cpp\n;; message: m\n(identifier) @x')[0],
      /built-in rule's id/,
    );
    assert.match(errs(';; id: a\n;; language: rust\n;; message: m\n(identifier) @x')[0], /unknown language "rust"/);
  });

  it('a broken rule file does not stop the other rules from loading', async () => {
    const rules = join(dir, 'ws', '.leaklens', 'rules');
    mkdirSync(rules, { recursive: true });
    writeFileSync(join(rules, 'good.scm'), POOL_RULE);
    writeFileSync(join(rules, 'broken.scm'), ';; id: broken\n;; language: cpp\n;; message: m\n(call_expression @c');
    const { rules: loaded, errors } = loadRuleDir((await engine()).grammars, rules);
    assert.deepEqual(
      loaded.map((r) => r.id),
      ['pool-item'],
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0].file, /broken\.scm$/);
    loaded.forEach((r) => r.dispose());
  });

  it('the CLI finds .leaklens/rules upward, reports custom findings in JSON and SARIF, and names broken rule files', () => {
    const ws = join(dir, 'cli');
    mkdirSync(join(ws, '.leaklens', 'rules'), { recursive: true });
    mkdirSync(join(ws, 'src'), { recursive: true });
    writeFileSync(join(ws, '.leaklens', 'rules', 'pool.scm'), POOL_RULE);
    writeFileSync(
      join(ws, '.leaklens', 'rules', 'broken.scm'),
      ';; id: broken\n;; language: cpp\n;; message: m\n(nonsense_node) @c\n',
    );
    writeFileSync(join(ws, 'src', 'a.cpp'), 'void f(Pool* p) {\n  Item* a = pool_acquire(p);\n}\n');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'leaklens.js'), 'check', ...args], { cwd: ws, encoding: 'utf8' });
    const json = JSON.parse(run(['src', '--format', 'json']).stdout);
    assert.deepEqual(
      json.findings.map((f: { ruleId: string; line: number }) => [f.ruleId, f.line]),
      [['pool-item', 2]],
    );
    assert.equal(json.errors.length, 1);
    assert.match(json.errors[0].file, /broken\.scm$/);
    assert.equal(json.errors[0].line, 4);
    const sarif = JSON.parse(run(['src', '--format', 'sarif']).stdout);
    const rule = sarif.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'pool-item');
    assert.equal(rule.defaultConfiguration.level, 'error');
    assert.match(rule.helpUri, /^file:.*pool\.scm$/);
    const text = run(['src', '--select', 'pool-item']);
    assert.equal(text.status, 1);
    assert.match(text.stdout, /broken\.scm:4:\d+: error: custom rule: query: Bad node name 'nonsense_node'/);
  });
});

describe('custom rules: files none of whose patterns can match are not parsed', () => {
  it('a #match? regex that is a literal (or a group of them) is a name the file must contain', async () => {
    const e = await engine();
    const text = code`
      ;; id: writer-outside-with
      ;; language: python
      ;; message: {{name}} holds a Writer outside with
      ;; report: call
      (assignment left: (identifier) @name right: (call function: [(identifier) (attribute)] @ctor (#match? @ctor "Writer$")) @call)
      (assignment left: (identifier) @name right: (call function: (identifier) @ctor (#match? @ctor "^(open_log|OpenLog)$")) @call)
    `;
    const { rule, errors } = compileRuleFile(e.grammars, text, 'writer.scm');
    assert.deepEqual(errors, []);
    const config = allRulesConfig();
    assert.equal(rule!.mayMatch!('w = csv.DictWriter(fh)\n', 'python', config), true);
    assert.equal(rule!.mayMatch!('log = OpenLog(path)\n', 'python', config), true);
    assert.equal(rule!.mayMatch!('x = compute(1)\n', 'python', config), false);
    // #eq? too (it was never read before: web-tree-sitter keeps text predicates as closures).
    const pool = compileRuleFile(e.grammars, POOL_RULE, 'pool.scm').rule!;
    assert.equal(pool.mayMatch!('int f() { return 0; }\n', 'cpp', config), false);
    assert.equal(pool.mayMatch!('Item* it = pool_acquire(p);\n', 'cpp', config), true);
    // A predicate on an optional capture passes when the capture is absent: no literal from it.
    const optional = compileRuleFile(
      e.grammars,
      text.replace('function: [(identifier) (attribute)] @ctor', 'function: [(identifier) (attribute)]? @ctor'),
      'optional.scm',
    );
    assert.equal(optional.rule!.mayMatch, undefined);
    // A regex with operators says nothing about the text: every file is parsed.
    const loose = compileRuleFile(e.grammars, text.replace('"Writer$"', '"W.*r$"'), 'loose.scm');
    assert.equal(loose.rule!.mayMatch, undefined);
  });
});
