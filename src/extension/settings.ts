// Reads the `leaklens.*` settings into the overlay the worker merges over `.leaklens.json`.
import * as vscode from 'vscode';
import type { ResourcePair } from '../core/resources';
import type { SettingsOverlay } from './protocol';

const LEVELS = new Set(['off', 'error', 'warning', 'info']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_:]*$/;

export function isEnabled(): boolean {
  return vscode.workspace.getConfiguration('leaklens').get<boolean>('enable', true);
}

export function readSettings(log: (message: string) => void = () => undefined): SettingsOverlay {
  const c = vscode.workspace.getConfiguration('leaklens');
  const rules: SettingsOverlay['rules'] = {};
  for (const [id, level] of Object.entries(c.get<Record<string, unknown>>('rules') ?? {})) {
    if (typeof level === 'string' && LEVELS.has(level)) rules[id] = level as SettingsOverlay['rules'][string];
    else if (level !== 'default')
      log(`setting leaklens.rules.${id}: expected off, error, warning, info or default, not ${JSON.stringify(level)}`);
  }
  const max = c.get<number | null>('maxFileSize', null);
  const resources: ResourcePair[] = [];
  for (const [i, r] of (c.get<unknown[]>('resources') ?? []).entries()) {
    const p = r as Partial<ResourcePair> | null;
    const names = (v: unknown) =>
      Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && IDENT.test(x));
    if (!p || !names(p.acquire) || !names(p.release)) {
      log(`setting leaklens.resources[${i}]: needs "acquire" and "release" lists of function names; ignored`);
      continue;
    }
    resources.push({
      acquire: p.acquire!,
      release: p.release!,
      kind: p.kind === 'inPlace' || p.kind === 'outParam' ? p.kind : 'returns',
      releaseArg: p.releaseArg === 'address' ? 'address' : 'value',
    });
  }
  const debounce = c.get<number>('debounceMs', 150);
  return {
    rules,
    maxFileSize: typeof max === 'number' && max > 0 ? max : null,
    resources,
    debounceMs: Number.isFinite(debounce) && debounce >= 0 ? debounce : 150,
    unsafeFixes: c.get<boolean>('unsafeFixes', false) === true,
  };
}
