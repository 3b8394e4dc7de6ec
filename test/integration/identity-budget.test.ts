// The shared identity budget against real Redis: each server kind's rules, the background reserve, pauses.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { IdentityBudget, identityHostPolicy, IdentityLimits } from '@app/bitwarden';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/redis';
import { SERVICE_KEY, TEST_KEY_B64, TEST_REDIS_URL } from '../support/env';

const LIMITS: IdentityLimits = { cloudPerMinute: 10, cloudPerSecond: 5, selfHostedPerMinute: 60, vaultwardenBurst: 3, vaultwardenPeriodSeconds: 1 };
let redis: RedisService;
let budget: IdentityBudget;

before(() => {
  redis = new RedisService(new AppConfig({ REDIS_URL: TEST_REDIS_URL, ENCRYPTION_KEYS: `t1:${TEST_KEY_B64}`, SERVICE_API_KEYS: `hub:${SERVICE_KEY}` }));
  budget = new IdentityBudget(redis);
});
beforeEach(async () => {
  const r = new Redis(TEST_REDIS_URL);
  await r.flushdb();
  r.disconnect();
});
after(() => redis.client.disconnect());

const take = async (n: number, policy: ReturnType<typeof identityHostPolicy>, priority: 'interactive' | 'background' = 'interactive') => {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await budget.tryAcquire(policy, priority));
  return out;
};

test('cloud: at most 5 per second, with the window a little longer than a second', async () => {
  const policy = identityHostPolicy('https://identity.bitwarden.com', null, { ...LIMITS, cloudPerMinute: 100 });
  const r = await take(6, policy);
  assert.deepEqual(r.slice(0, 5).map((x) => x.ok), [true, true, true, true, true]);
  assert.equal(r[5]!.ok, false);
  const wait = (r[5] as { waitMs: number }).waitMs;
  assert.ok(wait > 1000 && wait <= 1250, `waits past the server's one-second window (${wait} ms)`);
});

test('cloud: at most 10 per minute, and background work leaves the last fifth to interactive callers', async () => {
  const policy = identityHostPolicy('https://identity.bitwarden.eu', null, { ...LIMITS, cloudPerSecond: 100 });
  const bg = await take(9, policy, 'background');
  assert.equal(bg.filter((x) => x.ok).length, 8, 'background stops at 8 of 10');
  const fg = await take(3, policy, 'interactive');
  assert.deepEqual(fg.map((x) => x.ok), [true, true, false], 'interactive callers get the last two');
  assert.ok((fg[2] as { waitMs: number }).waitMs > 59_000, 'the next slot frees a minute after the first');
});

test('official self-hosted: its own per-minute budget, no per-second rule', async () => {
  const policy = identityHostPolicy('https://bw.example.test/identity', 'bitwarden', { ...LIMITS, selfHostedPerMinute: 7 });
  assert.equal(policy.kind, 'self-hosted');
  const r = await take(8, policy);
  assert.equal(r.filter((x) => x.ok).length, 7);
});

test('Vaultwarden (and a self-hosted server of unknown flavor): a burst, then one per period', async () => {
  for (const flavor of ['vaultwarden', null] as const) {
    const policy = identityHostPolicy(`https://${flavor ?? 'unknown'}.example.test/identity`, flavor, LIMITS);
    const r = await take(4, policy);
    assert.deepEqual(r.map((x) => x.ok), [true, true, true, false], `burst of 3 (${flavor})`);
    const wait = (r[3] as { waitMs: number }).waitMs;
    assert.ok(wait > 1000 && wait <= 2000, `then one per period plus margin (${wait} ms)`);
    await new Promise((res) => setTimeout(res, wait + 20));
    assert.equal((await budget.tryAcquire(policy, 'interactive')).ok, true, 'one more after the period');
    assert.equal((await budget.tryAcquire(policy, 'interactive')).ok, false, 'and only one');
  }
});

test('a paused host gives no slot until the pause ends; usage shows the pause', async () => {
  const policy = identityHostPolicy('https://identity.bitwarden.com', null, LIMITS);
  await budget.pause(policy.host, 2);
  const r = await budget.tryAcquire(policy, 'interactive');
  assert.equal(r.ok, false);
  assert.ok((r as { waitMs: number }).waitMs > 1000);
  const u = await budget.usage(policy);
  assert.ok(u.pausedUntil && u.pausedUntil.getTime() > Date.now());
  assert.equal(u.limit, 10);
  assert.equal(u.usedLastMinute, 0);
});
