// measured-leak: a leak a tool measured while the program ran — LeakSanitizer, Valgrind memcheck, or
// a LeakLens profile — placed at the first frame of its allocation stack inside the project. It
// does not look at the source: its findings come from `leaklens import` and `check --evidence`
// (src/profile/measured.ts), and it exists here so that it has an id, a doc, a severity setting and
// a place in SARIF like every other rule.
import { defineRule } from '../rule';

export const measuredLeak = defineRule({
  id: 'measured-leak',
  summary:
    'Memory a sanitizer, Valgrind or a LeakLens profile measured as leaked (or growing) at this allocation site, where no static rule has a finding.',
  languages: ['cpp', 'python'],
  defaultSeverity: 'warning',
  query: {},
  captures: {},
  // Never matches source text: the findings are made from reports, not from the tree.
  mayMatch: () => false,
  check() {},
});
