// Shared by the engine's unit tests: one real engine (real tree-sitter grammars) per test process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, parseConfig, withRulesEnabled, type LeakLensConfig } from '../../src/core/config';
import { Engine } from '../../src/core/engine';
import { BUILTIN_RULES } from '../../src/core/rules';
import type { Finding, LanguageId } from '../../src/core/types';

let shared: Promise<Engine> | undefined;
export function engine(): Promise<Engine> {
  shared ??= Engine.create();
  return shared;
}

export const ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export async function findings(
  code: string,
  language: LanguageId,
  options: { file?: string; config?: LeakLensConfig; rule?: string } = {},
): Promise<Finding[]> {
  const e = await engine();
  const file = options.file ?? (language === 'cpp' ? 'example.cpp' : 'example.py');
  // A test of one rule runs it, opt-in or not (as `--select RULE` does).
  const base = options.config ?? defaultConfig();
  const config = options.rule ? withRulesEnabled(base, [options.rule]) : base;
  const { result } = e.analyzeText(code, language, { file, config });
  if (result.errors.length) throw new Error(result.errors.map((x) => x.message).join('; '));
  return options.rule ? result.findings.filter((f) => f.ruleId === options.rule) : result.findings;
}

/** 1-based lines of the findings of `rule`, for compact assertions. */
export async function lines(
  code: string,
  language: LanguageId,
  rule: string,
  file?: string,
  config?: LeakLensConfig,
): Promise<number[]> {
  return (await findings(code, language, { rule, file, config })).map((f) => f.location.startPoint.line + 1);
}

export function config(json: object): LeakLensConfig {
  return parseConfig(JSON.stringify(json), '.leaklens.json');
}

/** Strips the common indentation of a template literal, so test code reads naturally. */
export function code(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const body = raw.replace(/^\n/, '').replace(/\n[ \t]*$/, '\n');
  const indent = Math.min(
    ...body
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => /^ */.exec(l)![0].length),
  );
  return body
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

export { defaultConfig };

export const OPT_IN_RULES = BUILTIN_RULES.filter((r) => r.optIn).map((r) => r.id);

/** The defaults with every rule on, opt-in ones included: for tests of the engine as a whole. */
export function allRulesConfig(): LeakLensConfig {
  return withRulesEnabled(defaultConfig(), OPT_IN_RULES);
}

/** A `.leaklens.json` that turns the opt-in rules on, for tests whose fixtures are queues and caches. */
export const OPT_IN_CONFIG = { rules: Object.fromEntries(OPT_IN_RULES.map((id) => [id, 'warning'])) };

/**
 * The `leaklens` command in a scratch folder: run it as a child process, write files into the folder.
 * `optIn`: the folder's `.leaklens.json` turns the opt-in rules on.
 */
export function cliSandbox(dir: string, { optIn = false } = {}) {
  const bin = join(ROOT, 'bin', 'leaklens.js');
  if (optIn) writeFileSync(join(dir, '.leaklens.json'), JSON.stringify(OPT_IN_CONFIG));
  return {
    run(args: string[], cwd = dir) {
      const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    write(rel: string, text: string | Buffer): string {
      const p = join(dir, rel);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
  };
}

/** mulberry32: a small seeded generator for test inputs; the seed makes a failure replayable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
