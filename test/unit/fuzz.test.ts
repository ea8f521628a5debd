// A seeded mutation fuzzer over the fixtures, kept in the test suite so that the engine stays
// unbreakable as it is rewritten: cuts, inserted tokens, duplicated and truncated stretches, deep
// nesting, CRLF, NUL and invalid UTF-8 bytes. For every input: no exception, no rule failing inside
// (a rule error is reported as such, isolated to its rule and file), fixes idempotent, and a Python
// file that compiled before its fixes still compiles after them (python3's own compile()).
// LEAKLENS_FUZZ_INPUTS sets the number of inputs (the bench runs more); LEAKLENS_FUZZ_SEED replays.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixText } from '../../src/core/check';
import { languageOfPath } from '../../src/core/parser';
import { allRulesConfig, engine, FIXTURES, seededRandom } from './helpers';

const INPUTS = Number(process.env.LEAKLENS_FUZZ_INPUTS) || 1200;
const SEED = Number(process.env.LEAKLENS_FUZZ_SEED) || 20261130;
const work = mkdtempSync(join(tmpdir(), 'leaklens-fuzz-'));
after(() => rmSync(work, { recursive: true, force: true }));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = statSync(p);
    // Not profiler output a VS Code test left in the workspace fixture (.leaklens-profile/).
    if (st.isDirectory())
      return name === 'profile' || name === 'debug-adapters-ext' || name.startsWith('.') ? [] : sources(p);
    return languageOfPath(p) && st.size < 64 * 1024 ? [p] : [];
  });
}

const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ':',
  ',',
  '"',
  "'",
  '#',
  '\\',
  '/*',
  '*/',
  '"""',
  'if ',
  'else',
  'return',
  'free(p);',
  'malloc(8)',
  'fopen(',
  'open(',
  'with ',
  'def ',
  'class ',
  'lambda',
  'goto out;',
  'out:',
  'throw;',
  'try:',
  '    ',
  '\t',
  '\n',
  '\r\n',
  'ü',
  '🚀',
  '\u2028',
];

type Mutation = (text: string, r: () => number) => string;
const at = (text: string, r: () => number) => Math.floor(r() * (text.length + 1));
const MUTATIONS: Record<string, Mutation> = {
  cut: (t, r) => {
    const s = at(t, r);
    return t.slice(0, s) + t.slice(s + Math.floor(r() * 400));
  },
  insertToken: (t, r) => {
    const s = at(t, r);
    return t.slice(0, s) + TOKENS[Math.floor(r() * TOKENS.length)] + t.slice(s);
  },
  duplicate: (t, r) => {
    const s = at(t, r);
    const chunk = t.slice(s, s + Math.floor(r() * 600));
    const d = at(t, r);
    return t.slice(0, d) + chunk + t.slice(d);
  },
  truncate: (t, r) => t.slice(0, at(t, r)),
  deepNesting: (t, r) => {
    const s = at(t, r);
    const open = ['{', '(', '[', 'if (x) {', '    if x:\n'][Math.floor(r() * 5)];
    const depth = 200 + Math.floor(r() * 1800);
    return t.slice(0, s) + open.repeat(depth) + t.slice(s);
  },
  crlf: (t) => t.replace(/\r?\n/g, '\r\n'),
};
const BYTE_MUTATIONS: Record<string, (b: Buffer, r: () => number) => Buffer> = {
  nul: (b, r) => {
    const s = Math.floor(r() * b.length);
    return Buffer.concat([b.subarray(0, s), Buffer.from([0]), b.subarray(s)]);
  },
  invalidUtf8: (b, r) => {
    const s = Math.floor(r() * b.length);
    return Buffer.concat([b.subarray(0, s), Buffer.from([0xff, 0xfe, 0xc3]), b.subarray(s)]);
  },
};

describe('fuzzing: mutated fixtures', () => {
  it(`${INPUTS} mutated inputs: no crash, no rule failure, idempotent fixes, Python still compiles`, async () => {
    const e = await engine();
    const config = allRulesConfig();
    const files = sources(FIXTURES);
    assert.ok(files.length >= 15, `fixtures found: ${files.length}`);
    const r = seededRandom(SEED);
    const names = Object.keys(MUTATIONS);
    const pythonPairs: Array<{ id: string; before: string; after: string }> = [];
    let findings = 0;
    let byteInputs = 0;
    for (let i = 0; i < INPUTS; i++) {
      const file = files[Math.floor(r() * files.length)];
      const language = languageOfPath(file)!;
      const original = readFileSync(file, 'utf8');
      const id = `seed ${SEED} input #${i} (${file.slice(FIXTURES.length + 1)})`;
      if (r() < 0.05) {
        // NUL bytes: not text, a clear file error, never analysed. Bytes that are not UTF-8: read
        // byte for byte (Latin-1), analysed with no error; never a crash either way.
        const kind = r() < 0.5 ? 'nul' : 'invalidUtf8';
        const path = join(work, `input${i}${file.slice(file.lastIndexOf('.'))}`);
        writeFileSync(path, BYTE_MUTATIONS[kind](Buffer.from(original), r));
        const result = e.analyzeFile(path, path, config);
        const messages = result.errors.map((x) => x.message).join('; ');
        if (kind === 'nul') {
          assert.equal(result.findings.length, 0, id);
          assert.match(messages, /binary/, `${id}: NUL bytes are a clear file error`);
        } else assert.doesNotMatch(messages, /binary|UTF-8|skipped/, `${id}: a Latin-1 read is analysed`);
        byteInputs++;
        continue;
      }
      let text = original;
      const rounds = 1 + Math.floor(r() * 3);
      const applied: string[] = [];
      for (let k = 0; k < rounds; k++) {
        const name = names[Math.floor(r() * names.length)];
        applied.push(name);
        text = MUTATIONS[name](text, r);
      }
      const where = `${id} [${applied.join(', ')}]`;
      const { result } = e.analyzeText(text, language, { file, config });
      assert.deepEqual(
        result.errors.filter((x) => /failed/.test(x.message)),
        [],
        `${where}: a rule failed`,
      );
      findings += result.findings.length;
      // A failure names the input, so that LEAKLENS_FUZZ_SEED and the id replay it.
      const named = <T>(what: string, run: () => T): T => {
        try {
          return run();
        } catch (err) {
          if (process.env.LEAKLENS_FUZZ_DUMP) writeFileSync(process.env.LEAKLENS_FUZZ_DUMP, text);
          throw new Error(`${where}: ${what}: ${(err as Error).message}`);
        }
      };
      const once = named('fixing', () => fixText(e, text, file, config, () => true, true));
      const twice = named('fixing again', () => fixText(e, once.text, file, config, () => true, true));
      assert.equal(twice.applied, 0, `${where}: fixing again changed more`);
      assert.equal(twice.text, once.text, `${where}: fixes are not idempotent`);
      if (language === 'python' && once.applied > 0) pythonPairs.push({ id: where, before: text, after: once.text });
    }
    assert.ok(findings > INPUTS / 2, `the mutated inputs still exercise the rules (${findings} findings)`);
    assert.ok(byteInputs > 0);
    // One python3 process compiles every fixed file whose mutated original compiled.
    const input = join(work, 'pairs.json');
    writeFileSync(input, JSON.stringify(pythonPairs));
    const broken = JSON.parse(
      execFileSync('python3', ['-c', COMPILE_PAIRS, input], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
    ) as string[];
    assert.deepEqual(broken, [], 'fixes broke Python that compiled');
  });
});

// For each pair: compiled before the fixes and not after -> reported by id.
const COMPILE_PAIRS = `
import json, sys, warnings
warnings.simplefilter("ignore")
def ok(src):
    try:
        compile(src, "<fuzz>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False
pairs = json.load(open(sys.argv[1]))
print(json.dumps([p["id"] for p in pairs if ok(p["before"]) and not ok(p["after"])]))
`;

describe('per-file time budget', () => {
  it('a parse past the budget is cancelled with a clear error, and the next file is analysed normally', async () => {
    const e = await engine();
    const big =
      'int f(int x) {\n  char* p = (char*)malloc(x);\n  if (x) return 1;\n  free(p);\n  return 0;\n}\n'.repeat(4000);
    const { result } = e.analyzeText(big, 'cpp', { file: 'big.cpp', config: allRulesConfig(), timeBudgetMs: 0 });
    assert.deepEqual(result.findings, []);
    assert.match(result.errors[0]?.message ?? '', /time budget \(0 ms\); the file is skipped/);
    const after = e.analyzeText(big.slice(0, 200), 'cpp', { file: 'small.cpp', config: allRulesConfig() }).result;
    assert.equal(after.errors.length, 0);
    assert.equal(after.findings.length, 2);
  });

  it('rules past the budget stop between matches; the findings so far are kept, the rest is named as skipped', async () => {
    const { Engine } = await import('../../src/core/engine');
    const spin = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // a rule that takes far too long on this file
      }
    };
    const slow = {
      id: 'slow',
      summary: 'slow',
      languages: ['python' as const],
      defaultSeverity: 'warning' as const,
      query: { python: '(call) @call' },
      check(
        m: { captures: Map<string, import('web-tree-sitter').Node> },
        ctx: import('../../src/core/rule').RuleContext,
      ) {
        spin(60);
        ctx.report({ at: m.captures.get('call')!, message: 'slow finding' });
      },
    };
    const e = await Engine.create({ rules: [slow] });
    try {
      const { result } = e.analyzeText('a()\nb()\nc()\nd()\n', 'python', {
        file: 'x.py',
        config: allRulesConfig(),
        timeBudgetMs: 100,
      });
      assert.ok(
        result.findings.length >= 1 && result.findings.length < 4,
        `${result.findings.length} findings before the budget ran out`,
      );
      assert.match(
        result.errors[0]?.message ?? '',
        /longer than the time budget \(100 ms\); rules from slow on were skipped/,
      );
    } finally {
      e.dispose();
    }
  });
});
