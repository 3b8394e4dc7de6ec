import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkAccount } from '../../support/factories';
import { eventually, useStack } from '../../support/stack';

const stack = useStack({ env: { ACCOUNT_CHECK_INTERVAL_SECONDS: '3' }, worker: true });

test('a key rotated in Bitwarden is detected within one check interval, and re-link restores active', async () => {
  const { api, sim } = stack;
  const linked = await linkAccount(api, sim, { ownerId: 'rot' });
  const org = linked.org;
  const newSecret = sim.rotateKey(org.id);
  const rotatedAt = Date.now();
  const seen = await eventually(async () => {
    const a = await api.call('GET', `/v1/accounts/${linked.body.id}`);
    return a.body.status === 'needs_relink' ? a.body : null;
  }, 8000, 'needs_relink');
  assert.equal(seen.statusReason, 'credentials_rejected');
  assert.ok(Date.now() - rotatedAt <= 3000 + 1500, `detected after ${Date.now() - rotatedAt} ms`);
  const tok = await api.call('POST', `/v1/accounts/${linked.body.id}/token`, {});
  assert.equal(tok.status, 409);
  assert.equal(tok.body.error.code, 'needs_relink');
  const relinked = await api.call('PUT', `/v1/accounts/${linked.body.id}/credentials`, { clientSecret: newSecret });
  assert.equal(relinked.status, 200);
  assert.equal(relinked.body.status, 'active');
});
