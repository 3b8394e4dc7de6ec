// The API budget towards Bitwarden: 429 pauses the host, the shared budget and X-Rate-Limit-Remaining keep many
// concurrent calls under the simulator's real API limits (never a 429 from it: our 503 instead).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, EU, useStack } from '../../support/stack';
import { MARKER, assertOwnError, linkAccount, proxyPath, raw, sleep } from './proxy-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s), { PROXY_BUDGET_WAIT_MS: '1500' });

test('429 with Retry-After → 503 provider_rate_limited with it; nothing leaves for that host meanwhile; a short pause is waited out', async () => {
  const a = await linkAccount(sim, api);
  sim.addFault({ kind: '429', retryAfterSeconds: 3, target: 'api', count: 1 });
  const r = await raw(api, 'GET', proxyPath(a.id, 'public/members'));
  assertOwnError(r, 503, 'provider_rate_limited');
  assert.equal(r.headers['retry-after'], '3');
  const before = sim.counters().apiRequests;
  const started = Date.now();
  const paused = await raw(api, 'POST', proxyPath(a.id, 'public/members'), { headers: { 'content-type': 'application/json' }, body: '{}' });
  assertOwnError(paused, 503, 'provider_rate_limited');
  assert.ok(Date.now() - started < 500, 'answered at once: the pause outlasts PROXY_BUDGET_WAIT_MS');
  assert.ok(Number(paused.headers['retry-after']) >= 2 && Number(paused.headers['retry-after']) <= 3, String(paused.headers['retry-after']));
  assert.equal(sim.counters().apiRequests, before, 'nothing was sent during the pause');
  await sleep(2_000);
  // Now the pause ends within the wait: the call waits and goes through.
  const waited = await raw(api, 'GET', proxyPath(a.id, 'public/members'));
  assert.equal(waited.status, 200, waited.text);
  assert.equal(waited.headers[MARKER], '1');
});

test('429 without Retry-After → 503 with Retry-After 60, and the host stays paused', async () => {
  const a = await linkAccount(sim, api, 'eu', EU);
  sim.addFault({ kind: '429', retryAfterSeconds: null, target: 'api', realm: 'eu', count: 1 });
  const r = await raw(api, 'GET', proxyPath(a.id, 'public/members'));
  assertOwnError(r, 503, 'provider_rate_limited');
  assert.equal(r.headers['retry-after'], '60');
  const before = sim.counters().apiRequests;
  const again = await raw(api, 'GET', proxyPath(a.id, 'public/groups'));
  assertOwnError(again, 503, 'provider_rate_limited');
  assert.ok(Number(again.headers['retry-after']) >= 58, String(again.headers['retry-after']));
  assert.equal(sim.counters().apiRequests, before);
});

test('with the real write limits on, 20 concurrent writes: some go through, the excess gets our 503, the simulator sends no 429', async () => {
  const a = await linkAccount(sim, api);
  sim.setRealmLimits('us', { enabled: true });
  sim.resetCounters();
  try {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => raw(api, 'POST', proxyPath(a.id, 'public/members'), { headers: { 'content-type': 'application/json' }, body: '{"type":2}' })),
    );
    const ok = answers.filter((r) => r.status === 200).length;
    const ours = answers.filter((r) => r.status === 503 && r.json?.error?.code === 'provider_rate_limited' && r.headers[MARKER] === undefined);
    assert.equal(ok + ours.length, 20, answers.map((r) => r.status).join(','));
    assert.ok(ok >= 5 && ok <= 10, `ok ${ok}`);
    for (const r of ours) assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.equal(sim.counters().tooManyRequests, 0);
  } finally {
    sim.setRealmLimits('us', { enabled: false });
  }
});

test('X-Rate-Limit-Remaining caps the budget: Bitwarden allows 6 reads a minute, we allow 200, 15 concurrent reads cause no 429', async () => {
  const a = await linkAccount(sim, api);
  sim.setRealmLimits('us', { enabled: true, apiReadsPerMinute: 6 });
  sim.resetCounters();
  try {
    const first = await raw(api, 'GET', proxyPath(a.id, 'public/members'));
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers['x-rate-limit-remaining'], '5');
    const answers = await Promise.all(Array.from({ length: 15 }, () => raw(api, 'GET', proxyPath(a.id, 'public/groups'))));
    const ok = answers.filter((r) => r.status === 200).length;
    assert.equal(ok, 5, answers.map((r) => r.status).join(','));
    for (const r of answers.filter((x) => x.status !== 200)) assertOwnError(r, 503, 'provider_rate_limited');
    assert.equal(sim.counters().tooManyRequests, 0);
  } finally {
    sim.setRealmLimits('us', { enabled: false });
  }
});
