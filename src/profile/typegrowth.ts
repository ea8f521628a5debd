// Growing types and their roots (Python mode): reads the runner's "types" records (leaklens_types.py)
// from index.jsonl, and renders them for the text report.
import { existsSync, readFileSync } from 'node:fs';
import { mb } from './verdict';
import type { Report, TypeGrowth, TypesCensus } from './types';

export interface TypeGrowthInput {
  types: TypeGrowth[];
  census: TypesCensus;
}

interface TypesRecord {
  kind: 'types';
  final?: boolean;
  censuses?: number;
  span_s?: number;
  cost_s?: number;
  types?: {
    type?: string;
    countGrowth?: number;
    bytesGrowth?: number;
    count?: number;
    bytes?: number;
    retainedBy?: string[];
    note?: string;
  }[];
}

/**
 * The last "types" record of the root interpreter's index.jsonl (the one written at exit when the
 * program ended by itself, else the last periodic one); undefined when the runner wrote none.
 */
export function readTypeGrowth(indexPath: string, pid: number | undefined): TypeGrowthInput | undefined {
  if (pid === undefined || !existsSync(indexPath)) return undefined;
  let last: TypesRecord | undefined;
  for (const line of readFileSync(indexPath, 'utf8').split('\n')) {
    if (!/"kind": ?"types"/.test(line)) continue;
    try {
      const rec = JSON.parse(line) as TypesRecord;
      if (rec.kind === 'types' && Array.isArray(rec.types)) last = rec;
    } catch {
      // a torn last line: the previous record stands
    }
  }
  return last ? typeGrowthFromRecord(last, pid) : undefined;
}

export function typeGrowthFromRecord(rec: TypesRecord, pid: number): TypeGrowthInput {
  const types: TypeGrowth[] = [];
  for (const t of rec.types ?? []) {
    if (typeof t.type !== 'string' || typeof t.countGrowth !== 'number') continue;
    const row: TypeGrowth = { type: t.type, countGrowth: t.countGrowth, bytesGrowth: t.bytesGrowth ?? 0 };
    if (typeof t.count === 'number') row.count = t.count;
    if (typeof t.bytes === 'number') row.bytes = t.bytes;
    if (Array.isArray(t.retainedBy)) row.retainedBy = t.retainedBy.filter((s) => typeof s === 'string');
    if (typeof t.note === 'string') row.retainedNote = t.note;
    types.push(row);
  }
  return {
    types,
    census: {
      pid,
      censuses: rec.censuses ?? 0,
      spanS: Math.round((rec.span_s ?? 0) * 1000) / 1000,
      costS: Math.round((rec.cost_s ?? 0) * 1e6) / 1e6,
    },
  };
}

/** The text report's section: the types that grew and, for the top ones, what keeps one alive. */
export function typesText(r: Report): string[] {
  const c = r.typesCensus;
  if (!r.types || !c) return [];
  const how = `${c.censuses} gc censuses over ${c.spanS.toFixed(1)} s, ${(c.costS * 1000).toFixed(0)} ms CPU`;
  if (!r.types.length) return [`No type grew in count (${how}).`];
  const out = [`Types that grew in count (${how}; bytes are shallow, sys.getsizeof):`];
  for (const t of r.types) {
    const bytes = `${t.bytesGrowth >= 0 ? '+' : ''}${Math.abs(t.bytesGrowth) >= 1024 * 1024 ? mb(t.bytesGrowth) : `${(t.bytesGrowth / 1024).toFixed(1)} KB`}`;
    out.push(`  ${`+${t.countGrowth}`.padStart(9)} objects ${bytes.padStart(11)}  ${t.type}`);
    if (t.retainedBy?.length) out.push(`      kept alive by: ${t.retainedBy.join(' → ')}`);
    else if (t.retainedBy) out.push(`      kept alive by: not found (${t.retainedNote ?? 'no root reached'})`);
  }
  return out;
}
