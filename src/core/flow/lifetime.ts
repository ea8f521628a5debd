// Path-sensitive resource lifetimes over a CFG (cfg.ts). A resource is held from its acquisition;
// each block either releases it, lets it escape (returned, stored, adopted), re-acquires it while
// held (the old one is lost), or leaves it alone. Conditions refine the state along their edges
// (`if (!p) return;`: nothing is held on the return path). A path from the acquisition to an exit
// with the resource still held is a leak; the search returns the shortest such path as a witness.
import type { Node } from 'web-tree-sitter';
import type { Cfg, CfgBlock, EdgeKind } from './cfg';

export type Effect = 'release' | 'escape' | 'reacquire' | 'none';

export interface TrackedResource {
  /** The block whose statement or condition acquires the resource. */
  acquireBlock: CfgBlock;
  /** What a block does to the resource (never called for the acquiring block itself). */
  effect(block: CfgBlock): Effect;
  /** Whether the resource can still be held after `cond` went the way `edge` says. */
  heldAlong(cond: Node, edge: EdgeKind): boolean;
  /**
   * Whether coming back to the acquisition through a loop counts as overwriting the resource. Only
   * when the acquisition runs on every iteration: one in a branch (`case 'o': out = strdup(arg)`)
   * runs again only if the input repeats itself.
   */
  overwriteOnLoop: boolean;
}

export interface LeakPath {
  /** exit: left the function; throw: an uncaught throw/raise; overwrite: acquired again while held. */
  kind: 'exit' | 'throw' | 'overwrite';
  /** The block where it happens: the return/throw/end statement, or the re-acquisition. */
  at: CfgBlock;
  /** Blocks with a node along the path, from the acquisition (excluded) to `at`. */
  path: CfgBlock[];
}

/** Follows `resource` from its acquisition; the first leaking path found (breadth first), if any. */
export function findLeakPath(cfg: Cfg, resource: TrackedResource): LeakPath | undefined {
  const parent = new Map<CfgBlock, CfgBlock | null>();
  const queue: CfgBlock[] = [];
  const start = resource.acquireBlock;
  const push = (to: CfgBlock, from: CfgBlock | null) => {
    if (parent.has(to)) return;
    parent.set(to, from);
    queue.push(to);
  };
  const follow = (from: CfgBlock) => {
    for (const e of from.succ) {
      if (from.kind === 'cond' && from.node && !resource.heldAlong(from.node, e.kind)) continue;
      push(e.to, from === start ? null : from);
    }
  };
  follow(start);
  const pathTo = (b: CfgBlock): CfgBlock[] => {
    const out: CfgBlock[] = [];
    for (let cur: CfgBlock | null | undefined = b; cur; cur = parent.get(cur)) if (cur.node) out.unshift(cur);
    return out;
  };
  // Exits found while walking; a return path is a better witness than falling off the end.
  while (queue.length) {
    const b = queue.shift()!;
    if (b.kind === 'exit') {
      if (b.exitKind === 'noreturn') continue;
      const prev = parent.get(b) ?? null;
      return { kind: b.exitKind === 'throw' ? 'throw' : 'exit', at: prev ?? b, path: prev ? pathTo(prev) : [] };
    }
    if (b === start) {
      if (!resource.overwriteOnLoop) continue;
      // Back at the acquisition with the old resource still held: it is overwritten.
      const prev = parent.get(b) ?? null;
      return { kind: 'overwrite', at: b, path: prev ? pathTo(prev) : [] };
    }
    const effect = b.kind === 'entry' ? 'none' : resource.effect(b);
    if (effect === 'release' || effect === 'escape') continue;
    if (effect === 'reacquire') return { kind: 'overwrite', at: b, path: pathTo(b) };
    follow(b);
  }
  return undefined;
}
