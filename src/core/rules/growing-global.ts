// growing-global: a module-level (or class-level) list/dict/set that functions add to and that
// nothing ever removes from: it grows for the life of the process (seed 004's registry of views).
import { CONTAINER_ASSIGNMENT, isMemo, longLivedContainers, onlyGrows } from '../python/module-state';
import type { Rule } from '../rule';

export const growingGlobal: Rule = {
  id: 'growing-global',
  summary: 'A module- or class-level container that functions only ever add to: it grows for the life of the process.',
  languages: ['python'],
  defaultSeverity: 'warning',
  // No query: the module-state analysis finds top-level and class-level containers itself.
  query: {},
  mayMatch: (text) => CONTAINER_ASSIGNMENT.test(text),
  check() {},
  checkFile(ctx) {
    for (const c of longLivedContainers(ctx)) {
      if (!onlyGrows(c) || isMemo(c)) continue; // memos are unbounded-cache's
      const where = c.owner ? `class attribute \`${c.owner}.${c.name}\` (shared by every instance)` : `module-level ${c.kind} \`${c.name}\``;
      ctx.report({
        at: c.assignment,
        message: `${where} is only ever added to (${c.adds.length} place${c.adds.length > 1 ? 's' : ''}) and never removed from: everything put in it stays alive for the life of the process. Remove entries when done, bound it, or hold weak references.`,
        related: c.adds.slice(0, 5).map((a) => ({ at: a, message: 'added to here' })),
      });
    }
  },
};
