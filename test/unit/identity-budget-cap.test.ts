import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capFor } from '@app/bitwarden';

// Background checks may not take the last fifth of a window, so sync jobs and people linking keep some room.
test('interactive callers may use the whole limit', () => {
  for (const limit of [0, 1, 2, 10, 100]) assert.equal(capFor(limit, 'interactive'), limit);
});

test('background work leaves a fifth (rounded up) of limits of 4 and more', () => {
  assert.equal(capFor(10, 'background'), 8);
  assert.equal(capFor(100, 'background'), 80);
  assert.equal(capFor(6, 'background'), 4, 'ceil(1.2) = 2 kept back');
  assert.equal(capFor(5, 'background'), 4);
  assert.equal(capFor(4, 'background'), 3);
});

test('small limits: one kept back at 2 and 3, none at 1 (background work must still be able to run)', () => {
  assert.equal(capFor(3, 'background'), 2);
  assert.equal(capFor(2, 'background'), 1);
  assert.equal(capFor(1, 'background'), 1);
  assert.equal(capFor(0, 'background'), 0);
});
