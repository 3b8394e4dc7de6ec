import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { INestApplicationContext } from '@nestjs/common';
import { SimulatorHandle } from '@app/simulator';
import { Api, resetStores, startApi, startSim, startWorker } from '../../support/stack';
import { flushTestRedis, Linked, linkOrg, sleep, sql } from '../tokens/helpers';

// Every account is re-verified at least every ACCOUNT_CHECK_INTERVAL_SECONDS, used or idle, even after Redis loses
// every queued job (FLUSHDB): Postgres holds the schedule and the sweep's lease gives lost jobs back.
const INTERVAL_S = 3;
const LEASE_MS = 5000; // interval / 4, clamped to at least 5 s
const env = { ACCOUNT_CHECK_INTERVAL_SECONDS: String(INTERVAL_S) };
let sim: SimulatorHandle;
let api: Api;
let worker: INestApplicationContext | null = null;

before(async () => {
  await resetStores();
  sim = await startSim();
  api = await startApi(sim.port, env);
});
afterEach(async () => {
  await worker?.close();
  worker = null;
});
after(async () => {
  await api.close();
  await sim.close();
  await resetStores();
});

async function checkTimes(ids: string[]): Promise<Map<string, number>> {
  const rows = await sql<{ id: string; last_checked_at: Date }>('SELECT id, last_checked_at FROM accounts WHERE id = ANY($1)', [ids]);
  return new Map(rows.map((r) => [r.id, r.last_checked_at.getTime()]));
}

/** Samples lastCheckedAt of every account for `ms` and returns, per account, every distinct value seen. */
async function watchChecks(ids: string[], ms: number): Promise<Map<string, number[]>> {
  const seen = new Map<string, number[]>(ids.map((id) => [id, []]));
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const [id, t] of await checkTimes(ids)) {
      const list = seen.get(id)!;
      if (list[list.length - 1] !== t) list.push(t);
    }
    await sleep(150);
  }
  return seen;
}

/** Largest gap between successive checks (and from the last one to now): must stay within the interval + slack. */
function assertOnTime(seen: Map<string, number[]>, from: number, maxGapMs: number) {
  const now = Date.now();
  for (const [id, times] of seen) {
    const points = [from, ...times.filter((t) => t > from), now];
    let worst = 0;
    for (let i = 1; i < points.length; i++) worst = Math.max(worst, points[i] - points[i - 1]);
    assert.ok(worst <= maxGapMs, `account ${id}: ${worst} ms without a check (allowed ${maxGapMs})`);
    assert.ok(times.filter((t) => t > from).length >= 2, `account ${id} checked only ${times.length} times`);
  }
}

test('used and idle accounts are all re-verified within the check interval', async () => {
  const accounts: Linked[] = [];
  for (let i = 0; i < 6; i++) accounts.push(await linkOrg(api, sim, 'interval'));
  worker = await startWorker(sim.port, env);
  // Half of them are in active use.
  for (const a of accounts.slice(0, 3)) assert.equal((await api.call('POST', `/v1/accounts/${a.id}/token`, {})).status, 200);
  const from = Date.now();
  const seen = await watchChecks(accounts.map((a) => a.id), 9000);
  assertOnTime(seen, from, INTERVAL_S * 1000 + 1500);
  for (const a of accounts) {
    const v = await api.call('GET', `/v1/accounts/${a.id}`);
    assert.equal(v.body.status, 'active');
    assert.ok(Date.parse(v.body.lastVerifiedAt) > from);
  }
});

test('after FLUSHDB of Redis every account is still checked on time (within interval + lease)', async () => {
  await sql('TRUNCATE accounts, account_events');
  const accounts: Linked[] = [];
  for (let i = 0; i < 6; i++) accounts.push(await linkOrg(api, sim, 'flush'));
  worker = await startWorker(sim.port, env);
  const ids = accounts.map((a) => a.id);
  await watchChecks(ids, 2500); // let the worker queue and lease jobs first
  const flushedAt = Date.now();
  await flushTestRedis();
  const seen = await watchChecks(ids, 2 * INTERVAL_S * 1000 + LEASE_MS + 1000);
  assertOnTime(seen, flushedAt, INTERVAL_S * 1000 + LEASE_MS + 1000);
  const after = await checkTimes(ids);
  for (const id of ids) assert.ok(Date.now() - after.get(id)! <= INTERVAL_S * 1000 + 1500, `account ${id} fell behind after the flush`);
});
