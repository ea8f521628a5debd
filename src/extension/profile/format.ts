// Pure formatting and parsing helpers of the editor side of "Profile memory" (no `vscode` import,
// unit-tested on plain Node).

const MiB = 1024 * 1024;
const KiB = 1024;

/** "12.4 MB", "512 KB", "900 B" (binary units, like the CLI's report). */
export function fmtBytes(bytes: number): string {
  const a = Math.abs(bytes);
  if (a >= MiB) return `${(bytes / MiB).toFixed(1)} MB`;
  if (a >= KiB) return `${(bytes / KiB).toFixed(0)} KB`;
  return `${Math.round(bytes)} B`;
}

/** "+12.4 MB" / "-1.0 MB". */
export function fmtSigned(bytes: number): string {
  return (bytes >= 0 ? '+' : '-') + fmtBytes(Math.abs(bytes));
}

/** The end-of-line label of a line that grew: "+12.4 MB · 1.1 MB/s". */
export function lineLabel(growthBytes: number, bytesPerSecond: number): string {
  return `${fmtSigned(growthBytes)} · ${fmtBytes(bytesPerSecond)}/s`;
}

/** "1:05" / "12.3 s". */
export function fmtElapsed(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const r = Math.floor(s % 60);
  return `${m}:${String(r).padStart(2, '0')}`;
}

const BARS = '▁▂▃▄▅▆▇█';
/** A unicode sparkline of a series (empty for fewer than 2 points). */
export function sparkline(values: readonly number[], width = 24): string {
  if (values.length < 2) return '';
  const step = Math.max(1, Math.ceil(values.length / width));
  const pts: number[] = [];
  for (let i = 0; i < values.length; i += step) pts.push(values[Math.min(values.length - 1, i + step - 1)]);
  const lo = Math.min(...pts);
  const hi = Math.max(...pts);
  return pts.map((v) => BARS[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

/**
 * Splits a command line typed by the user into argv, like a POSIX shell does for words: single and
 * double quotes, backslash escapes; no expansion. Throws on an unterminated quote.
 */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

/**
 * Substitutes the launch.json variables LeakLens supports (${workspaceFolder}, ${workspaceFolderBasename},
 * ${file}, ${fileDirname}, ${fileBasename}, ${fileBasenameNoExtension}, ${cwd}, ${env:NAME}, ${userHome}, ${pathSeparator}).
 * Returns undefined for a string that still contains an unknown ${...} (e.g. ${command:...}).
 */
export function substituteVariables(
  value: string,
  vars: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
): string | undefined {
  let unknown = false;
  const out = value.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    if (name.startsWith('env:')) return env[name.slice(4)] ?? '';
    const v = vars[name];
    if (v === undefined) {
      unknown = true;
      return '';
    }
    return v;
  });
  return unknown ? undefined : out;
}

/** A type whose live objects grew in count (report.json `types[]`, or a debug session's stops). */
export interface GrowingType {
  type: string;
  countGrowth: number;
  bytesGrowth: number;
  retainedBy?: string[];
  retainedNote?: string;
}

/** A `(` that calls the type: `Frame(`, `models.Frame(`, `collections.OrderedDict(`. */
const call = (name: string) => new RegExp(`(?<![\\w.])(?:[A-Za-z_]\\w*\\.)*${escapeRegExp(name)}\\s*\\(`);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Builtin types a line makes without naming them: displays and comprehensions (strings blanked). */
const LITERALS: Record<string, RegExp> = {
  dict: /\{[^{}]*:|\{\s*\}/,
  list: /(?:^|[=(,[{:+*]|\b(?:return|yield|in|or|and|else))\s*\[/,
  set: /(?:^|[=(,[{:+*|&-]|\b(?:return|yield|in|or|and|else))\s*\{[^{}:]+\}/,
};

/**
 * The growing types a source line makes objects of, as far as its text tells: a call of the type by
 * its name (`Frame(…)`, `app.models.Frame` called as `models.Frame(…)`) or, for builtins, a
 * literal (`{…: …}` dict, `[…]` list, `b"…"` bytes). Definitions (`def`, `class`), comments and
 * strings make nothing. A heuristic on one line: an object made in a helper the line calls is not seen.
 */
export function typesAllocatedOn<T extends GrowingType>(lineText: string, types: readonly T[]): T[] {
  const { code, bytes } = blankStrings(lineText);
  if (!code.trim() || /^\s*(def|class|async\s+def)\s/.test(code)) return [];
  return types.filter((t) => {
    const name = t.type.slice(t.type.lastIndexOf('.') + 1);
    if (!/^[A-Za-z_]\w*$/.test(name)) return false;
    if (call(name).test(code)) return true;
    if (t.type !== name) return false;
    return name === 'bytes' ? bytes : LITERALS[name]?.test(code) === true;
  });
}

/**
 * A Python line with its comment cut and the insides of its strings blanked (`"a # b"` → `"     "`),
 * and whether it has a bytes literal (`b"…"`, `rb'…'`).
 */
function blankStrings(line: string): { code: string; bytes: boolean } {
  let out = '';
  let bytes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '#') break;
    if (c !== '"' && c !== "'") {
      out += c;
      continue;
    }
    if (/(?<![\w])[rR]?[bB][rR]?$/.test(out)) bytes = true;
    out += c;
    for (i++; i < line.length && line[i] !== c; i++) {
      if (line[i] === '\\') {
        i++;
        out += ' ';
      }
      out += ' ';
    }
    if (i < line.length) out += c;
  }
  return { code: out, bytes };
}

/** "+812 objects, +50.8 KB" (bytes are shallow: sys.getsizeof). */
export function typeGrowthLabel(t: GrowingType): string {
  const n = `${t.countGrowth >= 0 ? '+' : ''}${t.countGrowth.toLocaleString('en-US')}`;
  return `${n} object${Math.abs(t.countGrowth) === 1 ? '' : 's'}, ${fmtSigned(t.bytesGrowth)}`;
}

/**
 * "module __main__ (app.py) → .HANDLERS (dict) → [3] (Frame)", or why none was found; undefined
 * when no chain was searched.
 */
export function retainedText(t: GrowingType): string | undefined {
  if (t.retainedBy?.length) return t.retainedBy.join(' → ');
  if (t.retainedBy) return `not found (${t.retainedNote ?? 'no root reached'})`;
  return undefined;
}

/**
 * Markdown for a hover: a heading, then one item per type (at most `max`) with its growth and
 * what keeps one of its objects alive. [] when there is no type.
 */
export function typesMarkdown(heading: string, types: readonly GrowingType[], max = 3): string[] {
  if (!types.length) return [];
  const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
  const out = [heading, ''];
  for (const t of types.slice(0, max)) {
    const chain = t.retainedBy?.length
      ? ` — kept alive by ${t.retainedBy.map(code).join(' → ')}`
      : t.retainedBy
        ? ` — kept alive by: not found (${t.retainedNote ?? 'no root reached'})`
        : '';
    out.push(`- ${code(t.type)} ${typeGrowthLabel(t)}${chain}`);
  }
  if (types.length > max) out.push(`- … ${types.length - max} more`);
  return out;
}
