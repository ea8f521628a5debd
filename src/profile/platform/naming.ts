// Names a process as the user knows it, from its command line: `python3 app.py` is `app.py`, not
// `python3` (nor macOS's `…/Python.app/Contents/MacOS/Python`, nor Windows's `python.exe`).
// LeakLens's own runner is looked through to the script it runs.

/** python, python3, python3.12, pythonw, python3.12d, Python (macOS framework), py (Windows launcher). */
const PYTHON = /^(python(\d+(\.\d+)*)?[wd]?|pyw?)(\.exe)?$/i;
const RUNNER = 'leaklens_runner.py';

/** The last component of a path, for `/` and `\` alike. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1) || path;
}

/**
 * The name of a process whose arguments are `argv` (empty: not readable). `program` is the listing's
 * own program name (Windows `Name`), used when the program is not Python or `argv` is empty.
 * `spaced`: `argv` was split at spaces from a joined command line (`ps`), so a path may be in pieces.
 */
export function processName(argv: readonly string[], program?: string, spaced = false): string {
  const fallback = program || (argv.length ? baseName(argv[0]) : '?');
  if (argv.length === 0 || !PYTHON.test(baseName(argv[0]))) return fallback;
  return pythonTarget(argv.slice(1), spaced) ?? fallback;
}

/** What a Python interpreter runs, from its arguments: the script's name or `-m`'s module; else undefined. */
function pythonTarget(args: readonly string[], spaced: boolean): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return scriptName(args, i + 1, spaced);
    if (a === '-' || a.startsWith('--')) return undefined; // stdin, --version, --help…
    if (!a.startsWith('-')) return scriptName(args, i, spaced);
    // Flags may be grouped (-uB); -c, -m, -W and -X take the rest or the next argument.
    for (let k = 1; k < a.length; k++) {
      const flag = a[k];
      if (!'cmWX'.includes(flag)) continue;
      const value = k + 1 < a.length ? a.slice(k + 1) : args[++i];
      if (flag === 'c') return undefined;
      if (flag === 'm') return value;
      break;
    }
  }
  return undefined;
}

function scriptName(args: readonly string[], i: number, spaced: boolean): string | undefined {
  if (i >= args.length) return undefined;
  let end = i;
  // `ps` joins argv with spaces: "/Users/me/My Project/app.py" arrives as "/Users/me/My", "Project/app.py".
  if (spaced && !/\.pyw?$/i.test(args[i])) {
    for (let j = i + 1; j < args.length && !args[j].startsWith('-'); j++) {
      if (/\.pyw?$/i.test(args[j])) {
        end = j;
        break;
      }
    }
  }
  const script = args.slice(i, end + 1).join(' ');
  if (baseName(script) === RUNNER) {
    const dash = args.indexOf('--', end + 1);
    return dash < 0 ? undefined : pythonTarget(args.slice(dash + 1), spaced);
  }
  return baseName(script);
}

/**
 * Splits a command line `ps` printed (arguments joined by single spaces). An executable inside a macOS
 * bundle keeps its spaces: `/Applications/Visual Studio Code.app/Contents/MacOS/Electron --x` starts
 * with `…/Electron`, and the bundle's main executable usually has the bundle's name
 * (`…/Google Chrome.app/Contents/MacOS/Google Chrome`).
 */
export function splitPsCommand(command: string): string[] {
  const bundle = /^(\/[^]*?\/([^/]+)\.app\/Contents\/MacOS\/)([^]*)$/.exec(command);
  if (bundle && !/ [/-]/.test(bundle[1])) {
    const [, dir, app, rest] = bundle;
    const exe = rest === app || rest.startsWith(`${app} `) ? app : rest.split(' ')[0];
    return [dir + exe, ...words(rest.slice(exe.length))];
  }
  return words(command);
}

const words = (s: string) => s.split(' ').filter((w) => w !== '');

/**
 * Splits a Windows command line as the C runtime (CommandLineToArgvW) does: spaces separate outside
 * double quotes; 2n backslashes before a quote are n backslashes and the quote delimits, 2n+1 are n
 * and a literal quote; other backslashes are literal. The program name (first) ends at its closing quote.
 */
export function splitWindowsCommand(command: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = command.length;
  const skipSpace = () => {
    while (i < n && (command[i] === ' ' || command[i] === '\t')) i++;
  };
  skipSpace();
  if (i >= n) return out;
  // The program: quoted up to the next quote, else up to whitespace; no escapes.
  if (command[i] === '"') {
    const close = command.indexOf('"', i + 1);
    out.push(command.slice(i + 1, close < 0 ? n : close));
    i = close < 0 ? n : close + 1;
  } else {
    const start = i;
    while (i < n && command[i] !== ' ' && command[i] !== '\t') i++;
    out.push(command.slice(start, i));
  }
  for (;;) {
    skipSpace();
    if (i >= n) return out;
    let arg = '';
    let quoted = false;
    while (i < n && (quoted || (command[i] !== ' ' && command[i] !== '\t'))) {
      let slashes = 0;
      while (command[i] === '\\') {
        slashes++;
        i++;
      }
      if (command[i] === '"') {
        arg += '\\'.repeat(slashes >> 1);
        if (slashes % 2) arg += '"';
        else if (quoted && command[i + 1] === '"') {
          arg += '"'; // "" inside quotes: a literal quote (msvcrt since 2008)
          i++;
        } else quoted = !quoted;
        i++;
      } else {
        arg += '\\'.repeat(slashes);
        if (i < n && (quoted || (command[i] !== ' ' && command[i] !== '\t'))) arg += command[i++];
      }
    }
    out.push(arg);
  }
}
