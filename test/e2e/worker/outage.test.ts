import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultKind } from '@app/simulator';
import { Linked, linkAccount } from '../../support/factories';
import { breakerIsOpen, statusesOf } from '../../support/fixtures';
import { sleep } from '../../support/procs';
import { eventually, resetStores, useStack } from '../../support/stack';

// A host-wide outage of the US identity host: no account is ever marked needs_relink, the host breaker opens instead
// of every account being degraded one by one, and when the host is back every account returns to active.
const HOST = 'identity.bitwarden.com';
const stack = useStack({ env: { ACCOUNT_CHECK_INTERVAL_SECONDS: '3', OUTBOUND_TIMEOUT_MS: '1000', WORKER_LOCK_MS: '5000' } });
afterEach(async () => {
  stack.sim.clearFaults();
  await stack.stopWorker();
  await resetStores();
});

async function statuses(ids: string[]): Promise<Map<string, string>> {
  return new Map((await statusesOf(ids)).map((r) => [r.id, r.status]));
}

async function outage(kind: FaultKind) {
  const { api, sim } = stack;
  const accounts: Linked[] = [];
  for (let i = 0; i < 8; i++) accounts.push(await linkAccount(api, sim, { ownerId: `outage-${kind}` }));
  const eu = await linkAccount(api, sim, { ownerId: `outage-${kind}`, region: 'eu' });
  const ids = accounts.map((a) => a.id);
  sim.addFault({ kind, target: 'token', realm: 'us' });
  sim.resetCounters();
  const start = Date.now();
  await stack.startWorker();

  let maxDegraded = 0;
  while (Date.now() - start < 10_000) {
    const s = await statuses([...ids, eu.id]);
    for (const [id, st] of s) assert.notEqual(st, 'needs_relink', `account ${id} became needs_relink during a ${kind} outage`);
    maxDegraded = Math.max(maxDegraded, [...s.values()].filter((st) => st === 'degraded').length);
    await sleep(150);
  }
  assert.ok(await breakerIsOpen(HOST), 'the breaker of the US identity host is open');
  assert.ok(maxDegraded < accounts.length, `all ${accounts.length} accounts were degraded one by one`);
  const usRequests = sim.counters().tokenLog.filter((e) => e.host === HOST).length;
  // Without a breaker 8 accounts backing off from 1 s would make ~40 requests in 10 s; with it, the first round
  // (8, all started before the first failure came back) plus a probe every few seconds. Slack for a loaded CI box.
  assert.ok(usRequests <= 20, `${usRequests} token requests reached the failing host`);
  // Another host's accounts are not held up by this one's outage.
  const euView = await api.call('GET', `/v1/accounts/${eu.id}`);
  assert.equal(euView.body.status, 'active');
  assert.ok(Date.parse(euView.body.lastCheckedAt) > start, 'the EU account kept being checked');

  sim.clearFaults();
  const healed = Date.now();
  await eventually(async () => {
    const rows = await statusesOf(ids);
    return rows.every((r) => r.status === 'active' && r.last_verified_at!.getTime() > healed);
  }, 30_000, 'every account verified and active again');
  return Date.now() - healed;
}

test('5xx from the US identity host: breaker, no needs_relink, all active again once it is back', async () => {
  const recovery = await outage('5xx');
  assert.ok(recovery < 25_000, `recovered after ${recovery} ms`);
});

test('a hanging US identity host (timeouts): breaker, no needs_relink, all active again once it is back', async () => {
  const recovery = await outage('hang');
  assert.ok(recovery < 25_000, `recovered after ${recovery} ms`);
});
