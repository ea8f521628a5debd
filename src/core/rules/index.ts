// The built-in rules. One rule per file, named after its id.
import type { Rule } from '../rule';
import { cleanupInLoop } from './cleanup-in-loop';
import { growingGlobal } from './growing-global';
import { measuredLeak } from './measured-leak';
import { rawCResource } from './raw-c-resource';
import { resourceWithoutContext } from './resource-without-context';
import { unboundedCache } from './unbounded-cache';
import { unboundedQueue } from './unbounded-queue';

export const BUILTIN_RULES: Rule[] = [
  cleanupInLoop,
  rawCResource,
  unboundedQueue,
  unboundedCache,
  resourceWithoutContext,
  growingGlobal,
  measuredLeak,
];

export const RULE_IDS = BUILTIN_RULES.map((r) => r.id);
