// What a debug session's memory report says (no `vscode` import): the lines that grew per
// breakpoint hit, the lines tracemalloc found (Track allocations) and the types that grew from stop
// to stop there, and notes on where they came from. The Recorder builds report.json around them
// with the session's RSS timeline.
import { basename } from 'node:path';
import type { LineGrowth } from '../../profile';
import type { TypeGrowthInput } from '../../profile/typegrowth';
import { fmtSigned } from '../profile/format';
import type { LocationStats, Stop } from './hits';

export interface DebugReportInput {
  /** The debug session's name and type ("leak_loop.py", "debugpy"). */
  name: string;
  type: string;
  pid: number | undefined;
  pidSource: string | undefined;
  stops: readonly Stop[];
  locations: readonly LocationStats[];
  /** Lines from Track allocations (tracemalloc in the debuggee). */
  allocationLines: readonly LineGrowth[];
  /** Types from Track allocations: a census of the objects gc tracks at each stop. */
  allocationTypes?: TypeGrowthInput;
  /** Seconds since sampling started. */
  runS: number;
}

/** report.json's lines and notes of a debug session. */
export function debugReportContent(d: DebugReportInput): {
  lines: LineGrowth[];
  notes: string[];
  types?: TypeGrowthInput;
} {
  const runS = Math.max(1e-3, d.runS);
  const lines: LineGrowth[] = [
    ...d.locations
      .filter((l) => l.leaking)
      .map((l) => ({
        file: l.file,
        line: l.line,
        growthBytes: Math.round(l.totalBytes),
        growthCount: l.hits,
        bytesPerSecond: l.totalBytes / runS,
      })),
    ...d.allocationLines,
  ].sort((a, b) => b.growthBytes - a.growthBytes);
  const notes = [
    `Debug session "${d.name}" (${d.type}), PID ${d.pid} from the ${d.pidSource}; ${d.stops.length} stop(s).`,
    ...d.locations
      .filter((l) => l.hits > 1)
      .map(
        (l) =>
          `${basename(l.file)}:${l.line}: ${l.hits} hits, ${fmtSigned(l.perHitBytes)} per hit (median), ` +
          `${Math.round(l.growingShare * 100)} % of iterations grew.`,
      ),
    'Lines from breakpoint hits: growthBytes = growth over the repeated hits, growthCount = hits.',
  ];
  if (d.allocationTypes)
    notes.push(
      `Types: counted at each of the last ${d.allocationTypes.census.censuses} stop(s) since Track allocations ` +
        'started; a type is listed when its count rose from stop to stop.',
    );
  return { lines, notes, ...(d.allocationTypes ? { types: d.allocationTypes } : {}) };
}

/** stops.json beside report.json: every stop with its RSS and location, and the per-location figures. */
export function stopsFile(d: DebugReportInput): unknown {
  return { session: d.name, type: d.type, pid: d.pid, stops: d.stops, locations: d.locations };
}
