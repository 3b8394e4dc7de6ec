import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsRepository } from '@app/accounts';
import { OpsSampler } from '../../../apps/worker/src/ops/ops-sampler.service';
import { WorkerRuntime } from '../../../apps/worker/src/processors/worker-runtime';
import { linkAccount } from '../../support/factories';
import { eventually, useStack } from '../../support/stack';
import { freePort, sample } from './ops-helpers';

// The worker's health listener: /health/* always, /metrics behind METRICS_TOKEN when set, and gauges that say
// what the rows say. The sweep runs once at boot and then not for an hour, so rows made overdue stay overdue.
const TOKEN = 'metrics-token-for-tests-0123456789';
const stack = useStack({ env: { SWEEP_INTERVAL_MS: '3600000' } });

async function workerOn(extra: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  await stack.startWorker({ WORKER_HEALTH_PORT: String(port), ...extra });
  return `http://127.0.0.1:${port}`;
}

test('with METRICS_TOKEN: /metrics answers 401 in the error shape without it or with a wrong one, 200 with it', async () => {
  const base = await workerOn({ METRICS_TOKEN: TOKEN });
  for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Bearer ']) {
    const res = await fetch(`${base}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
    assert.equal(res.status, 401, `authorization ${JSON.stringify(authorization)}`);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'unauthorized');
    assert.ok(!body.error.message.includes(TOKEN));
  }
  const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-type') ?? '', /text\/plain/);
  const text = await ok.text();
  for (const name of ['bwc_check_lag_seconds', 'bwc_checks_total', 'bwc_refreshes_total', 'bwc_queue_jobs', 'bwc_breaker_open_hosts', 'bwc_webhook_backlog', 'bwc_webhook_deliveries_total']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`);
  }
  assert.match(text, /^process_resident_memory_bytes\{process="(api|worker)"\} \d+/m, 'default process metrics carry the process label');
  // Health stays open with a token set.
  assert.equal((await fetch(`${base}/health/live`)).status, 200);
  assert.equal((await fetch(`${base}/nothing-here`)).status, 404);
});

test('without METRICS_TOKEN: /metrics is open; ready once a sweep succeeded', async () => {
  const base = await workerOn();
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /^# TYPE bwc_check_lag_seconds gauge/m);
  // Ready means a sweep succeeded: the first one may still be running on a loaded machine.
  const ready = await eventually(async () => {
    const r = await fetch(`${base}/health/ready`);
    return r.status === 200 ? r : null;
  }, 10_000, 'the first sweep');
  assert.deepEqual(await ready.json(), { ready: true, postgres: true, redis: true, sweeping: true });
});

test('bwc_check_lag_seconds is the age of the oldest overdue check, 0 when none is; other gauges are sampled too', async () => {
  const { api, sim } = stack;
  const [a, b, c] = [await linkAccount(api, sim), await linkAccount(api, sim), await linkAccount(api, sim)];
  const suspended = await linkAccount(api, sim);
  assert.equal((await api.call('POST', `/v1/accounts/${suspended.id}/suspend`)).status, 200);
  const base = await workerOn();
  const worker = stack.worker!;
  const repo = worker.get(AccountsRepository);
  const sampler = worker.get(OpsSampler);
  // The boot sweep runs in the background: once it is done no other sweep comes for an hour.
  await eventually(async () => worker.get(WorkerRuntime).lastSweepOkAt > 0, 5000, 'the boot sweep');
  const lag = async () => {
    await sampler.sampleOnce();
    return sample(await (await fetch(`${base}/metrics`)).text(), 'bwc_check_lag_seconds');
  };
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  await repo.reschedule(a.id, { nextCheckAt: ago(100) });
  await repo.reschedule(b.id, { nextCheckAt: ago(40) });
  await repo.reschedule(c.id, { nextCheckAt: ago(-3600) });
  const first = await lag();
  assert.ok(first !== undefined && first >= 100 && first < 105, `lag ${first}, the oldest overdue row is 100 s old`);
  // A sweep leases the overdue rows (their jobs wait for the budget): the lag still says how late they are.
  assert.equal((await repo.claimDueChecks(new Date(), new Date(Date.now() + 120_000), 10)).length, 2);
  const leased = await lag();
  assert.ok(leased !== undefined && leased >= 100 && leased < 105, `lag ${leased} while the backlog is leased`);
  assert.equal((await repo.claimDueChecks(new Date(), new Date(Date.now() + 120_000), 10)).length, 0, 'a lease holds for its due time');
  await repo.reschedule(a.id, { nextCheckAt: ago(-3600) });
  const second = await lag();
  assert.ok(second !== undefined && second >= 40 && second < 45, `lag ${second}, the oldest overdue row is now 40 s old`);
  await repo.reschedule(b.id, { nextCheckAt: ago(-3600) });
  assert.equal(await lag(), 0, 'nothing overdue (the suspended account has no due time and does not count)');

  const text = await (await fetch(`${base}/metrics`)).text();
  for (const state of ['waiting', 'delayed', 'active', 'prioritized']) assert.equal(sample(text, 'bwc_queue_jobs', { state }), 0, `queue ${state}`);
  for (const cls of ['us', 'eu', 'self-hosted']) assert.equal(sample(text, 'bwc_breaker_open_hosts', { host_class: cls }), 0, `breaker ${cls}`);
  assert.equal(sample(text, 'bwc_webhook_backlog'), 0);
  assert.ok(!text.includes('identity.bitwarden.com') && !text.includes(a.id) && !text.includes(a.ownerId), 'no host, account or owner in a label');
});
