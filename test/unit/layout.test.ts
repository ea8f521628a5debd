// ruff-style layout: one rule, one file, one doc, one test; the config schema knows every rule.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUILTIN_RULES, RULE_IDS } from '../../src/core/rules';
import { ROOT } from './helpers';

describe('rule layout', () => {
  for (const id of RULE_IDS) {
    it(`${id}: src/core/rules/${id}.ts, docs/rules/${id}.md, test/unit/rules/${id}.test.ts`, () => {
      assert.ok(existsSync(join(ROOT, 'src/core/rules', `${id}.ts`)));
      const doc = readFileSync(join(ROOT, 'docs/rules', `${id}.md`), 'utf8');
      for (const section of ['## What it flags', '## Why it leaks', '## Fix', '## Not flagged'])
        assert.ok(doc.includes(section), `${id}.md lacks ${section}`);
      assert.ok(existsSync(join(ROOT, 'test/unit/rules', `${id}.test.ts`)));
    });
  }

  it('the JSON schema lists exactly the built-in rules', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema/leaklens.schema.json'), 'utf8'));
    assert.deepEqual(Object.keys(schema.properties.rules.properties).sort(), [...RULE_IDS].sort());
    assert.equal(new Set(BUILTIN_RULES.map((r) => r.id)).size, BUILTIN_RULES.length);
  });
});

describe('Workspace Trust in the manifest', () => {
  it('limited support; every setting that names a program, a path or turns on instrumentation is restricted', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const trust = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(trust?.supported, 'limited');
    assert.match(trust.description, /Restricted Mode/);
    const settings = pkg.contributes.configuration.properties as Record<string, unknown>;
    for (const key of trust.restrictedConfigurations) assert.ok(key in settings, `${key} is a declared setting`);
    for (const key of ['leaklens.profile.python', 'leaklens.profile.outputDirectory', 'leaklens.debug.memoryHook'])
      assert.ok(trust.restrictedConfigurations.includes(key), `${key} is restricted`);
  });
});
