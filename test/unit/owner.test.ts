import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Principal } from '@app/accounts';
import { throwsWith } from '../support/app-errors';
import { assertMayRelink, labelFor, resolveOwner } from '../../apps/api/src/accounts/owner';

const SERVICE: Principal = { kind: 'service', name: 'hub' };
const session = (over: Partial<Extract<Principal, { kind: 'session' }>> = {}): Principal => ({
  kind: 'session',
  sessionId: 's1',
  ownerId: 'tenant-a',
  accountId: null,
  createdAccountIds: [],
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

describe('assertMayRelink', () => {
  const ID = 'acc-1';
  test('a service caller and the session made for that account may', () => {
    assert.doesNotThrow(() => assertMayRelink(SERVICE, ID));
    assert.doesNotThrow(() => assertMayRelink(session({ accountId: ID }), ID));
  });

  test('a session that only created the account gets forbidden; one that never saw it, not_found', () => {
    throwsWith(() => assertMayRelink(session({ createdAccountIds: [ID] }), ID), 'forbidden');
    throwsWith(() => assertMayRelink(session({ accountId: 'acc-2', createdAccountIds: ['acc-3'] }), ID), 'not_found');
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
