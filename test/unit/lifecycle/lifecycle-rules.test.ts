import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccountRules, mapEvent, reasonMessage } from '@app/accounts';
import type { AccountEvent } from '@app/accounts';

test('suspendedState: suspended without reason, token, due check or renewal', () => {
  const now = new Date('2030-01-02T03:04:05.000Z');
  const s = AccountRules.suspendedState(now);
  assert.equal(s.status, 'suspended');
  assert.equal(s.statusReason, null);
  assert.equal(s.suspendedAt, now);
  assert.equal(s.nextCheckAt, null);
  assert.equal(s.refreshAt, null);
  assert.equal(s.tokenEnc, null);
  assert.equal(s.tokenExpiresAt, null);
});

test('keepSuspended: a re-link keeps its credentials, a check cannot revive the account', () => {
  const patch = {
    status: 'active' as const,
    statusReason: null,
    nextCheckAt: new Date(),
    refreshAt: new Date(),
    tokenEnc: Buffer.from('x'),
    tokenKeyId: 'k',
    tokenExpiresAt: new Date(),
    consecutiveFailures: 0,
    suspendedAt: null,
    clientId: 'organization.x',
    secretLast4: 'abcd',
    credentialsVersion: 3,
    lastVerifiedAt: new Date(),
    label: 'kept',
  };
  const kept = AccountRules.keepSuspended(patch);
  assert.deepEqual(Object.keys(kept).sort(), ['clientId', 'credentialsVersion', 'label', 'lastVerifiedAt', 'secretLast4']);
});

test('VISIBLE_FIELDS: credentials, label, URLs, status, reason, last error and suspension; no schedule or token column', () => {
  const v = new Set<string>(AccountRules.VISIBLE_FIELDS);
  for (const f of ['label', 'apiBaseUrl', 'identityBaseUrl', 'credentialsVersion', 'status', 'statusReason', 'lastError', 'suspendedAt']) assert.ok(v.has(f), f);
  for (const f of ['nextCheckAt', 'refreshAt', 'tokenEnc', 'tokenExpiresAt', 'lastTokenRequestAt', 'lastCheckedAt', 'lastVerifiedAt']) assert.ok(!v.has(f), f);
});

test('reasonMessage: credentials_rejected names the three causes and where the key is; null for no reason', () => {
  const m = reasonMessage('credentials_rejected') as string;
  for (const part of ['rotated', 'disabled', 'API access', 'Admin Console', 'Settings', 'Organization info', 'API key']) assert.ok(m.includes(part), part);
  assert.equal(reasonMessage(null), null);
  for (const code of ['provider_unreachable', 'provider_error', 'provider_timeout', 'provider_rate_limited']) {
    const s = reasonMessage(code) as string;
    assert.ok(s.length > 20 && !s.includes(code), `${code} has its own sentence`);
  }
  assert.ok((reasonMessage('something_new') as string).includes('something_new'));
});

test('mapEvent: drops the account. prefix, evt_ id, message from the reason', () => {
  const e: AccountEvent = {
    id: '42',
    accountId: 'a',
    ownerId: 'o',
    type: 'account.resumed',
    seq: 3,
    fromStatus: 'suspended',
    toStatus: 'needs_relink',
    reason: 'credentials_rejected',
    at: new Date('2030-01-01T00:00:00.000Z'),
    deliveryAttempts: 0,
  };
  assert.deepEqual(mapEvent(e), {
    id: 'evt_42',
    type: 'resumed',
    from: 'suspended',
    to: 'needs_relink',
    reason: 'credentials_rejected',
    message: reasonMessage('credentials_rejected'),
    at: '2030-01-01T00:00:00.000Z',
  });
});

test('event cursor: round-trips, refuses anything it did not issue', async () => {
  const { encodeEventCursor, decodeEventCursor } = await import('@app/accounts');
  assert.equal(decodeEventCursor(encodeEventCursor('1')), '1');
  assert.equal(decodeEventCursor(encodeEventCursor('9223372036854775807')), '9223372036854775807');
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  for (const bad of ['', 'x', b64('e|0'), b64('e|01'), b64('e|-1'), b64('e|1.5'), b64('e|9223372036854775808'), b64('1'), b64('e|1|2'), `${encodeEventCursor('5')}=`, 'ZXwx+']) {
    assert.throws(() => decodeEventCursor(bad), (e: any) => e.code === 'validation_failed' && e.extra.fields.cursor === 'is invalid', bad);
  }
});
