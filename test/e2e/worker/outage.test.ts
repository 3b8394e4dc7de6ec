import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { INestApplicationContext } from '@nestjs/common';
import { FaultKind, SimulatorHandle } from '@app/simulator';
import { Api, eventually, resetStores, startApi, startSim, startWorker } from '../../support/stack';
import { Linked, linkOrg, sleep, sql, withRedis } from '../tokens/helpers';

// A host-wide outage of the US identity host: no account is ever marked needs_relink, the host breaker opens instead
// of every account being degraded one by one, and when the host is back every account returns to active.
const env = { ACCOUNT_CHECK_INTERVAL_SECONDS: '3', OUTBOUND_TIMEOUT_MS: '1000', WORKER_LOCK_MS: '5000' };
const HOST = 'identity.bitwarden.com';
let sim: SimulatorHandle;
let api: Api;
let worker: INestApplicationContext | null = null;

before(async () => {
  await resetStores();
  sim = await startSim();
  api = await startApi(sim.port, env);
});
afterEach(async () => {
  sim.clearFaults();
  await worker?.close();
  worker = null;
  await resetStores();
});
after(async () => {
  await api.close();
  await sim.close();
  await resetStores();
});

async function statuses(ids: string[]): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; status: string }>('SELECT id, status FROM accounts WHERE id = ANY($1)', [ids]);
  return new Map(rows.map((r) => [r.id, r.status]));
}

async function outage(kind: FaultKind) {
  const accounts: Linked[] = [];
  for (let i = 0; i < 8; i++) accounts.push(await linkOrg(api, sim, `outage-${kind}`));
  const eu = await linkOrg(api, sim, `outage-${kind}`, 'eu', { apiBaseUrl: 'https://api.bitwarden.eu', identityBaseUrl: 'https://identity.bitwarden.eu' });
  const ids = accounts.map((a) => a.id);
  sim.addFault({ kind, target: 'token', realm: 'us' });
  sim.resetCounters();
  const start = Date.now();
  worker = await startWorker(sim.port, env);

  let maxDegraded = 0;
  while (Date.now() - start < 10_000) {
    const s = await statuses([...ids, eu.id]);
    for (const [id, st] of s) assert.notEqual(st, 'needs_relink', `account ${id} became needs_relink during a ${kind} outage`);
    maxDegraded = Math.max(maxDegraded, [...s.values()].filter((st) => st === 'degraded').length);
    await sleep(150);
  }
  const open = await withRedis((r) => r.get(`bwc:breaker:${HOST}:open`));
  assert.ok(open, 'the breaker of the US identity host is open');
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
    const rows = await sql<{ status: string; last_verified_at: Date }>('SELECT status, last_verified_at FROM accounts WHERE id = ANY($1)', [ids]);
    return rows.every((r) => r.status === 'active' && r.last_verified_at.getTime() > healed);
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
