// One file through the engine, with --fix: apply the preferred fixes that do not clash, re-analyse,
// repeat until nothing more applies. Used by the CLI (in worker threads) and the tests.
import { readFileSync, writeFileSync } from 'node:fs';
import type { LeakLensConfig } from './config';
import { readSource, sourceEncoding, type Engine } from './engine';
import { applyEdits, compatibleFixes, mergeEdits } from './fixes/edit';
import { languageOfFile } from './parser';
import { autoFix, type FileResult, type Fix } from './types';

export interface CheckOptions {
  fix?: boolean;
  /** With `fix`: unsafe fixes too (--unsafe-fixes). */
  unsafeFixes?: boolean;
  /** Compute the fixed text but write nothing (--diff); the result carries both texts. */
  dryRun?: boolean;
  /** Only these rules (--select) / not these (--ignore). */
  select?: string[];
  ignore?: string[];
  /** Where other files of the project are, when no `.git` or `.leaklens.json` says (the working directory). */
  projectRoot?: string;
}

export interface CheckResult extends FileResult {
  fixesApplied: number;
  /** Rule of each fix applied (or, with `dryRun`, that would be). */
  fixedRules?: string[];
  /** With `dryRun`: the text before and after the fixes, when they change it. */
  fixedText?: { before: string; after: string };
}

export function ruleFilter(options: CheckOptions): (ruleId: string) => boolean {
  return (id) => (!options.select?.length || options.select.includes(id)) && !options.ignore?.includes(id);
}

/** Text after applying every preferred, non-clashing fix, re-analysing between rounds. */
export function fixText(
  engine: Engine,
  text: string,
  file: string,
  config: LeakLensConfig,
  keep: (id: string) => boolean,
  unsafe = false,
  maxRounds = 8,
  project?: { sourcePath: string; projectRoot?: string },
): { text: string; applied: number; rules: string[] } {
  const language = languageOfFile(file) ?? 'cpp';
  let applied = 0;
  const rules: string[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const { result } = engine.analyzeText(text, language, { file, config, ...project });
    const fixes: Array<Fix & { ruleId: string }> = result.findings
      .filter((f) => keep(f.ruleId))
      .flatMap((f) => {
        const fix = autoFix(f, unsafe);
        return fix ? [{ ...fix, ruleId: f.ruleId }] : [];
      });
    const picked = compatibleFixes(fixes);
    if (picked.length === 0) break;
    text = applyEdits(text, mergeEdits(picked));
    applied += picked.length;
    rules.push(...picked.map((p) => p.ruleId));
  }
  return { text, applied, rules };
}

export function checkFile(
  engine: Engine,
  path: string,
  display: string,
  config: LeakLensConfig,
  options: CheckOptions,
): CheckResult {
  const keep = ruleFilter(options);
  let fixesApplied = 0;
  let fixedText: CheckResult['fixedText'];
  let fixedRules: string[] | undefined;
  if (options.fix || options.dryRun) {
    const source = readSource(path, config.maxFileSize);
    if (typeof source === 'string') {
      const project = { sourcePath: path, projectRoot: options.projectRoot };
      const fixed = fixText(engine, source, display, config, keep, options.unsafeFixes === true, 8, project);
      if (fixed.text !== source) {
        fixesApplied = fixed.applied;
        fixedRules = fixed.rules;
        if (options.dryRun) {
          fixedText = { before: source, after: fixed.text };
          const result = engine.analyzeText(source, languageOfFile(path) ?? 'cpp', {
            file: display,
            config,
            ...project,
          }).result;
          return {
            ...result,
            findings: result.findings.filter((f) => keep(f.ruleId)),
            fixesApplied,
            fixedRules,
            fixedText,
          };
        }
        writeFileSync(path, fixed.text, sourceEncoding(readFileSync(path)));
      }
    }
  }
  const result = engine.analyzeFile(path, display, config, options.projectRoot);
  return { ...result, findings: result.findings.filter((f) => keep(f.ruleId)), fixesApplied, fixedRules };
}
