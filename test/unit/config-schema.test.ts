// Rule options: declared by the rule, set as `rules.<id>.options.<name>` (the old top-level keys are
// aliases), the JSON schema and the docs' Options sections generated from the declarations.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { configSchemaText, ruleOptions, SCHEMA_FILE, withOptionsSection } from '../../src/core/config-schema';
import { ConfigError, defaultConfig, parseConfig, parsePyproject } from '../../src/core/config';
import { BUILTIN_RULES } from '../../src/core/rules';
import { config, findings, ROOT } from './helpers';

describe('the config schema', () => {
  it('is what the rules declare (else: npm run schema)', () => {
    assert.equal(readFileSync(join(ROOT, SCHEMA_FILE), 'utf8'), configSchemaText(), `${SCHEMA_FILE} is stale`);
  });

  it("each rule doc's Options section is what the rule declares (else: npm run schema)", () => {
    for (const rule of BUILTIN_RULES) {
      const doc = readFileSync(join(ROOT, 'docs', 'rules', `${rule.id}.md`), 'utf8');
      assert.equal(doc, withOptionsSection(doc, rule), `docs/rules/${rule.id}.md: Options section is stale`);
      assert.equal(doc.includes('\n## Options\n'), (rule.options ?? []).length > 0 || Boolean(rule.optIn), rule.id);
    }
  });

  it('scripts/gen-schema.mjs --check agrees', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-schema.mjs'), '--check'], { cwd: ROOT, stdio: 'pipe' });
  });

  // Not the defaults: the built-in resource pairs use fields (handleArg, prepares, ...) a config cannot set.
  it("every option's example is valid under its schema; option names are unique", () => {
    const ajv = new Ajv({ allErrors: true });
    const names = new Set<string>();
    for (const { rule, option } of ruleOptions()) {
      assert.ok(!names.has(option.name), `${option.name} is declared twice`);
      names.add(option.name);
      const validate = ajv.compile(option.schema);
      assert.ok(validate(option.example), `${rule.id}.${option.name} example: ${ajv.errorsText(validate.errors)}`);
      assert.ok(option.doc.length > 0 && !option.doc.includes('\n'), `${option.name}: one-line doc`);
    }
    assert.deepEqual(
      [...names].sort(),
      ['cacheDecorators', 'inferResourcePairs', 'queueConstructors', 'resources', 'teardownMethods'],
      'the options of RuleOptionValues',
    );
  });
});

describe('rule options in the config', () => {
  it('defaults come from the declarations', () => {
    const config = defaultConfig();
    for (const { option } of ruleOptions()) assert.deepEqual(config[option.name], option.default, option.name);
  });

  it('rules.<id>.options.<name> and the top-level alias both add to the inherited value', () => {
    const config = parseConfig(
      JSON.stringify({
        teardownMethods: ['drain_all'],
        queueConstructors: ['janus.Queue'],
        rules: {
          'cleanup-in-loop': { options: { teardownMethods: ['wipe', 'close'] } },
          'unbounded-queue': { severity: 'error', options: { queueConstructors: ['aioqueue.Queue'] } },
          'raw-c-resource': { options: { resources: [{ acquire: ['pool_acquire'], release: ['pool_release'] }] } },
        },
      }),
      'test.json',
    );
    const defaults = defaultConfig();
    assert.deepEqual(config.teardownMethods, [...defaults.teardownMethods, 'drain_all', 'wipe']);
    assert.deepEqual(config.queueConstructors, ['janus.Queue', 'aioqueue.Queue']);
    assert.deepEqual(config.resources.slice(defaults.resources.length), [
      { acquire: ['pool_acquire'], release: ['pool_release'], kind: 'returns', releaseArg: 'value' },
    ]);
    // Options alone leave the rule's setting as inherited; a severity beside them sets it.
    assert.equal(config.rules['cleanup-in-loop'], undefined);
    assert.deepEqual(config.rules['unbounded-queue'], { enabled: true, severity: 'error' });
    const nested = parseConfig('{"rules": {"cleanup-in-loop": {"options": {"teardownMethods": ["x"]}}}}', 'b.json', {
      ...config,
      rules: { 'cleanup-in-loop': { enabled: false } },
    });
    assert.deepEqual(nested.rules['cleanup-in-loop'], { enabled: false });
    assert.deepEqual(nested.teardownMethods, [...config.teardownMethods, 'x']);
  });

  it('pyproject.toml: [tool.leaklens.rules.<id>.options]', () => {
    const config = parsePyproject(
      '[tool.leaklens.rules.unbounded-cache.options]\ncacheDecorators = ["memoize"]\n',
      'pyproject.toml',
    );
    assert.deepEqual(config?.cacheDecorators, ['memoize']);
  });

  it('an unknown option, a bad value, options on a rule without any: errors name the key', () => {
    const error = (json: object) => {
      try {
        parseConfig(JSON.stringify(json), 'c.json');
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.message;
      }
      assert.fail('no error');
    };
    assert.equal(
      error({ rules: { 'cleanup-in-loop': { options: { teardownMethod: ['x'] } } } }),
      'c.json: "rules.cleanup-in-loop.options": unknown key "teardownMethod"',
    );
    assert.match(
      error({ rules: { 'unbounded-queue': { options: { queueConstructors: 'janus.Queue' } } } }),
      /"rules\.unbounded-queue\.options\.queueConstructors": must be array/,
    );
    assert.match(error({ rules: { 'growing-global': { options: {} } } }), /"rules\.growing-global"/);
  });

  it('a per-rule option reaches the rule', async () => {
    const code = 'def run(pool, jobs):\n    for j in jobs:\n        pool.submit(j)\n        pool.drain_all()\n';
    const on = config({ rules: { 'cleanup-in-loop': { options: { teardownMethods: ['drain_all'] } } } });
    assert.equal((await findings(code, 'python', { rule: 'cleanup-in-loop', config: on })).length, 1);
    assert.equal((await findings(code, 'python', { rule: 'cleanup-in-loop' })).length, 0);
  });
});
