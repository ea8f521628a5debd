// The shape of a resolved configuration, apart from config.ts: rule.ts (and so every rule and fix)
// needs these types, and config.ts itself imports the rules (for their options), so the types live
// where importing them pulls in nothing else.
import type { ResourcePair } from './resources';
import type { Severity } from './types';

/** The configuration file's name (also what marks a project's root, with `.git`). */
export const CONFIG_FILE_NAME = '.leaklens.json';

export interface RuleSetting {
  enabled: boolean;
  severity?: Severity;
}

/**
 * The values of the built-in rules' options, by option name. Each is declared by one rule
 * (`options` in its RuleMeta: schema, default, doc), which reads it as `ctx.config.<name>`.
 */
export interface RuleOptionValues {
  /** cleanup-in-loop */
  teardownMethods: string[];
  /** unbounded-queue */
  queueConstructors: string[];
  /** unbounded-cache */
  cacheDecorators: string[];
  /** raw-c-resource */
  resources: ResourcePair[];
  /** raw-c-resource: pair a project's own `x_alloc`/`x_free` by their names */
  inferResourcePairs: boolean;
}

export interface LeakLensConfig extends RuleOptionValues {
  /** Absolute path of the .leaklens.json this came from, if any. */
  file?: string;
  rules: Record<string, RuleSetting>;
  ignore: string[];
  /** Folder names whose code runs once per invocation (see one-shot.ts); [] checks them like the rest. */
  oneShotDirs: string[];
  maxFileSize: number;
}
