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
  /**
   * Whether the resource can still be held after `cond` went the way `edge` says; for a switch's
   * `case` edge, `to` is the case entered (its node the label's value, none for `default`).
   */
  heldAlong(cond: Node, edge: EdgeKind, to?: CfgBlock): boolean;
  /**
   * Whether coming back to the acquisition through a loop counts as overwriting the resource. Only
   * when the acquisition runs on every iteration: one in a branch (`case 'o': out = strdup(arg)`)
   * runs again only if the input repeats itself.
   */
  overwriteOnLoop: boolean;
  /**
   * Facts about other variables carried along each path as a bit mask (`res` still NULL since its
   * declaration): a condition on them may rule out one way (`if (res == NULL)` when nothing set it).
   */
  facts?: PathFacts;
}

export interface PathFacts {
  /** How many low bits of the fact mask these facts use (packFacts puts several side by side). */
  bits?: number;
  /** The facts that hold right after the acquisition. */
  initial: number;
  /** The facts after `block` ran, from those before it. */
  transfer(block: CfgBlock, facts: number): number;
  /** Whether `cond` can go the way `edge` says under `facts`. */
  feasible(cond: Node, edge: EdgeKind, facts: number): boolean;
  /** The facts learnt from `cond` having gone the way `edge` says (`if (surface)`: non-null there). */
  refine(cond: Node, edge: EdgeKind, facts: number): number;
  /** Whether `cond`'s left side decides it under `facts`, so its right side (`a && f(p)`) never runs. */
  skipsRight?(cond: Node, facts: number): boolean;
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
  interface State {
    block: CfgBlock;
    facts: number;
  }
  const facts = resource.facts;
  const parent = new Map<number, State | null>();
  // One number per (block, facts): facts use 32 bits, block ids stay far below 2^21.
  const keyOf = (b: CfgBlock, f: number) => b.id * 4294967296 + (f >>> 0);
  const queue: State[] = [];
  // A block is reached once per set of facts: what it does to the resource is the same each time.
  const effects = new Map<CfgBlock, Effect>();
  const start = resource.acquireBlock;
  const push = (to: CfgBlock, f: number, from: State | null) => {
    const k = keyOf(to, f);
    if (parent.has(k)) return;
    parent.set(k, from);
    queue.push({ block: to, facts: f });
  };
  // What a condition says of the resource itself does not depend on the facts: asked once per edge.
  const held = new Map<string, boolean>();
  const heldAlong = (block: CfgBlock, cond: Node, edge: EdgeKind, to: CfgBlock) => {
    const key = edge === 'case' ? `${block.id}:case:${to.id}` : `${block.id}:${edge}`;
    let h = held.get(key);
    if (h === undefined) held.set(key, (h = resource.heldAlong(cond, edge, to)));
    return h;
  };
  const follow = (from: State) => {
    const after = facts && from.block !== start ? facts.transfer(from.block, from.facts) : from.facts;
    for (const e of from.block.succ) {
      let along = after;
      if (from.block.kind === 'cond' && from.block.node) {
        if (!heldAlong(from.block, from.block.node, e.kind, e.to)) continue;
        if (facts && !facts.feasible(from.block.node, e.kind, after)) continue;
        if (facts) along = facts.refine(from.block.node, e.kind, after);
      }
      push(e.to, along, from.block === start ? null : from);
    }
  };
  follow({ block: start, facts: facts?.initial ?? 0 });
  const pathTo = (st: State): CfgBlock[] => {
    const out: CfgBlock[] = [];
    for (let cur: State | null | undefined = st; cur; cur = parent.get(keyOf(cur.block, cur.facts)))
      if (cur.block.node) out.unshift(cur.block);
    return out;
  };
  // Exits found while walking; a return path is a better witness than falling off the end.
  while (queue.length) {
    const st = queue.shift()!;
    const b = st.block;
    if (b.kind === 'exit') {
      if (b.exitKind === 'noreturn') continue;
      const prev = parent.get(keyOf(b, st.facts)) ?? null;
      return {
        kind: b.exitKind === 'throw' ? 'throw' : 'exit',
        at: prev?.block ?? b,
        path: prev ? pathTo(prev) : [],
      };
    }
    if (b === start) {
      if (!resource.overwriteOnLoop) continue;
      // Back at the acquisition with the old resource still held: it is overwritten.
      const prev = parent.get(keyOf(b, st.facts)) ?? null;
      return { kind: 'overwrite', at: b, path: prev ? pathTo(prev) : [] };
    }
    let effect = effects.get(b);
    if (effect === undefined) effects.set(b, (effect = b.kind === 'entry' ? 'none' : resource.effect(b)));
    if (effect === 'release' || effect === 'escape') continue;
    if (effect === 'reacquire' && !(b.node && facts?.skipsRight?.(b.node, st.facts)))
      return { kind: 'overwrite', at: b, path: pathTo(st) };
    follow(st);
  }
  return undefined;
}

/** Most bits a fact mask may use: the search keys (block, facts) into one exact double. */
export const FACT_BITS = 32;

/** Several sets of path facts side by side in one mask, each in its own `bits` (16 when not said). */
export function packFacts(list: Array<PathFacts | undefined>): PathFacts | undefined {
  const parts: Array<{ facts: PathFacts; shift: number; mask: number }> = [];
  let shift = 0;
  for (const facts of list) {
    if (!facts) continue;
    const bits = facts.bits ?? 16;
    if (shift + bits > FACT_BITS) throw new Error(`path facts need ${shift + bits} bits, more than ${FACT_BITS}`);
    parts.push({ facts, shift, mask: bits >= 32 ? 0xffffffff : (1 << bits) - 1 });
    shift += bits;
  }
  if (parts.length <= 1) return parts[0]?.facts;
  const get = (f: number, p: (typeof parts)[number]) => (f >>> p.shift) & p.mask;
  // Plain loops: these run for every state the path search visits.
  const pack = (values: (p: (typeof parts)[number]) => number) => {
    let m = 0;
    for (const p of parts) m |= (values(p) & p.mask) << p.shift;
    return m >>> 0;
  };
  return {
    bits: shift,
    initial: pack((p) => p.facts.initial),
    transfer: (block, f) => pack((p) => p.facts.transfer(block, get(f, p))),
    feasible: (cond, edge, f) => {
      for (const p of parts) if (!p.facts.feasible(cond, edge, get(f, p))) return false;
      return true;
    },
    refine: (cond, edge, f) => pack((p) => p.facts.refine(cond, edge, get(f, p))),
    skipsRight: (cond, f) => parts.some((p) => p.facts.skipsRight?.(cond, get(f, p)) ?? false),
  };
}
