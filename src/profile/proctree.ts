// The target's process tree, read from /proc (Linux). Used to sample children (seed 001/003
// workers) and to kill the whole tree on cancel so no orphan is left behind.
import { readFileSync, readdirSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** Kernel state letter: R, S, D, Z (zombie), T, X… */
  state: string;
  /** Start time in clock ticks since boot: with the pid, identifies a process despite pid reuse. */
  startTicks: number;
  name: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** Resident set size, in pages. */
  rssPages: number;
}

export function readStat(pid: number): ProcStat | undefined {
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
  return {
    pid,
    name: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    startTicks: Number(rest[19]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    rssPages: Number(rest[21]),
  };
}

export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
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

/** `root` and all its descendants (any depth), root first; zombies included (callers filter). */
export function processTree(root: number): ProcStat[] {
  const stats = allStats();
  const byParent = new Map<number, ProcStat[]>();
  let rootStat: ProcStat | undefined;
  for (const st of stats) {
    if (st.pid === root) rootStat = st;
    const list = byParent.get(st.ppid) ?? [];
    list.push(st);
    byParent.set(st.ppid, list);
  }
  if (!rootStat) return [];
  const out = [rootStat];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i].pid) ?? []));
  return out;
}

/**
 * processTree() for every sample, cheaper: a process's parent only changes when that parent dies,
 * so /proc/<pid>/stat is read once for processes outside the tree and every time only for the
 * tree's members (whose state and name we need anyway).
 */
export class ProcScanner {
  private readonly known = new Map<number, ProcStat>();

  tree(root: number): ProcStat[] {
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
    const byParent = new Map<number, number[]>();
    for (const st of this.known.values()) {
      const list = byParent.get(st.ppid) ?? [];
      list.push(st.pid);
      byParent.set(st.ppid, list);
    }
    const out: ProcStat[] = [];
    const queue = [root];
    while (queue.length) {
      const pid = queue.shift()!;
      const st = readStat(pid);
      if (!st) continue;
      this.known.set(pid, st);
      out.push(st);
      queue.push(...(byParent.get(pid) ?? []));
    }
    return out;
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
 * its children; SIGTERM first, SIGKILL for what is left after `graceMs`.
 */
export async function killTree(root: number, extra: readonly ProcStat[] = [], graceMs = 1500): Promise<void> {
  const victims = new Map<number, ProcStat>();
  for (const st of [...processTree(root), ...extra]) {
    const now = readStat(st.pid);
    if (now && now.startTicks === st.startTicks) victims.set(st.pid, now);
  }
  // The target runs in its own process group (spawned detached): reach it as a whole too.
  signal(-root, 'SIGTERM');
  for (const pid of victims.keys()) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && [...victims.values()].some((v) => sameAlive(v))) await sleep(50);
  signal(-root, 'SIGKILL');
  for (const v of victims.values()) if (sameAlive(v)) signal(v.pid, 'SIGKILL');
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
 */
export function guardProcessGroup(pgid: number): { release(): void } {
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
