// The rule framework, ruff-style: every built-in rule is findable from its id (the index, its file, its
// doc, `leaklens rule ID`), names languages that have a language module, declares its options (which
// the generated schema carries) and its captures (which its queries have, with the node kinds they
// capture), and no rule and fix import each other in a cycle.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ruleCommand } from '../../src/cli/rule';
import { configSchema } from '../../src/core/config-schema';
import { compileRuleFile } from '../../src/core/custom-rules';
import { Engine } from '../../src/core/engine';
import { LANGUAGE_IDS, LANGUAGES } from '../../src/core/languages';
import { captureKinds, declaredCaptures, defineRule, type Rule } from '../../src/core/rule';
import { BUILTIN_RULES, RULE_IDS } from '../../src/core/rules';
import type { LanguageId } from '../../src/core/types';
import { allRulesConfig, engine, FIXTURES, ROOT } from './helpers';

function querySource(rule: Rule, language: LanguageId): string | undefined {
  const spec = rule.query[language];
  return typeof spec === 'function' ? spec(allRulesConfig()) : spec;
}

/** Source files under `dir`, for running the rules over real code. */
function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return /\.(c|cc|cpp|h|hpp|py)$/.test(name) ? [path] : [];
  });
}

describe('rule framework: findable from its id', () => {
  for (const rule of BUILTIN_RULES) {
    it(`${rule.id}: in the index, exported by src/core/rules/${rule.id}.ts, documented, printed by leaklens rule`, () => {
      assert.ok(RULE_IDS.includes(rule.id));
      const module = require(join(ROOT, 'out', 'src', 'core', 'rules', `${rule.id}.js`)) as Record<string, unknown>;
      assert.ok(Object.values(module).includes(rule), `src/core/rules/${rule.id}.ts exports the rule of the index`);
      const doc = readFileSync(join(ROOT, 'docs', 'rules', `${rule.id}.md`), 'utf8');
      assert.ok(doc.startsWith(`# ${rule.id}\n`), `docs/rules/${rule.id}.md is titled with the id`);
      let printed = '';
      assert.equal(
        ruleCommand([rule.id], (s) => (printed += s)),
        0,
      );
      assert.equal(printed, doc);
      for (const option of rule.options ?? []) assert.match(printed, new RegExp(`\\| \`${option.name}\` \\|`));
      let json = '';
      ruleCommand([rule.id, '--format', 'json'], (s) => (json += s));
      assert.deepEqual(
        (JSON.parse(json) as { options: Array<{ key: string }> }).options.map((o) => o.key),
        (rule.options ?? []).map((o) => `rules.${rule.id}.options.${o.name}`),
      );
    });
  }
});

describe('rule framework: languages and options', () => {
  it('every rule names languages that have a language module, and has queries only for them', () => {
    for (const rule of BUILTIN_RULES) {
      assert.ok(rule.languages.length > 0, rule.id);
      for (const language of rule.languages) assert.equal(LANGUAGES[language]?.id, language, `${rule.id}: ${language}`);
      for (const language of Object.keys(rule.query))
        assert.ok(rule.languages.includes(language as LanguageId), `${rule.id}: query for ${language}`);
    }
  });

  it("each language module's node kinds exist in its grammar", async () => {
    const grammars = (await engine()).grammars;
    for (const id of LANGUAGE_IDS) {
      const types = new Set(grammars.language(id).types);
      for (const [set, kinds] of Object.entries(LANGUAGES[id].kinds))
        for (const kind of kinds) assert.ok(types.has(kind), `${id}.kinds.${set}: ${kind}`);
    }
  });

  it("every rule's options are in the generated schema and in schema/leaklens.schema.json", () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'schema', 'leaklens.schema.json'), 'utf8'));
    for (const schema of [configSchema(), committed] as Array<Record<string, any>>) {
      for (const rule of BUILTIN_RULES) {
        const setting = schema.properties.rules.properties[rule.id];
        const declared = setting.else?.properties.options.properties ?? {};
        assert.deepEqual(
          Object.keys(declared),
          (rule.options ?? []).map((o) => o.name),
          rule.id,
        );
        for (const option of rule.options ?? [])
          if (option.topLevelAlias) assert.ok(schema.properties[option.name], `top-level alias ${option.name}`);
      }
    }
  });
});

describe('rule framework: typed captures', () => {
  it("every rule declares exactly the captures its queries have, with node kinds of the query's grammar", async () => {
    const grammars = (await engine()).grammars;
    for (const rule of BUILTIN_RULES) {
      assert.ok(rule.captures, `${rule.id} declares its captures (defineRule)`);
      for (const language of rule.languages) {
        const source = querySource(rule, language);
        const declared = declaredCaptures(rule, language).sort();
        if (!source) {
          assert.deepEqual(declared, [], `${rule.id}: captures declared for ${language}, which it has no query for`);
          continue;
        }
        const query = grammars.query(language, source);
        const used = [...new Set(query.captureNames)].sort();
        query.delete();
        assert.deepEqual(declared, used, `${rule.id} (${language}): declared captures vs its query's`);
        const types = new Set(grammars.language(language).types);
        for (const name of declared)
          for (const kind of captureKinds(rule.captures![name], language, rule)!)
            assert.ok(types.has(kind), `${rule.id} (${language}) @${name}: no node kind ${kind}`);
      }
    }
  });

  it('what the captures capture, over the fixtures, is of the declared kinds', async () => {
    const seen = new Map<string, Set<string>>();
    const recording = BUILTIN_RULES.filter((r) => Object.keys(r.query).length).map((rule): Rule => ({
      ...rule,
      mayMatch: undefined,
      anchor: undefined,
      checkFile: undefined,
      check(match, ctx) {
        for (const [name, node] of match.captures) {
          const key = `${rule.id}\0${ctx.language}\0${name}`;
          seen.set(key, (seen.get(key) ?? new Set()).add(node.type));
        }
      },
    }));
    const e = await Engine.create({ rules: recording });
    try {
      for (const file of [...sourcesUnder(FIXTURES), ...sourcesUnder(join(ROOT, 'examples'))])
        e.analyzeFile(file, relative(ROOT, file), allRulesConfig());
    } finally {
      e.dispose();
    }
    assert.ok(seen.size > 10, `the fixtures exercise the rules' captures (${seen.size} seen)`);
    for (const [key, kinds] of seen) {
      const [id, language, name] = key.split('\0') as [string, LanguageId, string];
      const rule = BUILTIN_RULES.find((r) => r.id === id)!;
      const declared = captureKinds(rule.captures![name], language, rule)!;
      for (const kind of kinds) assert.ok(declared.includes(kind), `${id} (${language}) @${name} captured a ${kind}`);
    }
  });

  it('the engine refuses a rule whose query lacks a declared capture, with an error naming it; the others run', async () => {
    const broken = defineRule({
      id: 'broken-rule',
      summary: 'declares a capture its query does not have',
      languages: ['python'],
      defaultSeverity: 'warning',
      query: { python: '(call function: (identifier) @fn) @call' },
      captures: { call: 'call', fn: 'identifier', queue: 'identifier' },
      check(match, ctx) {
        ctx.report({ at: match.captures.get('call')!, message: 'should not run' });
      },
    });
    const queue = BUILTIN_RULES.find((r) => r.id === 'unbounded-queue')!;
    const e = await Engine.create({ rules: [broken, queue] });
    try {
      const code = 'import queue\nq = queue.Queue()\ndef producer(items):\n    for i in items:\n        q.put(i)\n';
      const { result } = e.analyzeText(code, 'python', { file: 'app.py', config: allRulesConfig() });
      assert.deepEqual(
        result.errors.map((x) => x.message),
        [
          'rule broken-rule declares capture @queue that its python query does not have ' +
            '(the query captures @call, @fn)',
        ],
      );
      assert.deepEqual(
        result.findings.map((f) => f.ruleId),
        ['unbounded-queue'],
      );
    } finally {
      e.dispose();
    }
  });

  it("a custom rule's declared captures are those its header uses, checked against its query", async () => {
    const grammars = (await engine()).grammars;
    const header = ';; id: no-destroy\n;; language: cpp\n;; message: `{{fn}}` leaks\n;; report: call\n';
    const ok = compileRuleFile(grammars, `${header}(call_expression function: (identifier) @fn) @call\n`, 'a.scm');
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(Object.keys(ok.rule!.captures!).sort(), ['call', 'fn']);
    ok.rule!.dispose();
    const bad = compileRuleFile(grammars, `${header}(call_expression) @call\n`, 'b.scm');
    assert.deepEqual(
      bad.errors.map((x) => x.message),
      ['message: the query has no capture @fn'],
    );
  });

  it('captures are typed: an undeclared one does not compile', () => {
    const typed = defineRule({
      id: 'typed',
      summary: '',
      languages: ['cpp', 'python'],
      defaultSeverity: 'info',
      query: { cpp: '(call_expression) @call', python: '(call) @call' },
      captures: { call: { cpp: 'call_expression', python: 'call' } },
      check(match) {
        match.captures.get('call');
        // @ts-expect-error -- `fn` is not a declared capture of this rule
        match.captures.get('fn');
      },
    });
    assert.deepEqual(declaredCaptures(typed, 'cpp'), ['call']);
    assert.deepEqual(captureKinds(typed.captures!.call, 'python', typed), ['call']);
  });
});

/** Relative imports (type-only ones too) of every .ts file under `dir`, resolved to files. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) {
        const info = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
        const targets = info.importedFiles
          .map((f) => f.fileName)
          .filter((f) => f.startsWith('.'))
          .map((f) => resolve(dirname(path), f))
          .map((f) => [`${f}.ts`, join(f, 'index.ts')].find((c) => existsSync(c)) ?? f);
        graph.set(path, targets);
      }
    }
  };
  walk(dir);
  return graph;
}

describe('rule framework: imports', () => {
  it('no fix imports a rule, directly or through other modules (so no rule and fix import each other)', () => {
    const core = join(ROOT, 'src', 'core');
    const graph = importGraph(core);
    const rulesDir = join(core, 'rules');
    const fixesDir = join(core, 'fixes');
    for (const fix of [...graph.keys()].filter((f) => f.startsWith(fixesDir))) {
      const path = new Map<string, string>([[fix, '']]);
      const queue = [fix];
      while (queue.length) {
        const file = queue.shift()!;
        for (const next of graph.get(file) ?? []) {
          if (path.has(next)) continue;
          path.set(next, file);
          if (next.startsWith(rulesDir)) {
            const chain = [next];
            for (let f = file; f; f = path.get(f)!) chain.unshift(f);
            assert.fail(`an import cycle is possible: ${chain.map((f) => relative(core, f)).join(' -> ')}`);
          }
          queue.push(next);
        }
      }
    }
    assert.ok([...graph.keys()].some((f) => f.startsWith(rulesDir)) && graph.size > 20);
  });
});
