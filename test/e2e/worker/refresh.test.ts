import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkAccount } from '../../support/factories';
import { exchangesFor } from '../../support/fixtures';
import { sleep } from '../../support/procs';
import { eventually, useStack } from '../../support/stack';

// Accounts in active use get their token renewed ahead of expiry by the worker; idle ones only get the slow check.
const stack = useStack({ worker: true });

test('a token asked for is renewed before it expires, without further calls; an unused one is not', async () => {
  const { api, sim } = stack;
  // 8 s tokens: the refresh margin is a quarter of the life, 2 s.
  sim.configure({ tokenLifetimeSeconds: 8 });
  const used = await linkAccount(api, sim, { ownerId: 'refresh' });
  const idle = await linkAccount(api, sim, { ownerId: 'refresh' });
  const since = Date.now();

  const first = await api.call('POST', `/v1/accounts/${used.id}/token`, { minValiditySeconds: 0 });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const firstExpiry = Date.parse(first.body.expiresAt);
  assert.equal(exchangesFor(sim, used.org.clientId, { since }).length, 0, 'the link token was served from the cache');

  const renewal = await eventually(async () => exchangesFor(sim, used.org.clientId, { since })[0], 12_000, 'a background renewal');
  assert.ok(renewal.at < firstExpiry, `renewed ${renewal.at - firstExpiry} ms after expiry`);
  assert.ok(renewal.at >= firstExpiry - 2000 * 1.1 - 500, `renewed too early: ${firstExpiry - renewal.at} ms before expiry`);

  const view = await eventually(async () => {
    const a = await api.call('GET', `/v1/accounts/${used.id}`);
    return Date.parse(a.body.tokenExpiresAt) > firstExpiry ? a.body : null;
  }, 3000, 'tokenExpiresAt to advance');
  assert.equal(view.status, 'active');

  // Past the first expiry, the sync job's next call is a cache hit on the renewed token.
  await sleep(Math.max(0, firstExpiry - Date.now() + 100));
  const exchangesSoFar = exchangesFor(sim, used.org.clientId, { since }).length;
  const second = await api.call('POST', `/v1/accounts/${used.id}/token`, { minValiditySeconds: 0 });
  assert.equal(second.status, 200);
  assert.notEqual(second.body.accessToken, first.body.accessToken);
  assert.ok(Date.parse(second.body.expiresAt) > Date.now());
  assert.ok(exchangesFor(sim, used.org.clientId, { since }).length <= exchangesSoFar + 1);

  // Nobody asked for the idle account's token: it expired without a renewal (its slow check is 6 h away).
  await sleep(Math.max(0, Date.parse(idle.body.tokenExpiresAt) - Date.now() + 500));
  assert.equal(exchangesFor(sim, idle.org.clientId, { since, any: true }).length, 0, 'the idle account was not refreshed');
  const idleView = await api.call('GET', `/v1/accounts/${idle.id}`);
  assert.equal(idleView.body.tokenExpiresAt, idle.body.tokenExpiresAt);
  assert.ok(Date.parse(idleView.body.tokenExpiresAt) < Date.now(), 'the idle token simply ran out');
});
