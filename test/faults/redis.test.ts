// Redis crashes (SIGKILL, restarted empty) and FLUSHALL while the worker is working: nothing is lost because
// Postgres holds the schedule, and the worker processes real jobs again afterwards (not just pings).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiProc, FaultStack, sleep, waitFor, WorkerProc, useFaultStack } from './support/fault-stack';

let s: FaultStack;
let api: ApiProc;
let worker: WorkerProc;
let ids: string[] = [];
let clientIds: string[] = [];

useFaultStack({ tag: 'faults-redis', accounts: 20, worker: true }, (f) => {
  ({ s, api, worker } = f);
  ids = f.accounts.map((a) => a.id);
  clientIds = f.accounts.map((a) => a.org.clientId);
});

test('Redis killed mid-work and restarted empty: API fails fast, worker runs jobs again, nothing lost', async () => {
  s.sim.configure({ latencyMs: 800 });
  const t0 = Date.now();
  await s.makeDue();
  await waitFor(() => s.exchanges(clientIds, t0, true) > 0 || s.sim.counters().tokenRequests > 0, 10_000, 'checks in flight', 50);
  await sleep(200);
  await s.redis.kill();
  const down = Date.now();

  // While Redis is down the API answers fast: readiness 503, Redis-backed calls 503 `unavailable`.
  const ready = await s.call(api, 'GET', '/health/ready');
  assert.equal(ready.status, 503);
  assert.ok(ready.ms < 3000, `readiness took ${ready.ms} ms`);
  const linkDown = await s.call(api, 'POST', '/v1/accounts', { ownerId: 'faults-redis-down', apiBaseUrl: 'https://api.bitwarden.com', identityBaseUrl: 'https://identity.bitwarden.com', clientId: s.sim.createOrg().clientId, clientSecret: 'x'.repeat(30) });
  assert.equal(linkDown.status, 503, JSON.stringify(linkDown.body));
  assert.equal(linkDown.body.error.code, 'unavailable');
  assert.ok(linkDown.ms < 5000, `link while Redis down took ${linkDown.ms} ms`);
  console.log(`# Redis down: /health/ready ${ready.status} in ${Math.round(ready.ms)} ms, link ${linkDown.status} ${linkDown.body.error.code} in ${Math.round(linkDown.ms)} ms`);

  // Longer than BullMQ's drainDelay (5 s): the case of BullMQ #4585.
  await sleep(Math.max(0, 7000 - (Date.now() - down)));
  s.sim.configure({ latencyMs: 0 });
  await s.redis.start();
  assert.ok(worker.alive(), 'worker survived the outage');

  const t1 = new Date();
  await s.makeDue();
  await s.allCheckedActive(ids, t1, 45_000, 'all 20 accounts checked by real jobs after the restart');
  console.log(`# Redis back: all ${ids.length} accounts checked by real jobs ${Date.now() - t1.getTime()} ms after being made due`);
  assert.ok(s.exchanges(clientIds, t1.getTime()) >= ids.length, 'the checks really exchanged with Bitwarden');
  await waitFor(async () => (await fetch(`${worker.healthUrl}/health/ready`)).status === 200, 30_000, 'worker ready');
  const ok = await s.call(api, 'GET', '/health/ready');
  assert.equal(ok.status, 200);
  await s.assertConsistent();
});

test('Redis flushed with jobs queued and in flight: Postgres leases bring every check back', async () => {
  s.sim.configure({ latencyMs: 1000 });
  const t0 = new Date();
  await s.makeDue();
  await sleep(600);
  await s.redis.flushAll();
  await sleep(500);
  s.sim.configure({ latencyMs: 0 });
  await s.allCheckedActive(ids, t0, 45_000, 'all 20 accounts checked after the flush');
  console.log(`# FLUSHALL: all ${ids.length} accounts checked ${Date.now() - t0.getTime()} ms after being made due`);
  // And the token path still works (its lock and budget lived in the flushed Redis).
  const tok = await s.call(api, 'POST', `/v1/accounts/${ids[0]}/token`, {});
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  await s.assertConsistent();
  assert.ok(worker.alive());
});
