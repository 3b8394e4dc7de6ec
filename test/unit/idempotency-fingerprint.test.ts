import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../apps/api/src/idempotency/idempotency.service';

// An Idempotency-Key repeat matches when the request is the same, whatever order its JSON keys came in.
const BODY = { a: 1, b: [2, { c: 3, d: 4 }] };

test('the fingerprint is the SHA-256 of the canonical JSON of the parts', () => {
  assert.equal(fingerprint([BODY, 'POST']), '01c3ac3f718b4504ef800327c7c5bd58f8f418568d661c1bcdcbb84e9936a77d');
});

test('key order does not matter, at any depth', () => {
  assert.equal(fingerprint([{ b: [2, { d: 4, c: 3 }], a: 1 }, 'POST']), fingerprint([BODY, 'POST']));
});

test('values, array order and the other parts do', () => {
  const base = fingerprint([BODY, 'POST']);
  assert.notEqual(fingerprint([{ ...BODY, a: 2 }, 'POST']), base);
  assert.notEqual(fingerprint([{ a: 1, b: [{ c: 3, d: 4 }, 2] }, 'POST']), base);
  assert.notEqual(fingerprint([BODY, 'PUT']), base);
  assert.notEqual(fingerprint([{ a: '1', b: BODY.b }, 'POST']), base, 'a string is not a number');
});
