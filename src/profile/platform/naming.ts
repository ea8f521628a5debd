// Names a process as the user knows it, from its command line: `python3 app.py` is `app.py`, not
// `python3` (nor macOS's `…/Python.app/Contents/MacOS/Python`, nor Windows's `python.exe`).
// LeakLens's own runner is looked through to the script it runs, and so are the wrappers a Python
// program may start under: a shell running a script (`bash run.sh` is `run.sh`), `env`, and pyenv
// (its shims are shell scripts named `python3` that run `pyenv exec python3 app.py`, then
// `pyenv-exec python3 app.py`, before the interpreter: all of them are `app.py`).

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
  return (argv.length ? runs(argv, spaced, 0) : undefined) ?? fallback;
}

/** sh, bash, dash, zsh, ksh, mksh, fish (a login shell's `-bash` has no script). */
const SHELL = /^(ba|da|z|k|mk|fi)?sh(\.exe)?$/i;

/**
 * What the command `argv` runs, named as the user knows it, when its program is an interpreter or a
 * wrapper (Python, a shell, env, pyenv); undefined when the program itself is the name.
 */
function runs(argv: readonly string[], spaced: boolean, depth: number): string | undefined {
  const program = baseName(argv[0]);
  const args = argv.slice(1);
  if (PYTHON.test(program)) return pythonTarget(args, spaced);
  if (depth > 4) return undefined;
  const inner = (i: number | undefined) =>
    i === undefined || i >= args.length ? undefined : (runs(args.slice(i), spaced, depth + 1) ?? baseName(args[i]));
  if (program === 'env') return inner(envCommand(args));
  if (program === 'pyenv') return args[0] === 'exec' ? inner(1) : undefined;
  if (program === 'pyenv-exec') return inner(0); // what `pyenv exec` runs next
  if (SHELL.test(program)) return inner(shellScript(args));
  return undefined;
}

/** `env [-i] [-u NAME] [NAME=value]… COMMAND`: where COMMAND starts. */
function envCommand(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-u' || a === '--unset' || a === '-C' || a === '--chdir') i++;
    else if (a === '-S' || a.startsWith('--split-string'))
      return undefined; // a string to split: not argv
    else if (!a.startsWith('-') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) return i;
  }
  return undefined;
}

/** A shell's script argument (`bash -e run.sh`); undefined for `-c`, `-s` and an interactive shell. */
function shellScript(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return i + 1;
    if (a === '-' || a === '+') return undefined;
    if (a === '--rcfile' || a === '--init-file') i++;
    else if (a.startsWith('--')) continue;
    else if (a.startsWith('-') || a.startsWith('+')) {
      if (a[0] === '-' && /[cs]/.test(a)) return undefined; // -c COMMAND, -s (stdin)
      if (/[oO]$/.test(a)) i++; // -o pipefail, +O extglob
    } else return i;
  }
  return undefined;
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
