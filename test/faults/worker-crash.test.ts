// The worker process dies mid-job (SIGKILL) or is asked to stop (SIGTERM) with jobs in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultStack, sleep, waitFor, useFaultStack } from './support/fault-stack';

/** Bitwarden is slow (1.5-2 s) but answers within the deadline: the jobs are in flight, not failing. */
const SLOW_OK = { OUTBOUND_TIMEOUT_MS: '4000', WORKER_LOCK_MS: '8000' };

let s: FaultStack;
const ids: string[] = [];
const clientIds: string[] = [];

useFaultStack({ tag: 'faults-worker', accounts: 10 }, (f) => {
  ({ s } = f);
  ids.push(...f.accounts.map((a) => a.id));
  clientIds.push(...f.accounts.map((a) => a.org.clientId));
});

test('worker SIGKILLed mid-job: another worker completes every check, each at most a couple of times', async () => {
  const w1 = await s.worker(SLOW_OK, 'worker-1');
  s.sim.configure({ latencyMs: 2000 });
  const t0 = new Date();
  await s.makeDue();
  await waitFor(() => s.sim.counters().tokenRequests > 0 && s.exchanges(clientIds, t0.getTime(), true) === 0, 10_000, 'exchanges in flight', 50);
  await sleep(700); // the exchanges are now waiting on Bitwarden
  w1.kill('SIGKILL');
  assert.equal(await w1.exited, 'SIGKILL');
  s.sim.configure({ latencyMs: 0 });
  const w2 = await s.worker(SLOW_OK, 'worker-2');
  await s.allCheckedActive(ids, t0, 30_000, 'the killed worker\'s checks redone by the new worker');
  const perAccount = clientIds.map((c) => s.exchanges([c], t0.getTime(), true));
  assert.ok(perAccount.every((n) => n <= 3), `exchanges per account: ${perAccount}`);
  console.log(`# SIGKILL: all ${ids.length} checks completed by the next worker ${Date.now() - t0.getTime()} ms after being due; exchanges per account ${perAccount.join(',')}`);
  await s.assertConsistent();
  await w2.stop();
});

test('SIGTERM with jobs in flight: exit 0 after the running jobs complete', async () => {
  const w = await s.worker(SLOW_OK, 'worker-3');
  s.sim.configure({ latencyMs: 1500 });
  const t0 = new Date();
  await s.makeDue();
  await waitFor(() => s.sim.counters().tokenLog.length >= 0 && s.exchanges(clientIds, t0.getTime(), true) === 0, 5000, 'nothing answered yet', 50);
  await sleep(900); // the sweep (200 ms) has queued them and the worker (concurrency 16) is waiting on Bitwarden
  const inflightAt = Date.now();
  w.kill('SIGTERM');
  const code = await w.exited;
  const tookMs = Date.now() - inflightAt;
  s.sim.configure({ latencyMs: 0 });
  assert.equal(code, 0, w.output().slice(-3000));
  assert.ok(tookMs < 25_000, `drain took ${tookMs} ms`);
  console.log(`# SIGTERM: exit ${code} after ${tookMs} ms`);
  // Every exchange Bitwarden answered was recorded before the process left: no job was cut off half-way.
  const answered = clientIds.filter((c) => s.exchanges([c], t0.getTime()) > 0).length;
  const rows = await s.sql(`SELECT count(*)::int AS n FROM accounts WHERE id = ANY($1) AND last_checked_at > $2`, [ids, t0]);
  const detail = JSON.stringify({
    log: s.sim.counters().tokenLog.filter((e) => e.at >= t0.getTime()).map((e) => [e.at - t0.getTime(), e.status, e.clientId?.slice(-6)]),
    rows: await s.sql(`SELECT status, status_reason, last_error, last_checked_at FROM accounts WHERE id = ANY($1)`, [ids]),
    exitMs: tookMs,
  });
  assert.ok(answered > 0, 'jobs were in flight at SIGTERM');
  assert.equal(rows[0].n, answered, `accounts checked vs exchanges answered: ${detail}`);
  const notActive = await s.sql(`SELECT count(*)::int AS n FROM accounts WHERE id = ANY($1) AND status <> 'active'`, [ids]);
  assert.equal(notActive[0].n, 0, `drained jobs left accounts not active: ${detail}`);
  assert.doesNotMatch(w.output(), /stalled|Missing lock/i);
  await s.assertConsistent();
});
