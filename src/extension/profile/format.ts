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
