// The TextMate grammar for .leaklens/rules/*.scm, tokenized with VS Code's own engine
// (vscode-textmate + vscode-oniguruma), no VS Code needed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { ROOT } from './helpers';

let grammar: textmate.IGrammar;

before(async () => {
  const wasm = readFileSync(join(ROOT, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (s: string[]) => new oniguruma.OnigScanner(s),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      textmate.parseRawGrammar(
        readFileSync(join(ROOT, 'syntaxes/leaklens-rule.tmLanguage.json'), 'utf8'),
        'leaklens-rule.tmLanguage.json',
      ),
  });
  grammar = (await registry.loadGrammar('source.leaklens-rule'))!;
});

/** Every token of `text` with its innermost scope: [text, scope]. */
function tokens(text: string): Array<[string, string]> {
  let state = textmate.INITIAL;
  const out: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      const s = line.slice(t.startIndex, t.endIndex);
      if (s.trim()) out.push([s.trim(), t.scopes[t.scopes.length - 1]]);
    }
    state = r.ruleStack;
  }
  return out;
}

function scopeOf(text: string, token: string, queryOnly = false): string | undefined {
  const src = queryOnly
    ? text
        .split('\n')
        .filter((l) => !l.startsWith(';;'))
        .join('\n')
    : text;
  return tokens(src).find(([t]) => t === token)?.[1];
}

describe('leaklens-rule TextMate grammar', () => {
  const example = readFileSync(join(ROOT, 'examples/.leaklens/rules/ncnn-gpu-instance.scm'), 'utf8');

  it('tokenizes header keys, values and interpolations', () => {
    assert.equal(scopeOf(example, 'id'), 'keyword.other.header-key.leaklens-rule');
    assert.equal(scopeOf(example, 'severity'), 'keyword.other.header-key.leaklens-rule');
    assert.equal(scopeOf(example, 'warning'), 'constant.language.severity.leaklens-rule');
    assert.equal(scopeOf(example, 'cpp'), 'constant.language.language-id.leaklens-rule');
    assert.equal(scopeOf(example, '{{call}}'), 'variable.other.interpolation.leaklens-rule');
    assert.equal(scopeOf(';; severity: loud\n', 'loud'), 'invalid.illegal.severity.leaklens-rule');
    assert.equal(scopeOf(';; colour: red\n', 'colour'), 'invalid.illegal.unknown-header-key.leaklens-rule');
  });

  it('tokenizes node types, fields, captures, predicates and strings in the query', () => {
    assert.equal(scopeOf(example, 'call_expression'), 'entity.name.tag.node-type.leaklens-rule');
    assert.equal(scopeOf(example, 'function', true), 'entity.other.attribute-name.field.leaklens-rule');
    assert.equal(scopeOf(example, '@fn'), 'variable.other.capture.leaklens-rule');
    assert.equal(scopeOf(example, 'eq?'), 'support.function.predicate.leaklens-rule');
    assert.equal(scopeOf(example, '"ncnn::create_gpu_instance"'), 'string.quoted.double.leaklens-rule');
  });

  it('tokenizes comments, wildcards, quantifiers and the embedded query of a condition', () => {
    const src =
      '; a comment\n;; unless-followed-by: (call_expression function: (_) @f)\n(argument_list (identifier)* @args)\n';
    assert.equal(tokens(src)[0][1], 'comment.line.semicolon.leaklens-rule');
    assert.equal(scopeOf(src, '_'), 'constant.language.wildcard.leaklens-rule');
    assert.equal(scopeOf(src, '*'), 'keyword.operator.quantifier.leaklens-rule');
    assert.equal(scopeOf(src, '@f'), 'variable.other.capture.leaklens-rule');
    assert.equal(scopeOf(src, 'unless-followed-by'), 'keyword.other.header-key.leaklens-rule');
  });
});
