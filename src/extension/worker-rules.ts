// Custom rules in the analysis worker: compiles the `.leaklens/rules/*.scm` texts the host sends
// (saved files and unsaved editor contents), keeps the compiled rule of every unchanged file, and
// scopes each rule to the workspace folder it belongs to. No `vscode` import.
import { isAbsolute, relative } from 'node:path';
import { compileRuleFile, type CustomRule, type RuleFileError } from '../core/custom-rules';
import type { LeakLensConfig } from '../core/config';
import type { Engine } from '../core/engine';
import type { RuleFileText, RuleInfo } from './protocol';

interface Compiled {
  text: string;
  rule?: CustomRule;
  errors: RuleFileError[];
}

export class WorkerRules {
  /** Compiled rule per file, reused while its text does not change. */
  private readonly cache = new Map<string, Compiled>();
  /** Workspace folder of each active rule id (undefined: applies everywhere). */
  private folders = new Map<string, string | undefined>();
  private scoped = new WeakMap<LeakLensConfig, Map<string, LeakLensConfig>>();

  /**
   * Compiles `files` (unchanged ones come from the cache) and installs the active ones in the
   * engine. Returns the rules that run and every file's errors.
   */
  update(engine: Engine, files: RuleFileText[]): { rules: RuleInfo[]; errors: RuleFileError[] } {
    const seen = new Set<string>();
    const errors: RuleFileError[] = [];
    const active: Array<{ rule: CustomRule; folder?: string }> = [];
    for (const f of files) {
      seen.add(f.file);
      let c = this.cache.get(f.file);
      if (!c || c.text !== f.text) {
        c?.rule?.dispose();
        c = { text: f.text, ...compileRuleFile(engine.grammars, f.text, f.file) };
        this.cache.set(f.file, c);
      }
      errors.push(...c.errors);
      if (!c.rule || !f.active) continue;
      const clash = active.find((a) => a.rule.id === c!.rule!.id);
      if (clash)
        errors.push({
          file: f.file,
          line: 1,
          column: 1,
          endLine: 1,
          endColumn: 2,
          message: `rule id "${clash.rule.id}" is also defined in ${clash.rule.file}`,
        });
      else active.push({ rule: c.rule, folder: f.folder });
    }
    for (const [file, c] of this.cache) {
      if (seen.has(file)) continue;
      c.rule?.dispose();
      this.cache.delete(file);
    }
    // The engine disposes the rules it is given when they are replaced; the cache owns ours, so
    // it gets copies whose dispose() does nothing.
    engine.setCustomRules(active.map((a) => ({ ...a.rule, dispose() {} })));
    this.folders = new Map(active.map((a) => [a.rule.id, a.folder]));
    this.scoped = new WeakMap();
    return {
      rules: active.map((a) => ({ id: a.rule.id, file: a.rule.file, helpUri: a.rule.helpUri })),
      errors,
    };
  }

  /**
   * `config` with the custom rules of other workspace folders turned off for `file` (a file
   * outside every folder, or untitled, gets all of them).
   */
  scope(config: LeakLensConfig, file: string | undefined): LeakLensConfig {
    if (!file || !isAbsolute(file) || this.folders.size === 0) return config;
    const inside = (folder: string) => {
      const rel = relative(folder, file);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    };
    const folders = [...new Set(this.folders.values())].filter((f): f is string => f !== undefined);
    if (!folders.some(inside)) return config;
    const foreign = [...this.folders].filter(([, folder]) => folder !== undefined && !inside(folder)).map(([id]) => id);
    if (!foreign.length) return config;
    const key = foreign.join('\0');
    let byKey = this.scoped.get(config);
    if (!byKey) this.scoped.set(config, (byKey = new Map()));
    let cfg = byKey.get(key);
    if (!cfg) {
      const rules = { ...config.rules };
      for (const id of foreign) rules[id] = { enabled: false };
      cfg = { ...config, rules };
      byKey.set(key, cfg);
    }
    return cfg;
  }
}
