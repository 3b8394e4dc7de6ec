import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { REDIS_PREFIX, RedisLock } from '@app/redis';
import { deleteRedisKeys, withRedis } from '../support/fixtures';
import { sleep } from '../support/procs';
import { useRedisService } from '../support/services';

// The lock that keeps two processes from exchanging a token for one account at once, against the real Redis.
const redis = useRedisService();
const names: string[] = [];
const spec = (ttlMs = 5000) => {
  const name = `it-${randomUUID()}`;
  names.push(name);
  return { name, ttlMs };
};
const keyOf = (name: string) => `${REDIS_PREFIX}lock:${name}`;
after(() => deleteRedisKeys(names.map(keyOf)));

test('runs the function holding the lock, returns its value, and releases the lock', async () => {
  const lock = new RedisLock(await redis());
  const s = spec();
  const r = await lock.withLock(s, async () => withRedis((c) => c.get(keyOf(s.name))));
  assert.equal(r.acquired, true);
  assert.ok(r.acquired && typeof r.value === 'string' && r.value.length > 0, 'the key held an owner token while the function ran');
  assert.equal(await withRedis((c) => c.get(keyOf(s.name))), null, 'released afterwards');
});

test('a second holder is refused at once and its function never runs', async () => {
  const lock = new RedisLock(await redis());
  const s = spec();
  let ran = false;
  const outer = await lock.withLock(s, async () => lock.withLock(s, async () => (ran = true)));
  assert.deepEqual(outer, { acquired: true, value: { acquired: false } });
  assert.equal(ran, false);
});

test('a function that throws still releases the lock', async () => {
  const lock = new RedisLock(await redis());
  const s = spec();
  await assert.rejects(lock.withLock(s, async () => Promise.reject(new Error('boom'))), /boom/);
  assert.deepEqual(await lock.withLock(s, async () => 42), { acquired: true, value: 42 });
});

test("a holder that outlives its TTL loses the lock, and its release does not free the next holder's", async () => {
  const lock = new RedisLock(await redis());
  const s = spec(200);
  let second: unknown;
  await lock.withLock(s, async () => {
    await sleep(300);
    second = await lock.withLock({ ...s, ttlMs: 5000 }, async () => 'second');
    // Taken again, by a third party, while the slow first holder is about to release.
    await withRedis((c) => c.set(keyOf(s.name), 'third-party', 'PX', 5000));
  });
  assert.deepEqual(second, { acquired: true, value: 'second' }, 'the expired lock was free');
  assert.equal(await withRedis((c) => c.get(keyOf(s.name))), 'third-party', 'the late release left the other owner alone');
});

test('a renewed lock outlives its short TTL while its holder works, and frees itself soon after a holder dies', async () => {
  const lock = new RedisLock(await redis());
  const s = { ...spec(300), renewEveryMs: 100 };
  let midway: boolean | undefined;
  const r = await lock.withLock(s, async () => {
    await sleep(700); // more than twice the TTL
    midway = (await lock.withLock(s, async () => true)).acquired;
    return 'done';
  });
  assert.deepEqual(r, { acquired: true, value: 'done' });
  assert.equal(midway, false, 'nobody else got it while the holder was working');
  // A holder that dies renews nothing: set the key as a crashed holder would have left it.
  const dead = spec(300);
  await withRedis((c) => c.set(keyOf(dead.name), 'a-dead-holder', 'PX', 300));
  assert.equal((await lock.withLock(dead, async () => true)).acquired, false);
  await sleep(350);
  assert.equal((await lock.withLock(dead, async () => true)).acquired, true, 'free once its TTL ran out');
});
