import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canSee, mayRelink, mayUpdateByLink, Principal } from '@app/accounts';
import { throwsWith } from '../support/app-errors';
import { labelFor, resolveOwner } from '../../apps/api/src/accounts/owner';

const SERVICE: Principal = { kind: 'service', name: 'hub' };
const session = (over: Partial<Extract<Principal, { kind: 'session' }>> = {}): Principal => ({
  kind: 'session',
  sessionId: 's1',
  ownerId: 'tenant-a',
  accountId: null,
  label: null,
  ...over,
});

describe('resolveOwner', () => {
  test('a service caller names the owner in the body, and must', () => {
    assert.equal(resolveOwner(SERVICE, 'tenant-b'), 'tenant-b');
    const e = throwsWith(() => resolveOwner(SERVICE, undefined), 'validation_failed');
    assert.deepEqual(e.extra.fields, { ownerId: 'is required' });
  });

  test("a connect session's owner is its own, and the body may not name one (not even the same)", () => {
    assert.equal(resolveOwner(session(), undefined), 'tenant-a');
    for (const body of ['tenant-b', 'tenant-a']) {
      const e = throwsWith(() => resolveOwner(session(), body), 'validation_failed', body);
      assert.deepEqual(e.extra.fields, { ownerId: 'is not allowed with a connect session' });
    }
  });
});

describe('session rights over an account', () => {
  const account = (over: { id?: string; ownerId?: string; createdBySessionId?: string | null } = {}) => ({
    id: 'acc-1',
    ownerId: 'tenant-a',
    createdBySessionId: null,
    ...over,
  });

  test('the service key sees, updates by link and re-links any account', () => {
    for (const check of [canSee, mayUpdateByLink, mayRelink]) assert.equal(check(SERVICE, account({ ownerId: 'tenant-b' })), true);
  });

  test('a session sees the account it edits and the ones its own link created, nothing else', () => {
    assert.equal(canSee(session({ accountId: 'acc-1' }), account()), true);
    assert.equal(canSee(session(), account({ createdBySessionId: 's1' })), true);
    assert.equal(canSee(session(), account({ createdBySessionId: 's2' })), false, 'another session of the owner created it');
    assert.equal(canSee(session(), account()), false, 'the service key created it');
    assert.equal(canSee(session({ accountId: 'acc-1' }), account({ ownerId: 'tenant-b' })), false, 'another owner');
    assert.equal(canSee(session(), account({ ownerId: 'tenant-b', createdBySessionId: 's1' })), false);
  });

  test('a session updates by link only an account it created, and re-links only the one it was made for', () => {
    assert.equal(mayUpdateByLink(session(), account({ createdBySessionId: 's1' })), true);
    assert.equal(mayUpdateByLink(session(), account({ createdBySessionId: 's2' })), false);
    assert.equal(mayUpdateByLink(session({ accountId: 'acc-1' }), account()), false, 'an edit session re-links, it does not link over');
    assert.equal(mayRelink(session({ accountId: 'acc-1' }), account()), true);
    assert.equal(mayRelink(session(), account({ createdBySessionId: 's1' })), false, 'created is not edit');
  });
});

describe('labelFor', () => {
  test("the body's label wins, null included; else the session's; a service caller has none", () => {
    assert.equal(labelFor(session({ label: 'From session' }), 'From body'), 'From body');
    assert.equal(labelFor(session({ label: 'From session' }), null), null);
    assert.equal(labelFor(session({ label: 'From session' }), undefined), 'From session');
    assert.equal(labelFor(session({ label: null }), undefined), undefined);
    assert.equal(labelFor(SERVICE, undefined), undefined);
  });
});
