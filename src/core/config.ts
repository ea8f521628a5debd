// Configuration: `.leaklens.json`, or `[tool.leaklens]` in `pyproject.toml` (the same keys), found
// upward from each file, validated against the JSON schema generated from the rules' declarations
// (config-schema.ts; ajv), merged over built-in defaults. A bad file is a ConfigError naming the file
// and the key. A rule's options are `rules.<id>.options.<name>` (some also top-level keys, their
// place before options were per rule); rules read them as `config.<name>`.
import Ajv from 'ajv';
import { parse as parseToml, TomlError } from 'smol-toml';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { configSchema, ruleOptions } from './config-schema';
import { BUILTIN_RULES } from './rules';
import { CONFIG_FILE_NAME, type LeakLensConfig, type RuleOptionValues, type RuleSetting } from './config-types';
import type { Severity } from './types';

export { CONFIG_FILE_NAME };
export const PYPROJECT_FILE_NAME = 'pyproject.toml';
export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;
/** cleanup-in-loop's default `teardownMethods` (declared with the rule). */
export const DEFAULT_TEARDOWN_METHODS = optionDefault('teardownMethods');
// Folders of programs that run once per invocation and exit (build and release scripts, code
// generators, converters, benchmarks): a handle left open or a table filled there is reclaimed at exit.
// Not examples/ or demos/: measured on the judged projects, they hold as many real leaks (example
// servers, forwarders) as false alarms.
export const DEFAULT_ONE_SHOT_DIRS = [
  'tools',
  'scripts',
  'release',
  'bench',
  'benchmarks',
  'benchmark',
  'waflib',
  'build-aux',
];

export type { LeakLensConfig, RuleOptionValues, RuleSetting } from './config-types';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    detail: string,
  ) {
    super(`${file}: ${key ? `"${key}": ` : ''}${detail}`);
  }
}

/** The default of a rule's option, as its rule declares it. */
function optionDefault<K extends keyof RuleOptionValues>(name: K): RuleOptionValues[K] {
  const found = ruleOptions().find(({ option }) => option.name === name);
  if (!found) throw new Error(`LeakLens: no rule declares the option ${name}`);
  return found.option.default as RuleOptionValues[K];
}

function optionDefaults(): RuleOptionValues {
  const values = ruleOptions().map(({ option }) => [option.name, copy(option.default)]);
  return Object.fromEntries(values) as RuleOptionValues;
}

function copy<T>(value: T): T {
  return (Array.isArray(value) ? [...value] : value) as T;
}

/** The opt-in rules start switched off; a config, a setting or `--select` turns them on. */
function defaultRuleSettings(): Record<string, RuleSetting> {
  return Object.fromEntries(BUILTIN_RULES.filter((r) => r.optIn).map((r) => [r.id, { enabled: false }]));
}

/** `config` with `ids` switched on (the rules `--select` names, opt-in ones included). */
export function withRulesEnabled(config: LeakLensConfig, ids: readonly string[]): LeakLensConfig {
  const off = ids.filter((id) => config.rules[id]?.enabled === false);
  if (!off.length) return config;
  const rules = { ...config.rules };
  for (const id of off) rules[id] = { ...rules[id], enabled: true };
  return { ...config, rules };
}

export function defaultConfig(): LeakLensConfig {
  return {
    rules: defaultRuleSettings(),
    ...optionDefaults(),
    ignore: [],
    oneShotDirs: [...DEFAULT_ONE_SHOT_DIRS],
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
  };
}

const ajv = new Ajv({ allErrors: true, useDefaults: true });
const validate = ajv.compile(configSchema());

/** What the schema let through (ajv has filled in the defaults of nested keys, like a resource's `kind`). */
interface RawConfig extends Partial<RuleOptionValues> {
  rules?: Record<string, string | { enabled?: boolean; severity?: Severity; options?: Partial<RuleOptionValues> }>;
  ignore?: string[];
  oneShotDirs?: string[];
  maxFileSize?: number;
}

/** Parses and validates one config text; `file` is only used in error messages. */
export function parseConfig(text: string, file: string, base: LeakLensConfig = defaultConfig()): LeakLensConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, '', `not valid JSON (${(e as Error).message})`);
  }
  return configFromObject(raw, file, '', base);
}

/**
 * `[tool.leaklens]` of a pyproject.toml text, or undefined when it has no such table (a project
 * that does not configure LeakLens there: discovery goes on upward, as ruff does).
 */
export function parsePyproject(
  text: string,
  file: string,
  base: LeakLensConfig = defaultConfig(),
): LeakLensConfig | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const where = e instanceof TomlError ? ` at line ${e.line}, column ${e.column}` : '';
    throw new ConfigError(file, '', `not valid TOML${where} (${(e as Error).message.split('\n')[0]})`);
  }
  const tool = doc.tool as Record<string, unknown> | undefined;
  if (!tool || typeof tool !== 'object' || !('leaklens' in tool)) return undefined;
  return configFromObject(tool.leaklens, file, 'tool.leaklens', base);
}

function configFromObject(raw: unknown, file: string, prefix: string, base: LeakLensConfig): LeakLensConfig {
  if (!validate(raw)) {
    const err = validate.errors![0];
    const key = [prefix, err.instancePath.replace(/^\//, '').replace(/\//g, '.')].filter(Boolean).join('.');
    const detail =
      err.keyword === 'additionalProperties'
        ? `unknown key "${(err.params as { additionalProperty: string }).additionalProperty}"`
        : err.keyword === 'propertyNames'
          ? `unknown rule "${(err.params as { propertyName: string }).propertyName}"`
          : (err.message ?? 'invalid');
    throw new ConfigError(file, key, detail);
  }
  const cfg = raw as RawConfig;
  const rules: Record<string, RuleSetting> = { ...base.rules };
  for (const [id, setting] of Object.entries(cfg.rules ?? {})) {
    if (typeof setting === 'string')
      rules[id] = setting === 'off' ? { enabled: false } : { enabled: true, severity: setting as Severity };
    // `{ "options": {...} }` alone configures the rule without turning it on or changing its severity.
    else if (setting.enabled !== undefined || setting.severity !== undefined || setting.options === undefined)
      rules[id] = { enabled: setting.enabled ?? true, severity: setting.severity ?? rules[id]?.severity };
  }
  return {
    file,
    rules,
    ...optionValues(cfg, base),
    ignore: [...base.ignore, ...(cfg.ignore ?? [])],
    // Replaces rather than extends: `[]` is how a project whose tools/ holds daemons opts out.
    oneShotDirs: cfg.oneShotDirs ?? base.oneShotDirs,
    maxFileSize: cfg.maxFileSize ?? base.maxFileSize,
  };
}

/** Each option: what `base` has, then the top-level alias, then `rules.<id>.options`, combined as declared. */
function optionValues(cfg: RawConfig, base: LeakLensConfig): RuleOptionValues {
  const values: Record<string, unknown> = {};
  for (const { rule, option } of ruleOptions()) {
    let value: unknown = copy(base[option.name]);
    const setting = cfg.rules?.[rule.id];
    const own = typeof setting === 'object' ? setting.options?.[option.name] : undefined;
    for (const given of [option.topLevelAlias ? cfg[option.name] : undefined, own]) {
      if (given === undefined) continue;
      if (option.merge === 'replace' || !Array.isArray(value) || !Array.isArray(given)) value = given;
      else value = option.merge === 'union' ? [...new Set([...value, ...given])] : [...value, ...given];
    }
    values[option.name] = value;
  }
  return values as unknown as RuleOptionValues;
}

/** A .leaklens.json, or a pyproject.toml's `[tool.leaklens]` (an error if it has none). */
export function loadConfigFile(file: string): LeakLensConfig {
  const path = resolve(file);
  const text = readFileSync(path, 'utf8');
  if (!path.endsWith('.toml')) return parseConfig(text, path);
  const config = parsePyproject(text, path);
  if (!config) throw new ConfigError(path, 'tool.leaklens', 'no [tool.leaklens] table in this file');
  return config;
}

/** The config file that governs `dir` itself, if any: .leaklens.json first, then pyproject.toml. */
function configIn(dir: string): LeakLensConfig | undefined {
  const json = join(dir, CONFIG_FILE_NAME);
  if (isFile(json)) return parseConfig(readFileSync(json, 'utf8'), json);
  const toml = join(dir, PYPROJECT_FILE_NAME);
  if (isFile(toml)) return parsePyproject(readFileSync(toml, 'utf8'), toml);
  return undefined;
}

/** Finds the nearest .leaklens.json or pyproject.toml with `[tool.leaklens]` at or above a file, caching per folder. */
export class ConfigResolver {
  private readonly byDir = new Map<string, LeakLensConfig>();

  private readonly selected = new Map<LeakLensConfig, LeakLensConfig>();

  /** `explicit`: a --config file that wins over discovery; `select`: rules --select turns on wherever. */
  constructor(
    private readonly explicit?: LeakLensConfig,
    private readonly select: readonly string[] = [],
  ) {}

  forFile(file: string): LeakLensConfig {
    const config = this.explicit ?? this.forDir(dirname(resolve(file)));
    if (!this.select.length) return config;
    let enabled = this.selected.get(config);
    if (!enabled) this.selected.set(config, (enabled = withRulesEnabled(config, this.select)));
    return enabled;
  }

  private forDir(dir: string): LeakLensConfig {
    const cached = this.byDir.get(dir);
    if (cached) return cached;
    const config = configIn(dir) ?? (dirname(dir) === dir ? defaultConfig() : this.forDir(dirname(dir)));
    this.byDir.set(dir, config);
    return config;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
