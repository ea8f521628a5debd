// What every platform's process listing is parsed into, and the one way a tree is read from it.

/** One process of a listing (`ps`, PowerShell, wmic), as its parser reads it. */
export interface ProcRecord {
  pid: number;
  ppid: number;
  /** Resident set (Windows: working set), bytes, when the listing has it. */
  rssBytes?: number;
  /** The name the user knows the process by: the script of `python app.py`, else the program. */
  name: string;
  /** The program's own name (`python3`, `python.exe`), when the listing shows it. */
  exe?: string;
  /** The command line as listed (absent when the listing may not read it, e.g. another user's). */
  command?: string;
  /** State letter when the listing has one (`ps`: R, S, Z for a zombie…). */
  state?: string;
  /** Creation time, ms since the epoch, when the listing has it (Windows): tells a reused pid apart. */
  startMs?: number;
}

export interface TreeNode {
  pid: number;
  ppid: number;
  startMs?: number;
}

/**
 * `root` and all its descendants (any depth), root first, breadth first; [] when `root` is not listed.
 * A process created before the one holding its parent pid is not that process's child: Windows keeps
 * a dead parent's pid in ParentProcessId, and the pid may have been reused since.
 * `fresh` re-reads a member as it is reached (undefined: it is gone, and so is its part of the tree).
 */
export function treeOf<T extends TreeNode>(
  nodes: Iterable<T>,
  root: number,
  fresh: (node: T) => T | undefined = (n) => n,
): T[] {
  const byPid = new Map<number, T>();
  const byParent = new Map<number, T[]>();
  for (const n of nodes) {
    byPid.set(n.pid, n);
    const list = byParent.get(n.ppid);
    if (list) list.push(n);
    else byParent.set(n.ppid, [n]);
  }
  const first = byPid.get(root);
  const top = first && fresh(first);
  if (!top) return [];
  const out = [top];
  const seen = new Set([root]);
  for (let i = 0; i < out.length; i++) {
    const parent = out[i];
    for (const child of byParent.get(parent.pid) ?? []) {
      if (seen.has(child.pid)) continue; // pid 0 is its own parent on Windows; stale ppids can loop
      if (child.startMs !== undefined && parent.startMs !== undefined && child.startMs < parent.startMs) continue;
      seen.add(child.pid);
      const now = fresh(child);
      if (now) out.push(now);
    }
  }
  return out;
}
