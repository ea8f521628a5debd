// Message headlines for the Problems view (the rest goes to related information).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitMessage } from '../../src/core/report';

describe('splitMessage', () => {
  it('keeps a short message whole', () => {
    assert.deepEqual(splitMessage('`q` has no maxsize: put() never blocks.'), {
      headline: '`q` has no maxsize: put() never blocks.',
    });
  });

  it('splits a long message at the first ": " or ". " outside backticks, after 20 characters', () => {
    const long =
      '`mp.Queue()` has no maxsize: `put()` never blocks, so when the consumer falls behind the backlog grows without limit. Give it a maxsize.';
    assert.deepEqual(splitMessage(long), {
      headline: '`mp.Queue()` has no maxsize',
      detail:
        '`put()` never blocks, so when the consumer falls behind the backlog grows without limit. Give it a maxsize.',
    });
    const code =
      '`std::map<a, b>: x. y` is a long code span that must not be cut inside. The rest explains why it matters at length here.';
    assert.equal(
      splitMessage(code).headline,
      '`std::map<a, b>: x. y` is a long code span that must not be cut inside.',
    );
    assert.equal(splitMessage(code).detail, 'The rest explains why it matters at length here.');
  });

  it('a long message with no boundary stays whole', () => {
    const m = 'x'.repeat(150);
    assert.deepEqual(splitMessage(m), { headline: m });
  });
});
