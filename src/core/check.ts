// One file through the engine, with --fix: apply the preferred fixes that do not clash, re-analyse,
// repeat until nothing more applies. Used by the CLI (in worker threads) and the tests.
import { writeFileSync } from 'node:fs';
import type { LeakLensConfig } from './config';
import { readSource, type Engine } from './engine';
import { applyEdits, compatibleFixes, mergeEdits } from './fixes/edit';
import { languageOfPath } from './parser';
import type { FileResult, Fix } from './types';

export interface CheckOptions {
  fix?: boolean;
  /** Only these rules (--select) / not these (--ignore). */
  select?: string[];
  ignore?: string[];
}

export interface CheckResult extends FileResult {
  fixesApplied: number;
}

export function ruleFilter(options: CheckOptions): (ruleId: string) => boolean {
  return (id) => (!options.select?.length || options.select.includes(id)) && !options.ignore?.includes(id);
}

/** Text after applying every preferred, non-clashing fix, re-analysing between rounds. */
export function fixText(engine: Engine, text: string, file: string, config: LeakLensConfig, keep: (id: string) => boolean, maxRounds = 8): { text: string; applied: number } {
  const language = languageOfPath(file) ?? 'cpp';
  let applied = 0;
  for (let round = 0; round < maxRounds; round++) {
    const { result } = engine.analyzeText(text, language, { file, config });
    const fixes: Fix[] = result.findings.filter((f) => keep(f.ruleId)).flatMap((f) => f.fixes.filter((x) => x.isPreferred));
    const picked = compatibleFixes(fixes);
    if (picked.length === 0) break;
    text = applyEdits(text, mergeEdits(picked));
    applied += picked.length;
  }
  return { text, applied };
}

export function checkFile(engine: Engine, path: string, display: string, config: LeakLensConfig, options: CheckOptions): CheckResult {
  const keep = ruleFilter(options);
  let fixesApplied = 0;
  if (options.fix) {
    const source = readSource(path, config.maxFileSize);
    if (typeof source === 'string') {
      const fixed = fixText(engine, source, display, config, keep);
      if (fixed.text !== source) {
        writeFileSync(path, fixed.text);
        fixesApplied = fixed.applied;
      }
    }
  }
  const result = engine.analyzeFile(path, display, config);
  return { ...result, findings: result.findings.filter((f) => keep(f.ruleId)), fixesApplied };
}
