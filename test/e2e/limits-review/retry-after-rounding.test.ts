// Review (branch limits): a cloud 429 pauses the host for exactly its Retry-After, and we hand that same number to
// the caller. AspNetCoreRateLimit (and the simulator) computes it as 60 - round(seconds gone), so it can be up to
// 0.5 s SHORT of the window's real end. When our own log does not hold the calls the server counted (Redis restarted
// empty, or anything else from our egress IP spent the window), the caller who waits the Retry-After out is sent on
// into the SAME server window: a second 429, which counts too.
// Arithmetic: window opened at W; refused at W + 30.6 s → Retry-After 60 - 31 = 29 → pause and caller retry at
// W + 59.6 s ≤ W + 60 s → still window 1 → 429 again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../../support/env';
import { US, useStack } from '../../support/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stack = useStack({ env: { IDENTITY_RATE_LIMIT_PER_MINUTE: '10', IDENTITY_RATE_LIMIT_PER_SECOND: '5' } });

test('after a Redis state loss, waiting out our 503 Retry-After sends the retry into the same server window (a second 429)', { timeout: 180_000 }, async () => {
  const { sim, api } = stack;
  sim.setRealmLimits('us', { enabled: true });
  // Tokens of 600 s, so that asking for 580 s of validity 30 s later is a miss: the token path makes an exchange.
  sim.configure({ tokenLifetimeSeconds: 600 });
  sim.resetCounters();
  // Ten links spend the simulated minute (our log agrees: 10 of 10).
  const ids = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const org = sim.createOrg({ realm: 'us' });
      const r = await api.call('POST', '/v1/accounts', { ownerId: `ra-${i}`, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    }),
  );
  const windowStart = sim.counters().tokenLog[0].at;
  // Redis restarted empty (only the budget keys are dropped here; the rest of the stack does not matter).
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys('*budget:*');
  if (keys.length) await redis.del(...keys);
  redis.disconnect();

  await sleep(windowStart + 30_550 - Date.now());
  const first = await api.call('POST', `/v1/accounts/${ids[0]}/token`, { minValiditySeconds: 580 });
  const retryAfter = Number(first.headers.get('retry-after'));
  console.log(`# first token request at W+${Date.now() - windowStart} ms: ${first.status} Retry-After ${retryAfter} ${JSON.stringify(first.body?.error ?? first.status)}`);
  assert.equal(first.status, 503);
  await sleep(retryAfter * 1000);
  const again = await api.call('POST', `/v1/accounts/${ids[1]}/token`, { minValiditySeconds: 580 });
  const log = sim.counters().tokenLog.slice(10).map((e) => `W+${e.at - windowStart} ms → ${e.status}`);
  console.log(`# retry after ${retryAfter} s: ${again.status} ${JSON.stringify(again.body?.error ?? 'ok')}; simulator: ${log.join('; ')}`);
  assert.equal(sim.counters().byRealm.us?.tooManyRequests, 1, `only the first refusal (state lost) may be a 429: ${log.join('; ')}`);
  assert.equal(again.status, 200, 'the caller waited out our Retry-After, so the retry should pass');
});
