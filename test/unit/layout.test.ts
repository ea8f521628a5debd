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
