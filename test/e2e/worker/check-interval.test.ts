import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Linked, linkAccount } from '../../support/factories';
import { deleteAllAccounts, flushTestRedis, lastChecks } from '../../support/fixtures';
import { sleep } from '../../support/procs';
import { useStack } from '../../support/stack';

// Every account is re-verified at least every ACCOUNT_CHECK_INTERVAL_SECONDS, used or idle, even after Redis loses
// every queued job (FLUSHDB): Postgres holds the schedule and the sweep's lease gives lost jobs back.
const INTERVAL_S = 3;
const LEASE_MS = 5000; // interval / 4, clamped to at least 5 s
const stack = useStack({ env: { ACCOUNT_CHECK_INTERVAL_SECONDS: String(INTERVAL_S) } });
afterEach(() => stack.stopWorker());

async function checkTimes(ids: string[]): Promise<Map<string, number>> {
  const rows = await lastChecks(ids);
  return new Map(rows.map((r) => [r.id, r.last_checked_at!.getTime()]));
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
  const { api, sim } = stack;
  const accounts: Linked[] = [];
  for (let i = 0; i < 6; i++) accounts.push(await linkAccount(api, sim, { ownerId: 'interval' }));
  await stack.startWorker();
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
  const { api, sim } = stack;
  await deleteAllAccounts();
  const accounts: Linked[] = [];
  for (let i = 0; i < 6; i++) accounts.push(await linkAccount(api, sim, { ownerId: 'flush' }));
  await stack.startWorker();
  const ids = accounts.map((a) => a.id);
  await watchChecks(ids, 2500); // let the worker queue and lease jobs first
  const flushedAt = Date.now();
  await flushTestRedis();
  const seen = await watchChecks(ids, 2 * INTERVAL_S * 1000 + LEASE_MS + 1000);
  assertOnTime(seen, flushedAt, INTERVAL_S * 1000 + LEASE_MS + 1000);
  const after = await checkTimes(ids);
  for (const id of ids) assert.ok(Date.now() - after.get(id)! <= INTERVAL_S * 1000 + 1500, `account ${id} fell behind after the flush`);
});
