// Configuration: `.leaklens.json`, or `[tool.leaklens]` in `pyproject.toml` (the same keys), found
// upward from each file, validated against the shipped JSON schema (ajv), merged over built-in
// defaults. A bad file is a ConfigError naming the file and the key.
import Ajv from 'ajv';
import { parse as parseToml, TomlError } from 'smol-toml';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import schema from '../../schema/leaklens.schema.json';
import { BUILTIN_RESOURCES, type ResourcePair } from './resources';
import type { Severity } from './types';

export const CONFIG_FILE_NAME = '.leaklens.json';
export const PYPROJECT_FILE_NAME = 'pyproject.toml';
export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;
// Not `clear`: it empties a scratch container or repaints a window each frame, tearing nothing down.
export const DEFAULT_TEARDOWN_METHODS = [
  'cleanup',
  'release',
  'destroy',
  'reset',
  'unload',
  'close',
  'deinit',
  'teardown',
  'shutdown',
  'dispose',
  'free',
];
// Folders of programs that run once per invocation and exit (build and release scripts, code
// generators, converters, benchmarks): a handle left open or a table filled there is reclaimed at exit.
export const DEFAULT_ONE_SHOT_DIRS = ['tools', 'scripts', 'release', 'bench', 'benchmarks', 'waflib', 'build-aux'];

export interface RuleSetting {
  enabled: boolean;
  severity?: Severity;
}

export interface LeakLensConfig {
  /** Absolute path of the .leaklens.json this came from, if any. */
  file?: string;
  rules: Record<string, RuleSetting>;
  resources: ResourcePair[];
  teardownMethods: string[];
  queueConstructors: string[];
  cacheDecorators: string[];
  ignore: string[];
  /** Folder names whose code runs once per invocation (see one-shot.ts); [] checks them like the rest. */
  oneShotDirs: string[];
  maxFileSize: number;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    detail: string,
  ) {
    super(`${file}: ${key ? `"${key}": ` : ''}${detail}`);
  }
}

export function defaultConfig(): LeakLensConfig {
  return {
    rules: {},
    resources: [...BUILTIN_RESOURCES],
    teardownMethods: [...DEFAULT_TEARDOWN_METHODS],
    queueConstructors: [],
    cacheDecorators: [],
    ignore: [],
    oneShotDirs: [...DEFAULT_ONE_SHOT_DIRS],
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
  };
}

const ajv = new Ajv({ allErrors: true, useDefaults: true });
const validate = ajv.compile(schema);

interface RawConfig {
  rules?: Record<string, string | { enabled?: boolean; severity?: Severity }>;
  resources?: Array<{
    acquire: string[];
    release: string[];
    kind?: ResourcePair['kind'];
    releaseArg?: ResourcePair['releaseArg'];
  }>;
  teardownMethods?: string[];
  queueConstructors?: string[];
  cacheDecorators?: string[];
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
    else rules[id] = { enabled: setting.enabled ?? true, severity: setting.severity ?? rules[id]?.severity };
  }
  return {
    file,
    rules,
    resources: [
      ...base.resources,
      ...(cfg.resources ?? []).map((r) => ({
        acquire: r.acquire,
        release: r.release,
        kind: r.kind ?? 'returns',
        releaseArg: r.releaseArg ?? 'value',
      })),
    ],
    teardownMethods: [...new Set([...base.teardownMethods, ...(cfg.teardownMethods ?? [])])],
    queueConstructors: [...base.queueConstructors, ...(cfg.queueConstructors ?? [])],
    cacheDecorators: [...base.cacheDecorators, ...(cfg.cacheDecorators ?? [])],
    ignore: [...base.ignore, ...(cfg.ignore ?? [])],
    // Replaces rather than extends: `[]` is how a project whose tools/ holds daemons opts out.
    oneShotDirs: cfg.oneShotDirs ?? base.oneShotDirs,
    maxFileSize: cfg.maxFileSize ?? base.maxFileSize,
  };
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

  /** `explicit`: a --config file that wins over discovery. */
  constructor(private readonly explicit?: LeakLensConfig) {}

  forFile(file: string): LeakLensConfig {
    if (this.explicit) return this.explicit;
    return this.forDir(dirname(resolve(file)));
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
