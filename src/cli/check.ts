// `leaklens check [PATH...]`: exit 0 no findings, 1 findings, 2 usage or configuration error.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { checkFile, type CheckOptions, type CheckResult } from '../core/check';
import { ConfigError, ConfigResolver, loadConfigFile, type LeakLensConfig } from '../core/config';
import { findRulesDir, loadRuleDir } from '../core/custom-rules';
import { Engine } from '../core/engine';
import type { AnalysisError } from '../core/types';
import ignoreMatcher, { type Ignore } from 'ignore';
import { dirname, relative } from 'node:path';
import { collectSourceFiles, type SourceFile } from '../core/files';
import { checkInWorkers } from '../core/pool';
import { toJson, toText } from '../core/report';
import { BUILTIN_RULES, RULE_IDS } from '../core/rules';
import { toSarif } from '../core/sarif';
import { VERSION } from './version';

export const CHECK_USAGE = `usage: leaklens check [PATH...] [options]

Finds memory-leak risks in C, C++ and Python files (default PATH: .).

options:
  --format text|json|sarif   output format (default: text)
  --select RULE,...          only these rules
  --ignore RULE,...          not these rules
  --config FILE              use this .leaklens.json instead of discovering one per folder
  --rules DIR                custom rules folder (default: .leaklens/rules found upward from the first PATH)
  --fix                      apply the preferred quick-fix of each finding, in place
  --jobs N                   worker threads (default: number of cores)
  --stats                    print timing and counts to stderr
  -h, --help                 this help

rules: ${RULE_IDS.join(', ')}
exit status: 0 no findings, 1 findings, 2 usage or configuration error`;

export async function checkCommand(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        select: { type: 'string' },
        ignore: { type: 'string' },
        config: { type: 'string' },
        fix: { type: 'boolean', default: false },
        rules: { type: 'string' },
        jobs: { type: 'string' },
        stats: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err(`leaklens check: ${(e as Error).message}\n\n${CHECK_USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    out(`${CHECK_USAGE}\n`);
    return 0;
  }
  if (!['text', 'json', 'sarif'].includes(v.format!)) return usage(err, `unknown --format "${v.format}" (text, json or sarif)`);
  const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const select = list(v.select);
  const ignore = list(v.ignore);
  const paths = parsed.positionals.length ? parsed.positionals : ['.'];
  // Custom rules: compiled here once (errors reported with file and line), again in each worker.
  const rulesDir = v.rules ?? findRulesDir(paths[0]);
  const engine = await Engine.create();
  const custom = rulesDir ? loadRuleDir(engine.grammars, rulesDir) : { rules: [], errors: [] };
  engine.setCustomRules(custom.rules);
  const ruleIds = [...RULE_IDS, ...custom.rules.map((r) => r.id)];
  for (const id of [...(select ?? []), ...(ignore ?? [])]) {
    if (!ruleIds.includes(id)) {
      engine.dispose();
      return usage(err, `unknown rule "${id}" (rules: ${ruleIds.join(', ')})`);
    }
  }
  const jobs = v.jobs === undefined ? availableParallelism() : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) return usage(err, `--jobs takes a whole number >= 1, not "${v.jobs}"`);

  let explicit: LeakLensConfig | undefined;
  try {
    explicit = v.config ? loadConfigFile(v.config) : undefined;
  } catch (e) {
    err(`leaklens: configuration error: ${e instanceof ConfigError ? e.message : `${v.config}: ${(e as Error).message}`}\n`);
    return 2;
  }
  const resolver = new ConfigResolver(explicit);
  const t0 = performance.now();
  const collected = collectSourceFiles(paths);
  const errors: AnalysisError[] = [...custom.errors.map((e) => ({ file: e.file, line: e.line, column: e.column, message: `custom rule: ${e.message}` })), ...collected.errors];
  const options: CheckOptions = { fix: v.fix, select, ignore };
  let results: CheckResult[];
  let files: SourceFile[];
  try {
    // Resolve (and so validate) every config the files use before starting: a bad one is exit 2.
    // Each config's `ignore` patterns are relative to its own folder.
    files = collected.files.filter((f) => !isIgnoredByConfig(f.path, resolver.forFile(f.path)));
    results = jobs > 1 && files.length > 8
      ? await checkInWorkers(files, { jobs, configFile: v.config, rulesDir, options })
      : checkInProcess(engine, files, resolver, options, v.stats === true);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`leaklens: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    engine.dispose();
  }
  const t1 = performance.now();
  if (v.format === 'json') out(`${toJson(results, errors)}\n`);
  else if (v.format === 'sarif') out(`${JSON.stringify(toSarif(results, errors, [...BUILTIN_RULES, ...custom.rules], VERSION), null, 2)}\n`);
  else {
    const fixed = results.reduce((n, r) => n + r.fixesApplied, 0);
    if (v.fix) err(`Applied ${fixed} fix${fixed === 1 ? '' : 'es'}.\n`);
    out(`${toText(results, errors, process.stdout.isTTY === true)}\n`);
  }
  if (v.stats) {
    const parse = results.reduce((n, r) => n + r.parseMs, 0);
    const rules = results.reduce((n, r) => n + r.rulesMs, 0);
    err(`leaklens: ${files.length} files, ${results.reduce((n, r) => n + r.findings.length, 0)} findings, ${errors.length + results.reduce((n, r) => n + r.errors.length, 0)} errors in ${(t1 - t0).toFixed(0)} ms wall (${jobs} job${jobs > 1 ? 's' : ''}); parse ${parse.toFixed(0)} ms, rules ${rules.toFixed(0)} ms (CPU, summed)\n`);
  }
  return results.some((r) => r.findings.length > 0) ? 1 : 0;
}

function checkInProcess(engine: Engine, files: { path: string; display: string }[], resolver: ConfigResolver, options: CheckOptions, stats: boolean): CheckResult[] {
  try {
    return files.map((f) => checkFile(engine, f.path, f.display, resolver.forFile(f.path), options));
  } finally {
    if (stats) process.stderr.write(`leaklens: per rule (ms): ${[...engine.ruleMs].map(([id, ms]) => `${id} ${ms.toFixed(0)}`).join(', ')}\n`);
  }
}

const matchers = new WeakMap<LeakLensConfig, Ignore>();
function isIgnoredByConfig(path: string, config: LeakLensConfig): boolean {
  if (!config.ignore.length) return false;
  let m = matchers.get(config);
  if (!m) matchers.set(config, (m = ignoreMatcher().add(config.ignore)));
  const rel = relative(config.file ? dirname(config.file) : process.cwd(), path);
  return !rel.startsWith('..') && m.ignores(rel);
}

function usage(err: (s: string) => void, message: string): number {
  err(`leaklens check: ${message}\n`);
  return 2;
}
