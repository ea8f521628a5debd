// Leak reports measured by other tools, read into one shape: LeakSanitizer/AddressSanitizer logs (the
// text a program built with -fsanitize=address or -fsanitize=leak prints at exit), Valgrind memcheck
// XML (--xml=yes), and LeakLens's own profile reports (report.json). Each leak is placed at the first
// frame of its allocation stack inside the project. No `vscode` import.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export type LeakSource = 'LeakSanitizer' | 'Valgrind' | 'LeakLens profile';

export interface StackFrame {
  function?: string;
  file?: string;
  line?: number;
  column?: number;
  /** The binary or library, for frames without source (unsymbolized, or system libraries). */
  module?: string;
}

export interface MeasuredLeak {
  source: LeakSource;
  /** direct: nothing points to the block; indirect: reachable only from leaked blocks; growth: a profile's line. */
  kind: 'direct' | 'indirect' | 'possible' | 'growth';
  bytes: number;
  blocks?: number;
  /** Profiles: growth rate over the run. */
  bytesPerSecond?: number;
  seconds?: number;
  stack: StackFrame[];
  /** The first frame inside the project (absolute file), where the finding goes. */
  at?: { file: string; line: number; column?: number; function?: string };
  /** The report it came from, and when it was written. */
  report: string;
  when: string;
}

export class ReportError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Reads one report, whatever its kind (by content, not by name). */
export function readLeakReport(path: string, root: string): MeasuredLeak[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ReportError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const when = new Date(statSync(path).mtimeMs).toISOString();
  const head = text.slice(0, 4096);
  let leaks: MeasuredLeak[];
  if (/<valgrindoutput>/.test(head) || /^\s*<\?xml/.test(head)) leaks = parseValgrindXml(text, path, when);
  else if (/^\s*\{/.test(head)) leaks = parseProfileReport(text, path, when);
  else if (/==\d+==ERROR: (LeakSanitizer|AddressSanitizer)|(Direct|Indirect) leak of \d+ byte/.test(text))
    leaks = parseSanitizerLog(text, path, when);
  else
    throw new ReportError(
      path,
      'not a leak report LeakLens reads (LeakSanitizer/AddressSanitizer output, Valgrind --xml=yes, or a LeakLens report.json)',
    );
  for (const l of leaks) l.at = firstProjectFrame(l.stack, root);
  return leaks;
}

// --- LeakSanitizer / AddressSanitizer --------------------------------------------------------

const LEAK_HEADER = /^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:/;
// `#1 0x55776c64420d in make_buffer(int) /path/file.cpp:13:5` or `... in func (/lib/x.so+0x1234)`
const FRAME = /^\s*#(\d+) 0x[0-9a-f]+(?: in (.+?))?(?: (\S+?):(\d+)(?::(\d+))?| \((.+?)\+0x[0-9a-f]+\))?\s*$/i;

export function parseSanitizerLog(text: string, path: string, when: string): MeasuredLeak[] {
  const leaks: MeasuredLeak[] = [];
  let current: MeasuredLeak | undefined;
  let sawSummary = false;
  for (const raw of text.split(/\r?\n/)) {
    const header = LEAK_HEADER.exec(raw.trim());
    if (header) {
      current = {
        source: 'LeakSanitizer',
        kind: header[1] === 'Direct' ? 'direct' : 'indirect',
        bytes: Number(header[2]),
        blocks: Number(header[3]),
        stack: [],
        report: path,
        when,
      };
      leaks.push(current);
      continue;
    }
    if (/^SUMMARY: (AddressSanitizer|LeakSanitizer)/.test(raw)) sawSummary = true;
    const frame = current && FRAME.exec(raw);
    if (frame && current) {
      current.stack.push({
        function: frame[2]?.trim(),
        file: frame[3],
        line: frame[4] ? Number(frame[4]) : undefined,
        column: frame[5] ? Number(frame[5]) : undefined,
        module: frame[6],
      });
    } else if (raw.trim() === '') {
      current = undefined;
    }
  }
  if (!leaks.length) throw new ReportError(path, 'a sanitizer log without any leak record (truncated before them?)');
  if (!sawSummary) {
    // Cut off (the program was killed while printing): keep what is complete, say so.
    const last = leaks[leaks.length - 1];
    if (!last.stack.length) leaks.pop();
    leaks.forEach((l) => (l.report = `${path} (truncated)`));
  }
  return leaks;
}

// --- Valgrind memcheck XML -------------------------------------------------------------------

const KINDS: Record<string, MeasuredLeak['kind'] | undefined> = {
  Leak_DefinitelyLost: 'direct',
  Leak_IndirectlyLost: 'indirect',
  Leak_PossiblyLost: 'possible',
};

export function parseValgrindXml(text: string, path: string, when: string): MeasuredLeak[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    // A run killed mid-way leaves an unterminated document: read the <error> records that are whole.
    const cut = text.lastIndexOf('</error>');
    if (cut < 0 || !/<valgrindoutput>/.test(text))
      throw new ReportError(path, `not well-formed Valgrind XML (${valid.err.msg} at line ${valid.err.line})`);
    return parseValgrindXml(
      `${text.slice(0, cut + '</error>'.length)}\n</valgrindoutput>\n`,
      `${path} (truncated)`,
      when,
    );
  }
  const doc = new XMLParser({ ignoreAttributes: true, isArray: (name) => name === 'error' || name === 'frame' }).parse(
    text,
  ) as {
    valgrindoutput?: { tool?: string; error?: Array<Record<string, unknown>> };
  };
  const out = doc.valgrindoutput;
  if (!out) throw new ReportError(path, 'XML, but not Valgrind output (no <valgrindoutput>)');
  if (out.tool && out.tool !== 'memcheck')
    throw new ReportError(path, `Valgrind ${out.tool} output: only memcheck reports leaks`);
  const leaks: MeasuredLeak[] = [];
  for (const e of out.error ?? []) {
    const kind = KINDS[String(e.kind)];
    if (!kind) continue; // still reachable, or not a leak (invalid reads are another story)
    const what = (e.xwhat ?? {}) as { leakedbytes?: number; leakedblocks?: number; text?: string };
    const frames = ((e.stack as { frame?: Array<Record<string, unknown>> } | undefined)?.frame ?? []).map((f) => ({
      function: f.fn === undefined ? undefined : String(f.fn),
      file:
        f.file === undefined ? undefined : f.dir !== undefined ? `${String(f.dir)}/${String(f.file)}` : String(f.file),
      line: f.line === undefined ? undefined : Number(f.line),
      module: f.obj === undefined ? undefined : String(f.obj),
    }));
    leaks.push({
      source: 'Valgrind',
      kind,
      bytes: Number(what.leakedbytes ?? 0),
      blocks: Number(what.leakedblocks ?? 0),
      stack: frames,
      report: path,
      when,
    });
  }
  return leaks;
}

// --- LeakLens profile reports ------------------------------------------------------------------

interface ProfileReportShape {
  version?: number;
  verdict?: string;
  durationSeconds?: number;
  lines?: Array<{ file: string; line: number; growthBytes: number; bytesPerSecond?: number; function?: string }>;
}

export function parseProfileReport(text: string, path: string, when: string): MeasuredLeak[] {
  let doc: ProfileReportShape;
  try {
    doc = JSON.parse(text) as ProfileReportShape;
  } catch (e) {
    throw new ReportError(path, `JSON that does not parse (${(e as Error).message}); truncated?`);
  }
  if (doc.version !== 1 || !Array.isArray(doc.lines))
    throw new ReportError(path, 'JSON, but not a LeakLens report.json');
  return doc.lines
    .filter((l) => l.growthBytes > 0)
    .map((l) => ({
      source: 'LeakLens profile' as const,
      kind: 'growth' as const,
      bytes: l.growthBytes,
      bytesPerSecond: l.bytesPerSecond,
      seconds: doc.durationSeconds,
      stack: [{ file: l.file, line: l.line, function: l.function }],
      report: path,
      when,
    }));
}

// --- placing a leak ------------------------------------------------------------------------------

/** The first frame whose source file lies under `root` (the project), skipping allocators and system code. */
export function firstProjectFrame(stack: StackFrame[], root: string): MeasuredLeak['at'] {
  const base = resolve(root);
  for (const f of stack) {
    if (!f.file || !f.line) continue;
    const file = isAbsolute(f.file) ? f.file : resolve(base, f.file);
    const rel = relative(base, file);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules')) continue;
    // A relative path is relative to where the program was compiled, which may not be the root:
    // trust it only when the file is there.
    if (!isAbsolute(f.file) && !existsSync(file)) continue;
    return { file, line: f.line, column: f.column, function: f.function };
  }
  return undefined;
}

/** "64 B in 1 block", "1.5 MB in 3 blocks", "+12.0 MB over 30 s". */
export function describeLeak(l: MeasuredLeak): string {
  const size = formatBytes(l.bytes);
  if (l.kind === 'growth') return `+${size}${l.seconds ? ` over ${Math.round(l.seconds)} s` : ''}`;
  return `${size} in ${l.blocks ?? '?'} block${l.blocks === 1 ? '' : 's'}`;
}

export function formatBytes(b: number): string {
  if (b >= 1048576) return `${(b / 1048576).toFixed(1)} MB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${b} B`;
}
