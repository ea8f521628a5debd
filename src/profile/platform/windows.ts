// Windows: the process list from PowerShell's CIM query as CSV, or from `wmic` where PowerShell is
// missing. WorkingSetSize (bytes) is what Task Manager calls memory, Windows's counterpart of RSS.
import { processName, splitWindowsCommand } from './naming';
import { completeLines } from './ps';
import type { ProcRecord } from './records';

const COLUMNS = 'ProcessId,ParentProcessId,WorkingSetSize,Name,CommandLine';

/**
 * The PowerShell script: UTF-8 out (names are not ASCII everywhere), the creation time as a FileTime
 * (a number, whatever the culture), every field quoted by ConvertTo-Csv.
 */
export function powerShellScript(pid?: number): string {
  const filter = pid === undefined ? '' : ` -Filter "ProcessId=${Math.trunc(pid)}"`;
  return (
    '[Console]::OutputEncoding = [Text.Encoding]::UTF8; ' +
    `Get-CimInstance Win32_Process${filter} | Select-Object ${COLUMNS},` +
    "@{Name='StartFileTime';Expression={if ($_.CreationDate) { $_.CreationDate.ToFileTimeUtc() }}} | " +
    'ConvertTo-Csv -NoTypeInformation'
  );
}

export function powerShellArgs(pid?: number): string[] {
  return ['-NoProfile', '-NonInteractive', '-Command', powerShellScript(pid)];
}

export function wmicArgs(pid?: number): string[] {
  const where = pid === undefined ? [] : ['where', `ProcessId=${Math.trunc(pid)}`];
  return ['process', ...where, 'get', `${COLUMNS},CreationDate`, '/format:csv'];
}

/** Parses ConvertTo-Csv output (RFC 4180: quoted fields, "" for a quote, line breaks inside quotes). */
export function parsePowerShellCsv(stdout: string): ProcRecord[] {
  const rows = csvRows(stdout).filter((r) => !(r.length === 1 && r[0].startsWith('#TYPE')));
  const header = rows.shift();
  if (!header) return [];
  const col = columnIndex(header);
  const out: ProcRecord[] = [];
  for (const r of rows) {
    if (r.length < header.length) continue;
    const rec = record((name) => r[col(name)], fileTimeMs);
    if (rec) out.push(rec);
  }
  return out;
}

/**
 * Parses `wmic process get … /format:csv`: a blank line, the header (wmic orders the columns
 * alphabetically after Node), lines ending in CR CR LF, and fields that are never quoted, so a
 * command line's own commas split it: the fields left of CommandLine are counted from the left,
 * those right of it from the right, and CommandLine is what lies between.
 */
export function parseWmicCsv(stdout: string): ProcRecord[] {
  const lines = completeLines(stdout).filter((l) => l.trim() !== '');
  const header = lines.shift()?.split(',');
  if (!header) return [];
  const col = columnIndex(header);
  const cmd = col('CommandLine');
  const out: ProcRecord[] = [];
  for (const line of lines) {
    const f = line.split(',');
    if (f.length < header.length) continue;
    const extra = f.length - header.length;
    const field = (name: string): string | undefined => {
      const i = col(name);
      if (i < 0) return undefined;
      if (cmd < 0 || i < cmd) return f[i];
      return i === cmd ? f.slice(cmd, cmd + extra + 1).join(',') : f[i + extra];
    };
    const rec = record(field, dmtfMs);
    if (rec) out.push(rec);
  }
  return out;
}

function record(field: (name: string) => string | undefined, started: (s: string) => number | undefined) {
  const pid = count(field('ProcessId'));
  const ppid = count(field('ParentProcessId'));
  if (pid === undefined || ppid === undefined) return undefined;
  const program = field('Name') ?? '';
  const command = field('CommandLine') || undefined;
  const rss = count(field('WorkingSetSize'));
  const start = field('StartFileTime') ?? field('CreationDate');
  const rec: ProcRecord = {
    pid,
    ppid,
    name: processName(command ? splitWindowsCommand(command) : [], program),
  };
  if (program) rec.exe = program;
  if (rss !== undefined) rec.rssBytes = rss;
  if (command) rec.command = command;
  const startMs = start ? started(start) : undefined;
  if (startMs !== undefined) rec.startMs = startMs;
  return rec;
}

const count = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s.trim()) ? Number(s) : undefined);

function columnIndex(header: readonly string[]): (name: string) => number {
  const lower = header.map((h) => h.trim().toLowerCase());
  return (name) => lower.indexOf(name.toLowerCase());
}

/** A FileTime (100 ns since 1601, UTC) as ms since the epoch. */
function fileTimeMs(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  return Math.round(Number(s) / 1e4) - 11_644_473_600_000;
}

/** WMI's DMTF datetime, yyyymmddHHMMSS.ffffff±UUU (offset in minutes), as ms since the epoch. */
function dmtfMs(s: string): number | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)\.(\d{6})([+-]\d{3})$/.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec, micro, off] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, sec, Math.floor(micro / 1000)) - off * 60_000;
}

/** CSV records; a record the output stops in the middle of (no line break after it) is dropped. */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.replace(/\r+$/, ''));
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i++;
  }
  return rows;
}
