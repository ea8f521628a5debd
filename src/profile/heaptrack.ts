// Native mode: the target runs with heaptrack's preload library writing raw data to a plain file
// (the `heaptrack` script pipes it into a .zst that stays empty until exit). Each poll runs
// heaptrack_interpret + heaptrack_print on what has been written so far, so the overlay grows live.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, fstatSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { growthFromSnapshots, type Attribution, type SiteRule, type SiteSnapshot } from './lines';
import { which } from './which';

export const HEAPTRACK_INSTALL_HINT =
  process.platform === 'linux'
    ? 'install it with `sudo apt-get install heaptrack` (Debian/Ubuntu) or `sudo dnf install heaptrack` (Fedora)'
    : 'heaptrack runs on Linux only (the rss and python modes work here)';

const PLATFORM_NAMES: Partial<Record<NodeJS.Platform, string>> = { darwin: 'macOS', win32: 'Windows' };

/**
 * Why native mode cannot run on `platform`, or undefined on Linux: heaptrack preloads a shared library
 * into the target (LD_PRELOAD) and exists for Linux only.
 */
export function nativeModeUnsupported(platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'linux') return undefined;
  return (
    `native mode needs Linux and heaptrack (this is ${PLATFORM_NAMES[platform] ?? platform}). ` +
    'Use --mode rss for the RSS timeline of any program and its children, ' +
    'or --mode python for the lines that grow in a Python program.'
  );
}

export interface HeaptrackTools {
  preload: string;
  interpret: string;
  print: string;
}

export function findHeaptrack(
  pathEnv = process.env.PATH ?? '',
  platform: NodeJS.Platform = process.platform,
): HeaptrackTools | undefined {
  if (nativeModeUnsupported(platform)) return undefined;
  const script = which('heaptrack', { env: { PATH: pathEnv } });
  const print = which('heaptrack_print', { env: { PATH: pathEnv } });
  if (!script || !print) return undefined;
  // Same relative layout the heaptrack script itself uses (../lib/heaptrack).
  for (const lib of [
    join(dirname(script), '..', 'lib', 'heaptrack'),
    '/usr/lib/heaptrack',
    '/usr/lib/x86_64-linux-gnu/heaptrack',
    '/usr/lib64/heaptrack',
  ]) {
    const preload = join(lib, 'libheaptrack_preload.so');
    const interpret = join(lib, 'libexec', 'heaptrack_interpret');
    if (existsSync(preload) && existsSync(interpret))
      return { preload: resolve(preload), interpret: resolve(interpret), print };
  }
  return undefined;
}

/** True when the ELF file carries DWARF line info (or points at a separate debug file). */
export function hasDebugInfo(binary: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(binary, 'r');
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    if (head.toString('latin1') !== '\x7fELF') return false;
    // Section names live in .shstrtab near the end of the file; scan in chunks.
    const size = fstatSync(fd).size;
    const chunk = Buffer.alloc(1 << 20);
    for (let pos = 0; pos < size; pos += chunk.length - 32) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      const text = chunk.subarray(0, n).toString('latin1');
      if (text.includes('.debug_line') || text.includes('.gnu_debuglink')) return true;
      if (n < chunk.length) break;
    }
    return false;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const UNITS: Record<string, number> = { B: 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

export function parseSize(s: string): number {
  const m = /^([\d.]+)([BKMGT])?$/.exec(s.trim());
  return m ? Math.round(Number(m[1]) * (UNITS[m[2] ?? 'B'] ?? 1)) : 0;
}

export interface LeakParse {
  runtimeS: number;
  sites: Map<string, [number, number]>;
  /** Leak entries that had no frame with file:line at all (no debug info). */
  entriesWithoutLines: number;
  entries: number;
}

/**
 * Parses `heaptrack_print -l 1 -m 0` (unmerged backtraces, most recent frame first): each leak
 * goes to the first frame whose source file lies under `root`.
 */
export function parseLeaks(text: string, root: string): LeakParse {
  const prefix = resolve(root) + sep;
  const sites = new Map<string, [number, number]>();
  let entries = 0;
  let entriesWithoutLines = 0;
  let runtimeS = 0;
  let current: { bytes: number; count: number; done: boolean; anyLine: boolean } | undefined;
  const close = () => {
    if (current && !current.anyLine) entriesWithoutLines++;
    current = undefined;
  };
  for (const line of text.split('\n')) {
    const head = /^(\S+) leaked over (\d+) calls from/.exec(line);
    if (head) {
      close();
      entries++;
      current = { bytes: parseSize(head[1]), count: Number(head[2]), done: false, anyLine: false };
      continue;
    }
    const rt = /^total runtime: ([\d.]+)s/.exec(line);
    if (rt) runtimeS = Number(rt[1]);
    const at = /^\s+at (.+):(\d+)$/.exec(line);
    if (at && current) {
      current.anyLine = true;
      if (!current.done && resolve(at[1]).startsWith(prefix)) {
        const key = `${resolve(at[1])}:${at[2]}`;
        const s = sites.get(key) ?? [0, 0];
        s[0] += current.bytes;
        s[1] += current.count;
        sites.set(key, s);
        current.done = true;
      }
    }
    if (line.trim() === '') close();
  }
  close();
  return { runtimeS, sites, entries, entriesWithoutLines };
}

function run(
  cmd: string,
  args: string[],
  stdinFile?: string,
  stdoutFile?: string,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    const stdin = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const stdout = stdoutFile ? openSync(stdoutFile, 'w') : 'pipe';
    const child = spawn(cmd, args, { stdio: [stdin, stdout, 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const cleanup = () => {
      if (typeof stdin === 'number') closeSync(stdin);
      if (typeof stdout === 'number') closeSync(stdout);
    };
    child.on('error', (e) => {
      cleanup();
      done({ code: -1, out, err: err + e.message });
    });
    child.on('close', (code) => {
      cleanup();
      done({ code: code ?? -1, out, err });
    });
  });
}

export class NativeTracker {
  readonly rawPath: string;
  readonly dataPath: string;
  private readonly snapshots: SiteSnapshot[] = [];
  private polling: Promise<void> | undefined;
  private nextPollAt = 0;
  private lastParse: LeakParse | undefined;
  readonly errors: string[] = [];

  constructor(
    private readonly tools: HeaptrackTools,
    dir: string,
    private readonly root: string,
    private readonly t0Ms: number,
  ) {
    this.rawPath = join(dir, 'heaptrack.raw');
    this.dataPath = join(dir, 'heaptrack.data');
    rmSync(this.rawPath, { force: true });
  }

  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const preload = base.LD_PRELOAD ? `${this.tools.preload}:${base.LD_PRELOAD}` : this.tools.preload;
    return { ...base, LD_PRELOAD: preload, DUMP_HEAPTRACK_OUTPUT: this.rawPath };
  }

  /** Starts a poll unless one runs; spaces polls by 4× their own cost since each re-reads all data. */
  poll(): void {
    if (this.polling || Date.now() < this.nextPollAt || !existsSync(this.rawPath)) return;
    const started = Date.now();
    this.polling = this.analyse().finally(() => {
      const cost = Date.now() - started;
      this.nextPollAt = Date.now() + Math.max(1000, 4 * cost);
      this.polling = undefined;
    });
  }

  private async analyse(): Promise<void> {
    const tmp = this.dataPath + '.tmp';
    const interp = await run(this.tools.interpret, [], this.rawPath, tmp);
    if (interp.code !== 0 && !existsSync(tmp)) {
      this.errors.push(`heaptrack_interpret failed: ${interp.err.trim()}`);
      return;
    }
    renameSync(tmp, this.dataPath);
    const printed = await run(this.tools.print, [
      '-f',
      this.dataPath,
      '-l',
      '1',
      '-p',
      '0',
      '-a',
      '0',
      '-T',
      '0',
      '-m',
      '0',
      '-n',
      '1000',
    ]);
    if (printed.code !== 0) {
      this.errors.push(`heaptrack_print failed: ${printed.err.trim()}`);
      return;
    }
    const parsed = parseLeaks(printed.out, this.root);
    this.lastParse = parsed;
    const tS = parsed.runtimeS || (Date.now() - this.t0Ms) / 1000;
    this.snapshots.push({ tS, sites: parsed.sites });
  }

  get snapshotCount(): number {
    return this.snapshots.length;
  }

  attribution(rule: SiteRule, warmupS: number): Attribution {
    return growthFromSnapshots(this.snapshots, rule, warmupS);
  }

  /** True when heaptrack saw leaks but none had file:line (binary or libraries without debug info). */
  get lacksLineInfo(): boolean {
    const p = this.lastParse;
    return p !== undefined && p.entries > 0 && p.entriesWithoutLines === p.entries;
  }

  /** After exit: one last, complete analysis; keeps heaptrack.data (readable by heaptrack_print), drops the raw file. */
  async finish(): Promise<void> {
    if (this.polling) await this.polling;
    if (existsSync(this.rawPath)) {
      await this.analyse();
      rmSync(this.rawPath, { force: true });
    }
  }
}
