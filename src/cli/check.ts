// `leaklens check [PATH...]`: exit 0 no findings, 1 findings (or, with --diff, fixes to apply),
// 2 usage or configuration error.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ignoreMatcher, { type Ignore } from 'ignore';
import { configHash, DEFAULT_CACHE_DIR, engineKey, hashBytes, ResultCache } from '../core/cache';
import { checkFile, type CheckOptions, type CheckResult } from '../core/check';
import { ConfigError, ConfigResolver, loadConfigFile, type LeakLensConfig } from '../core/config';
import { findRulesDir, loadRuleDir } from '../core/custom-rules';
import { Engine } from '../core/engine';
import { collectSourceFiles, type SourceFile } from '../core/files';
import { LineIndex } from '../core/location';
import { checkBatch, checkInWorkers } from '../core/pool';
import { toGithub, toGitlab, toJson, toJunit, toStatistics, toText, type ResultWithPoints } from '../core/report';
import { BUILTIN_RULES, RULE_IDS } from '../core/rules';
import { toSarif } from '../core/sarif';
import type { AnalysisError } from '../core/types';
import { attachEvidence, MEASURED_RULE, measuredFindings } from '../profile/measured';
import { displayPath, readReports } from './import';
import { parseCommand } from './args';
import { writeOutput, type Io } from './output';
import { VERSION } from './version';

export const FORMATS = ['text', 'json', 'sarif', 'github', 'gitlab', 'junit'] as const;
type Format = (typeof FORMATS)[number];

export const CHECK_USAGE = `usage: leaklens check [PATH...] [options]

Finds memory-leak risks in C, C++ and Python files (default PATH: .).

options:
  --format FORMAT            text (default), json, sarif, github (workflow annotations),
                             gitlab (Code Quality report) or junit
  --output-file FILE         write the report to FILE instead of standard output
  --statistics               one line per rule with its count, instead of the findings
  --exit-zero                exit 0 even when there are findings (errors still exit 2)
  --select RULE,...          only these rules (opt-in rules included)
  --ignore RULE,...          not these rules
  --config FILE              use this .leaklens.json or pyproject.toml instead of discovering
                             one per folder (.leaklens.json, then pyproject.toml [tool.leaklens])
  --rules DIR                custom rules folder (default: .leaklens/rules found upward from the first PATH)
  --fix                      apply the safe fixes, in place
  --unsafe-fixes             with --fix or --diff: the unsafe fixes too (they can change behaviour)
  --diff                     print the fixes as a unified diff instead of applying them
  --show-fixes               list the fixes applied (with --fix), or each finding's fix
  --no-cache                 neither read nor write the result cache
  --cache-dir DIR            result cache folder (default: ${DEFAULT_CACHE_DIR} in the working folder)
  --evidence REPORT          a LeakSanitizer log, Valgrind XML or LeakLens report.json (repeatable):
                             findings it confirms say so; leaks it has that no rule found are
                             reported as measured-leak findings
  --jobs N                   worker threads (default: number of cores)
  --stats                    print timing and counts to stderr
  -h, --help                 this help

In the text output, [*] marks a finding --fix fixes, [-] one that needs --unsafe-fixes.
rules: ${RULE_IDS.join(', ')} (leaklens rule ID prints a rule's documentation)
exit status: 0 no findings, 1 findings, 2 usage or configuration error`;

export async function checkCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const parsed = parseCommand(
    'check',
    CHECK_USAGE,
    argv,
    {
      format: { type: 'string', default: 'text' },
      'output-file': { type: 'string', short: 'o' },
      statistics: { type: 'boolean', default: false },
      'exit-zero': { type: 'boolean', default: false },
      select: { type: 'string' },
      ignore: { type: 'string' },
      config: { type: 'string' },
      fix: { type: 'boolean', default: false },
      'unsafe-fixes': { type: 'boolean', default: false },
      diff: { type: 'boolean', default: false },
      'show-fixes': { type: 'boolean', default: false },
      'no-cache': { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      evidence: { type: 'string', multiple: true },
      rules: { type: 'string' },
      jobs: { type: 'string' },
      stats: { type: 'boolean', default: false },
    },
    out,
    err,
  );
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  const format = v.format as Format;
  if (!FORMATS.includes(format)) return usage(err, `unknown --format "${v.format}" (${FORMATS.join(', ')})`);
  if (v.diff && v.fix) return usage(err, '--diff shows the fixes without applying them: use it without --fix');
  const list = (s?: string) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
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
    engine.dispose();
    err(
      `leaklens: configuration error: ${e instanceof ConfigError ? e.message : `${v.config}: ${(e as Error).message}`}\n`,
    );
    return 2;
  }
  // --select names a rule to run: an opt-in one too.
  const resolver = new ConfigResolver(explicit, select);
  const t0 = performance.now();
  const collected = collectSourceFiles(paths);
  const errors: AnalysisError[] = [
    ...custom.errors.map((e) => ({
      file: e.file,
      line: e.line,
      column: e.column,
      message: `custom rule: ${e.message}`,
    })),
    ...collected.errors,
  ];
  const options: CheckOptions = {
    fix: v.fix,
    unsafeFixes: v['unsafe-fixes'],
    dryRun: v.diff,
    select,
    ignore,
    projectRoot: process.cwd(),
  };
  // Fixing runs need each file's fixes, which the cache does not keep: they bypass it.
  const cache =
    v['no-cache'] || v.fix || v.diff
      ? undefined
      : new ResultCache(resolve(v['cache-dir'] ?? DEFAULT_CACHE_DIR), [
          engineKey(VERSION),
          ruleIds.join(','),
          `${select ?? ''}`,
          `${ignore ?? ''}`,
          rulesHash(rulesDir),
        ]);
  let results: CheckResult[];
  let files: SourceFile[];
  try {
    // Resolve (and so validate) every config the files use before starting: a bad one is exit 2.
    // Each config's `ignore` patterns are relative to its own folder.
    files = collected.files.filter((f) => !isIgnoredByConfig(f.path, resolver.forFile(f.path)));
    const { cached, todo } = cache
      ? lookUp(cache, files, resolver)
      : { cached: [], todo: files.map((f) => ({ file: f, key: undefined })) };
    const fresh =
      jobs > 1 && todo.length > 8
        ? await checkInWorkers(
            todo.map((t) => t.file),
            { jobs, configFile: v.config, rulesDir, options },
            // This thread's engine is loaded already: it is one of the lanes.
            (batch) => checkBatch(engine, batch, (path) => resolver.forFile(path), options),
          )
        : checkInProcess(
            engine,
            todo.map((t) => t.file),
            resolver,
            options,
            v.stats === true,
          );
    if (cache) {
      const keyOf = new Map(todo.map((t) => [t.file.display, t]));
      for (const r of fresh) {
        const t = keyOf.get(r.file);
        if (t?.key) cache.set(t.file.path, t.key.content, t.key.config, r);
      }
      try {
        cache.save();
      } catch (e) {
        err(`leaklens: warning: cache not saved: ${(e as Error).message}\n`);
      }
    }
    const order = new Map(files.map((f, i) => [f.display, i]));
    results = [...cached, ...fresh].sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`leaklens: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    engine.dispose();
  }
  if (v.evidence?.length) results = joinEvidence(results, files, v.evidence, errors, resolver.forFile(resolve('.')));
  const t1 = performance.now();
  const io: Io = { out, err };
  let output: string;
  let code = results.some((r) => r.findings.length > 0) ? 1 : 0;
  if (v.diff) {
    output = results
      .filter((r) => r.fixedText)
      .map((r) =>
        createTwoFilesPatch(
          `a/${r.file}`,
          `b/${r.file}`,
          r.fixedText!.before,
          r.fixedText!.after,
          undefined,
          undefined,
          { context: 3, headerOptions: FILE_HEADERS_ONLY },
        ),
      )
      .join('');
    const n = results.reduce((a, r) => a + r.fixesApplied, 0);
    err(
      n
        ? `Would fix ${n} leak risk${n === 1 ? '' : 's'} in ${results.filter((r) => r.fixedText).length} file(s).\n`
        : 'No fixes available.\n',
    );
    code = n > 0 ? 1 : 0;
  } else if (v.statistics) {
    output = toStatistics(results, new Map([...BUILTIN_RULES, ...custom.rules].map((r) => [r.id, r.summary])));
  } else {
    output = render(format, results, errors, files, [...BUILTIN_RULES, ...custom.rules], v['show-fixes'] === true);
  }
  if (v.fix && !v.diff) {
    const fixed = results.reduce((n, r) => n + r.fixesApplied, 0);
    err(`Applied ${fixed} fix${fixed === 1 ? '' : 'es'}.\n`);
    if (v['show-fixes'] && fixed) err(`${fixSummary(results)}\n`);
  }
  if (!writeOutput(output, v['output-file'], io, 'check')) return 2;
  if (v.stats) {
    const parse = results.reduce((n, r) => n + r.parseMs, 0);
    const rules = results.reduce((n, r) => n + r.rulesMs, 0);
    const cacheNote = cache
      ? `; cache ${cache.hits} hit${cache.hits === 1 ? '' : 's'}, ${cache.misses} miss${cache.misses === 1 ? '' : 'es'}`
      : '';
    err(
      `leaklens: ${files.length} files, ${results.reduce((n, r) => n + r.findings.length, 0)} findings, ${errors.length + results.reduce((n, r) => n + r.errors.length, 0)} errors in ${(t1 - t0).toFixed(0)} ms wall (${jobs} job${jobs > 1 ? 's' : ''}); parse ${parse.toFixed(0)} ms, rules ${rules.toFixed(0)} ms (CPU, summed)${cacheNote}\n`,
    );
  }
  return v['exit-zero'] ? 0 : code;
}

function render(
  format: Format,
  results: CheckResult[],
  errors: AnalysisError[],
  files: SourceFile[],
  rules: Parameters<typeof toSarif>[2],
  showFixes: boolean,
): string {
  switch (format) {
    case 'json':
      return toJson(withPoints(results, files), errors);
    case 'sarif':
      return JSON.stringify(toSarif(results, errors, rules, VERSION), null, 2);
    case 'github':
      return toGithub(results, errors);
    case 'gitlab':
      return toGitlab(results);
    case 'junit':
      return toJunit(results, errors);
    default:
      return toText(results, errors, process.stdout.isTTY === true, { showFixes });
  }
}

/**
 * `--evidence`: the measured leaks confirm the static findings on their allocation lines; the rest
 * become `measured-leak` findings (merged into the file's result when the file was checked).
 */
function joinEvidence(
  results: CheckResult[],
  files: SourceFile[],
  reports: string[],
  errors: AnalysisError[],
  config: LeakLensConfig,
): CheckResult[] {
  const root = process.cwd();
  const { leaks, errors: reportErrors } = readReports(reports, root);
  errors.push(...reportErrors);
  const pathOf = new Map(files.map((f) => [f.display, f.path]));
  const unexplained = attachEvidence(results, leaks, (r) => pathOf.get(r.file) ?? resolve(r.file));
  if (config.rules[MEASURED_RULE]?.enabled === false) return results;
  const measured = measuredFindings(unexplained, root, displayPath, config).results;
  const byFile = new Map(results.map((r) => [r.file, r]));
  const merged = [...results];
  for (const m of measured) {
    const existing = byFile.get(m.file);
    if (existing) existing.findings.push(...m.findings);
    else merged.push({ ...m, fixesApplied: 0 });
  }
  return merged;
}

/** JSON fix edits carry line/column: the file is read once more, only when one of its findings has a fix. */
function withPoints(results: CheckResult[], files: SourceFile[]): ResultWithPoints[] {
  const pathOf = new Map(files.map((f) => [f.display, f.path]));
  return results.map((r) => {
    const path = pathOf.get(r.file);
    if (!path || !r.findings.some((f) => f.fixes.some((x) => x.isPreferred))) return r;
    try {
      const index = new LineIndex(readFileSync(path, 'utf8'));
      return { ...r, pointAt: (offset: number) => index.point(offset) };
    } catch {
      return r;
    }
  });
}

function fixSummary(results: CheckResult[]): string {
  const lines = ['Fixed:'];
  for (const r of results) {
    if (!r.fixesApplied) continue;
    const counts = new Map<string, number>();
    for (const id of r.fixedRules ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
    lines.push(`  ${r.file}: ${[...counts].map(([id, n]) => `${n} × ${id}`).join(', ')}`);
  }
  return lines.join('\n');
}

/**
 * Splits the files into those whose cached result still holds (same bytes, same resolved config)
 * and those to analyse. Reading a file to hash it costs far less than parsing it.
 */
function lookUp(cache: ResultCache, files: SourceFile[], resolver: ConfigResolver) {
  const cached: CheckResult[] = [];
  const todo: Array<{ file: SourceFile; key: { content: string; config: string } | undefined }> = [];
  for (const f of files) {
    const config = resolver.forFile(f.path);
    let key: { content: string; config: string } | undefined;
    try {
      if (statSync(f.path).size <= config.maxFileSize)
        key = { content: hashBytes(readFileSync(f.path)), config: configHash(config) };
    } catch {
      key = undefined; // unreadable: the analysis reports why
    }
    const hit = key && cache.get(f.path, key.content, key.config);
    if (hit)
      cached.push({
        ...hit,
        file: f.display,
        errors: hit.errors.map((e) => ({ ...e, file: f.display })),
        fixesApplied: 0,
        parseMs: 0,
        rulesMs: 0,
      });
    else todo.push({ file: f, key });
  }
  return { cached, todo };
}

/** Custom rule sources take part in the cache key: an edited rule invalidates every result. */
function rulesHash(dir: string | undefined): string {
  if (!dir) return '';
  try {
    return hashBytes(
      readdirSync(dir)
        .sort()
        .map((name) => {
          try {
            return `${name}\0${readFileSync(join(dir, name), 'utf8')}`;
          } catch {
            return name;
          }
        })
        .join('\0'),
    );
  } catch {
    return 'unreadable';
  }
}

function checkInProcess(
  engine: Engine,
  files: SourceFile[],
  resolver: ConfigResolver,
  options: CheckOptions,
  stats: boolean,
): CheckResult[] {
  try {
    return files.map((f) => checkFile(engine, f.path, f.display, resolver.forFile(f.path), options));
  } finally {
    if (stats)
      process.stderr.write(
        `leaklens: per rule (ms): ${[...engine.ruleMs].map(([id, ms]) => `${id} ${ms.toFixed(0)}`).join(', ')}\n`,
      );
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
