// .leaklens.json: found upward from each file, validated against the shipped JSON schema (ajv),
// merged over built-in defaults. A bad file is a ConfigError naming the file and the key.
import Ajv from 'ajv';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import schema from '../../schema/leaklens.schema.json';
import { BUILTIN_RESOURCES, type ResourcePair } from './resources';
import type { Severity } from './types';

export const CONFIG_FILE_NAME = '.leaklens.json';
export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;
// Not `clear`: it empties a scratch container or repaints a window each frame, tearing nothing down.
export const DEFAULT_TEARDOWN_METHODS = ['cleanup', 'release', 'destroy', 'reset', 'unload', 'close', 'deinit', 'teardown', 'shutdown', 'dispose', 'free'];

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
  maxFileSize: number;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly key: string, detail: string) {
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
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
  };
}

const ajv = new Ajv({ allErrors: true, useDefaults: true });
const validate = ajv.compile(schema);

interface RawConfig {
  rules?: Record<string, string | { enabled?: boolean; severity?: Severity }>;
  resources?: Array<{ acquire: string[]; release: string[]; kind?: ResourcePair['kind']; releaseArg?: ResourcePair['releaseArg'] }>;
  teardownMethods?: string[];
  queueConstructors?: string[];
  cacheDecorators?: string[];
  ignore?: string[];
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
  if (!validate(raw)) {
    const err = validate.errors![0];
    const key = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const detail = err.keyword === 'additionalProperties'
      ? `unknown key "${(err.params as { additionalProperty: string }).additionalProperty}"`
      : err.keyword === 'propertyNames'
        ? `unknown rule "${(err.params as { propertyName: string }).propertyName}"`
        : err.message ?? 'invalid';
    throw new ConfigError(file, key, detail);
  }
  const cfg = raw as RawConfig;
  const rules: Record<string, RuleSetting> = { ...base.rules };
  for (const [id, setting] of Object.entries(cfg.rules ?? {})) {
    if (typeof setting === 'string') rules[id] = setting === 'off' ? { enabled: false } : { enabled: true, severity: setting as Severity };
    else rules[id] = { enabled: setting.enabled ?? true, severity: setting.severity ?? rules[id]?.severity };
  }
  return {
    file,
    rules,
    resources: [...base.resources, ...(cfg.resources ?? []).map((r) => ({ acquire: r.acquire, release: r.release, kind: r.kind ?? 'returns', releaseArg: r.releaseArg ?? 'value' }))],
    teardownMethods: [...new Set([...base.teardownMethods, ...(cfg.teardownMethods ?? [])])],
    queueConstructors: [...base.queueConstructors, ...(cfg.queueConstructors ?? [])],
    cacheDecorators: [...base.cacheDecorators, ...(cfg.cacheDecorators ?? [])],
    ignore: [...base.ignore, ...(cfg.ignore ?? [])],
    maxFileSize: cfg.maxFileSize ?? base.maxFileSize,
  };
}

export function loadConfigFile(file: string): LeakLensConfig {
  return parseConfig(readFileSync(file, 'utf8'), resolve(file));
}

/** Finds the nearest .leaklens.json at or above `dir`, caching per folder. */
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
    const candidate = join(dir, CONFIG_FILE_NAME);
    let config: LeakLensConfig;
    if (isFile(candidate)) config = loadConfigFile(candidate);
    else if (dirname(dir) === dir) config = defaultConfig();
    else config = this.forDir(dirname(dir));
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
