// The target's process tree: read from /proc on Linux, from the platform's process listing elsewhere
// (`ps` on macOS and the BSDs, PowerShell or wmic on Windows; see ./platform). Used to sample children
// (seed 001/003 workers) and to kill the whole tree on cancel so no orphan is left behind.
import { readFileSync, readdirSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { listProcesses, listProcessesSync } from './platform/list';
import { processName } from './platform/naming';
import { treeOf, type ProcRecord } from './platform/records';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** Kernel state letter: R, S, D, Z (zombie), T, X…; '?' where the listing has none (Windows). */
  state: string;
  /**
   * Start time in clock ticks since boot: with the pid, identifies a process despite pid reuse. Off
   * Linux the creation time in ms where the listing has it (Windows), else 0 (no check).
   */
  startTicks: number;
  /**
   * The name the user knows the process by: the script of `python3 app.py` (`app.py`), from its
   * command line. readStat() alone gives the kernel's name (comm, `python3`); the tree functions
   * name their members (see commandName).
   */
  name: string;
  /** The executable's name (Linux: comm, at most 15 characters), when known; old reports' `name`. */
  exe?: string;
  /** utime + stime, in clock ticks (Linux; 0 elsewhere, where the sampler asks pidusage). */
  cpuTicks: number;
  /** Resident set size, in pages (Linux; 0 elsewhere, see rssBytes). */
  rssPages: number;
  /** Off Linux: the listing's resident set (Windows: working set), bytes. */
  rssBytes?: number;
  /** Off Linux: the command line the listing shows. */
  command?: string;
}

function fromRecord(r: ProcRecord): ProcStat {
  return {
    pid: r.pid,
    ppid: r.ppid,
    state: r.state ?? '?',
    startTicks: r.startMs ?? 0,
    name: r.name,
    ...(r.exe !== undefined ? { exe: r.exe } : {}),
    cpuTicks: 0,
    rssPages: 0,
    rssBytes: r.rssBytes,
    command: r.command,
  };
}

/** Off Linux: `pid` alone, from the platform's listing (blocking; one process is asked about). */
function listedStat(pid: number, platform: NodeJS.Platform): ProcStat | undefined {
  try {
    const r = listProcessesSync(platform, pid).find((p) => p.pid === pid);
    return r && fromRecord(r);
  } catch {
    return undefined;
  }
}

/** The process's status; on Linux named by the kernel (comm: `python3`), elsewhere by its command line. */
export function readStat(pid: number): ProcStat | undefined {
  if (process.platform !== 'linux') return listedStat(pid, process.platform);
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name sits in parentheses and may itself contain spaces or ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  const comm = text.slice(open + 1, close);
  return {
    pid,
    name: comm,
    exe: comm,
    state: rest[0],
    ppid: Number(rest[1]),
    startTicks: Number(rest[19]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    rssPages: Number(rest[21]),
  };
}

export function isAlive(pid: number): boolean {
  if (process.platform !== 'linux') return signalZero(pid);
  const st = readStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** The process exists (ours or not): signal 0 checks without signalling. */
function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (st) out.push(st);
  }
  return out;
}

/** `root` and all its descendants (any depth), root first, named; zombies included (callers filter). */
export function processTree(root: number): ProcStat[] {
  if (process.platform !== 'linux') return treeOf(listProcessesSync(process.platform), root).map(fromRecord);
  return treeOf(allStats(), root).map(named);
}

/** Names by (pid, start time, comm): a command line is read once per process, again after an exec(). */
const commandNames = new Map<number, { startTicks: number; comm: string; name: string }>();

/** Linux: the argv of a process from /proc/<pid>/cmdline; [] when it cannot be read (gone, a kernel thread). */
export function readCmdline(pid: number): string[] {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    return argv;
  } catch {
    return [];
  }
}

/**
 * Linux: the name the user knows a process by (`app.py` for `python3 app.py`, see processName), from
 * its command line, cached per (pid, start time); an exec() (the comm changes) reads it again. The
 * kernel's comm when the command line is empty (a zombie, a kernel thread) or unreadable.
 */
export function commandName(st: ProcStat, read: (pid: number) => string[] = readCmdline): string {
  const comm = st.exe ?? st.name;
  const hit = commandNames.get(st.pid);
  if (hit && hit.startTicks === st.startTicks && hit.comm === comm) return hit.name;
  const argv = read(st.pid);
  if (argv.length === 0) return comm; // a zombie or kernel thread: nothing to name it by
  const name = processName(argv, undefined) || comm;
  if (commandNames.size >= 4096) commandNames.clear(); // pids of processes long gone
  commandNames.set(st.pid, { startTicks: st.startTicks, comm, name });
  return name;
}

/** A /proc reading named by its command line (the executable's name kept in `exe`). */
function named(st: ProcStat): ProcStat {
  return { ...st, exe: st.exe ?? st.name, name: commandName(st) };
}

/**
 * processTree() for every sample, cheaper. On Linux a process's parent only changes when that parent
 * dies, so /proc/<pid>/stat is read once for processes outside the tree and every time only for the
 * tree's members (whose state and name we need anyway). Elsewhere listing every process costs a
 * `ps` (~20 ms) or a PowerShell (~1 s on Windows): the first sample waits for one listing, later
 * ones use the newest listing while the next runs in the background, so the tree may be one listing
 * old (the sampler reads each member's RSS itself, through pidusage).
 */
export class ProcScanner {
  private readonly known = new Map<number, ProcStat>();
  private listing: ProcRecord[] | undefined;
  private refreshing = false;

  constructor(private readonly platform: NodeJS.Platform = process.platform) {}

  tree(root: number): ProcStat[] {
    if (this.platform !== 'linux') return this.listed(root);
    const present = new Set<number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      present.add(pid);
      if (!this.known.has(pid)) {
        const st = readStat(pid);
        if (st) this.known.set(pid, st);
      }
    }
    for (const pid of this.known.keys()) if (!present.has(pid)) this.known.delete(pid);
    return treeOf(this.known.values(), root, (old) => {
      const st = readStat(old.pid);
      if (!st) return undefined;
      this.known.set(st.pid, st);
      return named(st);
    });
  }

  private listed(root: number): ProcStat[] {
    if (!this.listing) this.listing = listProcessesSync(this.platform);
    else if (!this.refreshing) {
      this.refreshing = true;
      listProcesses(this.platform)
        .then(
          (l) => (this.listing = l),
          () => (this.listing = undefined), // the next sample lists again, and says why it cannot
        )
        .finally(() => (this.refreshing = false));
    }
    return treeOf(this.listing, root).map(fromRecord);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone, or not ours: nothing to do.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops `root`'s tree plus any `extra` processes seen earlier (children that were re-parented
 * after their parent died). Collects the tree before signalling, since killing a parent re-parents
 * its children; SIGTERM first, SIGKILL for what is left after `graceMs` (on Windows both terminate).
 */
export async function killTree(
  root: number,
  extra: readonly ProcStat[] = [],
  graceMs = 1500,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  const linux = platform === 'linux';
  let now: (pid: number) => ProcStat | undefined = readStat;
  let tree: ProcStat[];
  if (linux) tree = treeOf(allStats(), root);
  else {
    let listed: ProcStat[] = [];
    try {
      listed = listProcessesSync(platform).map(fromRecord);
    } catch {
      // No listing: the root alone, which we started (or were given).
    }
    const byPid = new Map(listed.map((st) => [st.pid, st]));
    now = (pid) => byPid.get(pid);
    tree = treeOf(listed, root);
  }
  const victims = new Map<number, ProcStat>();
  for (const st of [...tree, ...extra]) {
    const cur = now(st.pid);
    if (cur && cur.startTicks === st.startTicks) victims.set(st.pid, cur);
  }
  const alive = (v: ProcStat) => (linux ? sameAlive(v) : signalZero(v.pid));
  // The target runs in its own process group (spawned detached): reach it as a whole too.
  const group = platform !== 'win32';
  if (group) signal(-root, 'SIGTERM');
  else if (!victims.has(root)) signal(root, 'SIGTERM');
  for (const pid of victims.keys()) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && [...victims.values()].some(alive)) await sleep(50);
  if (group) signal(-root, 'SIGKILL');
  for (const v of victims.values()) if (alive(v)) signal(v.pid, 'SIGKILL');
}

function sameAlive(v: ProcStat): boolean {
  const now = readStat(v.pid);
  return now !== undefined && now.startTicks === v.startTicks && now.state !== 'Z' && now.state !== 'X';
}

/**
 * Ties the target's process group to this process's life: a tiny `sh` in a group of its own reads a
 * pipe that only we hold. If LeakLens dies in any way (SIGKILL included: the kernel closes the pipe)
 * the read returns and the sentinel kills the whole group, so a profiled program never outlives its
 * profiler. `release()` on a normal end (the group is already stopped) lets the sentinel go quietly.
 * Windows has neither process groups to kill nor `sh`: no sentinel there.
 */
export function guardProcessGroup(pgid: number, platform: NodeJS.Platform = process.platform): { release(): void } {
  if (platform === 'win32') return { release: () => undefined };
  let sentinel: ChildProcess | undefined;
  try {
    sentinel = spawn(
      'sh',
      [
        '-c',
        'read _ignored; [ "$_ignored" = release ] || kill -KILL "-$1" 2>/dev/null',
        'leaklens-sentinel',
        String(pgid),
      ],
      {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    sentinel.on('error', () => undefined);
    sentinel.unref();
    (sentinel.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    sentinel = undefined; // no sh: the normal stop paths still kill the tree
  }
  return {
    release() {
      try {
        sentinel?.stdin?.end('release\n');
      } catch {
        // already gone
      }
    },
  };
}
