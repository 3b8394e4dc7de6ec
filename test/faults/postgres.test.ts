// Postgres crashes and comes back: the API answers 503 `unavailable` quickly while it is down, then recovers;
// the worker recovers; no row is half-written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiProc, FaultStack, sleep, US, waitFor, WorkerProc, useFaultStack } from './support/fault-stack';

let s: FaultStack;
let api: ApiProc;
let worker: WorkerProc;
const ids: string[] = [];

useFaultStack({ tag: 'faults-pg', accounts: 10, worker: true }, (f) => {
  ({ s, api, worker } = f);
  ids.push(...f.accounts.map((a) => a.id));
});

test('Postgres stopped mid-work and restarted: API 503 fast, then recovers; worker recovers; rows consistent', async () => {
  s.sim.configure({ latencyMs: 300 });
  await s.makeDue();
  // Links in flight when the database dies: each must end either fully stored or not at all.
  const orgs = Array.from({ length: 5 }, () => s.sim.createOrg());
  const inflight = orgs.map((o, i) =>
    s.call(api, 'POST', '/v1/accounts', { ownerId: `faults-pg-inflight-${i}`, ...US, clientId: o.clientId, clientSecret: o.clientSecret }).catch((e: Error) => ({ status: 0, body: e.message, ms: 0 })),
  );
  await sleep(400);
  await s.pg.stop('immediate');
  const down = Date.now();

  const results = {
    read: await s.call(api, 'GET', `/v1/accounts/${ids[0]}`),
    list: await s.call(api, 'GET', '/v1/accounts?limit=5'),
    token: await s.call(api, 'POST', `/v1/accounts/${ids[1]}/token`, {}),
    ready: await s.call(api, 'GET', '/health/ready'),
  };
  for (const [what, r] of Object.entries(results)) {
    assert.equal(r.status, 503, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(r.ms < 5000, `${what} took ${Math.round(r.ms)} ms while Postgres was down`);
    if (what !== 'ready') assert.equal(r.body.error.code, 'unavailable', what);
  }
  console.log(`# Postgres down: ${Object.entries(results).map(([k, r]) => `${k} ${r.status} in ${Math.round(r.ms)} ms`).join(', ')}`);
  const linkResults = await Promise.all(inflight);
  console.log(`# links in flight when Postgres died: ${linkResults.map((r) => r.status).join(', ')}`);
  await sleep(Math.max(0, 5000 - (Date.now() - down)));
  s.sim.configure({ latencyMs: 0 });
  await s.pg.start();

  const up = Date.now();
  await waitFor(async () => (await s.call(api, 'GET', `/v1/accounts/${ids[0]}`)).status === 200, 20_000, 'API to read again');
  console.log(`# Postgres back: API reads again after ${Date.now() - up} ms`);
  const t1 = new Date();
  await s.makeDue();
  await s.allCheckedActive(ids, t1, 30_000, 'worker checks after Postgres came back');
  assert.ok(worker.alive());
  await s.assertConsistent();
  // In-flight links: a 201 means the row is there; a failed link stored nothing, or (when the COMMIT reached the
  // database but its acknowledgement did not reach the API) one complete row, which assertConsistent has checked
  // above and which a retry with the same Idempotency-Key would answer with.
  for (const [i, r] of linkResults.entries()) {
    const rows = await s.sql(`SELECT id FROM accounts WHERE owner_id = $1`, [`faults-pg-inflight-${i}`]);
    if (r.status === 201) assert.equal(rows.length, 1, `link ${i} answered 201 but stored ${rows.length} rows`);
    else {
      assert.ok(r.status === 503 || r.status === 0, `link ${i}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.ok(rows.length <= 1, `link ${i} answered ${r.status} and left ${rows.length} rows`);
    }
  }
  const ready = await s.call(api, 'GET', '/health/ready');
  assert.equal(ready.status, 200);
});
