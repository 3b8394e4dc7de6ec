import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IdentityBudget, identityHostPolicy } from '@app/bitwarden';
import { REDIS_PREFIX } from '@app/redis';
import { deleteRedisKeys } from '../support/fixtures';
import { useRedisService } from '../support/services';

// The shared per-host budget against the real Redis: a sliding minute (61 s), background work capped below the
// limit, and a pause (Bitwarden's 429) that takes no slot.
const redis = useRedisService();
const hosts: string[] = [];
const policyFor = (perMinute: number) => {
  const host = `it-${randomUUID()}.test`;
  hosts.push(host);
  return identityHostPolicy(`https://${host}/identity`, 'bitwarden', { cloudPerMinute: perMinute, cloudPerSecond: 1000, selfHostedPerMinute: perMinute, vaultwardenBurst: 10, vaultwardenPeriodSeconds: 60 });
};
after(() => deleteRedisKeys(hosts.flatMap((h) => [`${REDIS_PREFIX}budget:${h}:w61000`, `${REDIS_PREFIX}pause:${h}`])));

test('background work gets limit minus the reserve; interactive callers get the rest', async () => {
  const budget = new IdentityBudget(await redis());
  const p = policyFor(5);
  for (let i = 1; i <= 4; i++) assert.deepEqual(await budget.tryAcquire(p, 'background'), { ok: true }, `background slot ${i}`);
  const refused = await budget.tryAcquire(p, 'background');
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.waitMs > 59_000 && refused.waitMs <= 61_000, `wait ${JSON.stringify(refused)} until the first slot leaves the window`);
  assert.deepEqual(await budget.tryAcquire(p, 'interactive'), { ok: true }, 'the reserved fifth');
  assert.equal((await budget.tryAcquire(p, 'interactive')).ok, false, 'and then nothing');
});

test('hosts have separate budgets', async () => {
  const budget = new IdentityBudget(await redis());
  const a = policyFor(1);
  const b = policyFor(1);
  assert.deepEqual(await budget.tryAcquire(a, 'interactive'), { ok: true });
  assert.equal((await budget.tryAcquire(a, 'interactive')).ok, false);
  assert.deepEqual(await budget.tryAcquire(b, 'interactive'), { ok: true });
});

test('a paused host gives no slot until the pause ends, and the refusals take nothing', async () => {
  const budget = new IdentityBudget(await redis());
  const p = policyFor(2);
  await budget.pause(p.host, 1);
  const r = await budget.tryAcquire(p, 'interactive');
  assert.ok(!r.ok && r.waitMs > 0 && r.waitMs <= 1000, JSON.stringify(r));
  const waited = await budget.acquire(p, 'interactive', 2000);
  assert.deepEqual(waited, { ok: true }, 'acquire waits the pause out');
  assert.deepEqual(await budget.tryAcquire(p, 'interactive'), { ok: true }, 'both slots were still there');
  assert.equal((await budget.tryAcquire(p, 'interactive')).ok, false);
});
