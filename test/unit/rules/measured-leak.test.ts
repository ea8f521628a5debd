// measured-leak: made from reports, never from source; one finding per allocation site, the
// strongest kind first; the static finding on the same line takes the measurement as evidence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachEvidence, measuredFindings } from '../../../src/profile/measured';
import type { MeasuredLeak } from '../../../src/profile/reports';
import { findings } from '../helpers';

const leak = (over: Partial<MeasuredLeak>): MeasuredLeak => ({
  source: 'LeakSanitizer',
  kind: 'direct',
  bytes: 64,
  blocks: 1,
  stack: [{ function: 'make()', file: '/proj/a.cpp', line: 3 }],
  at: { file: '/proj/a.cpp', line: 3, function: 'make()' },
  report: 'asan.log',
  when: '2026-11-30T12:00:00.000Z',
  ...over,
});

describe('measured-leak', () => {
  it('never matches source text: the engine reports nothing for it', async () => {
    const all = await findings('int main() { char* p = (char*)malloc(8); return 0; }\n', 'cpp');
    assert.ok(!all.some((f) => f.ruleId === 'measured-leak'));
  });

  it('one finding per site; a direct leak outranks an indirect one; records of one report add up', () => {
    const { results, outside } = measuredFindings(
      [
        leak({ kind: 'indirect', bytes: 500, blocks: 5 }),
        leak({}),
        leak({ bytes: 32 }),
        leak({ at: undefined, stack: [{ module: 'libfoo.so' }] }),
      ],
      '/proj',
      (f) => f.replace('/proj/', ''),
    );
    assert.equal(outside.length, 1);
    assert.equal(results.length, 1);
    const [f] = results[0].findings;
    assert.equal(results[0].file, 'a.cpp');
    assert.equal(f.severity, 'warning');
    assert.equal(f.message, 'Direct leak of 96 B in 2 blocks allocated here in `make()` (LeakSanitizer)');
    assert.equal(f.evidence?.length, 4 - 1);
  });

  it('the configured severity wins', () => {
    const config = { rules: { 'measured-leak': { enabled: true, severity: 'error' as const } } } as never;
    const { results } = measuredFindings([leak({ kind: 'possible' })], '/proj', (f) => f, config);
    assert.equal(results[0].findings[0].severity, 'error');
  });

  it('attachEvidence: a static finding on the allocation line carries it; other leaks are returned', async () => {
    const [f] = await findings(
      '#include <stdlib.h>\nint g(int n) {\n  char* p = malloc(n);\n  if (n) return 1;\n  free(p);\n  return 0;\n}\n',
      'cpp',
      {
        rule: 'raw-c-resource',
      },
    );
    const result = { file: 'a.cpp', language: 'cpp' as const, findings: [f], errors: [], parseMs: 0, rulesMs: 0 };
    const left = attachEvidence(
      [result],
      [leak({}), leak({ at: { file: '/proj/a.cpp', line: 9 } })],
      () => '/proj/a.cpp',
    );
    assert.deepEqual(
      f.evidence?.map((e) => e.summary),
      ['confirmed by LeakSanitizer: 64 B in 1 block'],
    );
    assert.deepEqual(
      left.map((l) => l.at?.line),
      [9],
    );
  });
});
