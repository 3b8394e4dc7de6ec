import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TokenCache, TokenCacheService, TokenState } from '@app/accounts';
import { AppConfig } from '@app/config';
import { InvalidationChannels, invalidationChannel, RedisService, RedisSubscriber } from '@app/redis';
import { baseEnv, TEST_REDIS_URL } from '../support/env';
import { waitFor } from '../support/procs';

// The token cache and its invalidation channel against the real Redis, each "process" built by hand: what one
// publishes empties the other's entry; a subscriber that loses Redis turns its cache off; a publish with Redis
// unreachable fails quietly. The cache's own rules (age bound, fills that raced an invalidation, size bound) too.
const opened: Array<{ redis: RedisService; sub: RedisSubscriber }> = [];
after(async () => {
  for (const o of opened) {
    await o.sub.onApplicationShutdown();
    o.redis.client.disconnect();
  }
});

function processOn(redisUrl = TEST_REDIS_URL) {
  const config = new AppConfig(baseEnv(1, { REDIS_URL: redisUrl }));
  const redis = new RedisService(config);
  const sub = new RedisSubscriber(config, redis);
  opened.push({ redis, sub });
  const channels = new InvalidationChannels(config, redis, sub);
  return { redis, sub, channels, tokens: new TokenCacheService(channels) };
}

const state = (id: string): TokenState =>
  ({ id, ownerId: 'o', status: 'active', apiBaseUrl: 'https://api.bitwarden.com', tokenEnc: Buffer.from('x'), tokenExpiresAt: new Date(Date.now() + 3600_000), tokenScope: null, tokenLifetimeSeconds: 3600, lastTokenRequestAt: null, refreshAt: null }) as TokenState;

test("an invalidation published by one process empties the other's entry, and only that one", async () => {
  const one = processOn();
  const two = processOn();
  const cache = two.tokens.active();
  await waitFor(() => cache.isEnabled, 5000, 'the subscriber to be up', 5);
  const [a, b] = [randomUUID(), randomUUID()];
  for (const id of [a, b]) cache.put(id, cache.ticket(), { state: state(id), accessToken: 'plain' });
  assert.ok(cache.get(a) && cache.get(b));
  assert.equal(await one.tokens.invalidate(a), undefined);
  await waitFor(() => cache.get(a) === null, 2000, 'the message to arrive', 2);
  assert.ok(cache.get(b), 'another account stays cached');
});

test('the channel name carries the Redis database: another database does not hear it', async () => {
  const other = new URL(TEST_REDIS_URL);
  other.pathname = `/${(Number(other.pathname.slice(1) || 0) + 1) % 16}`;
  assert.notEqual(invalidationChannel(TEST_REDIS_URL, 'account-token'), invalidationChannel(other.toString(), 'account-token'));
  const here = processOn();
  const there = processOn(other.toString());
  const heard: string[] = [];
  there.channels.listen('account-token', { message: (id) => heard.push(id), up: () => undefined, down: () => undefined });
  const mine: string[] = [];
  here.channels.listen('account-token', { message: (id) => mine.push(id), up: () => undefined, down: () => undefined });
  await waitFor(() => here.sub.isLive() && there.sub.isLive(), 5000, 'both subscribers to be up', 5);
  const id = randomUUID();
  assert.equal(await here.channels.publish('account-token', id), true);
  await waitFor(() => mine.includes(id), 2000, 'the own database to hear it', 2);
  assert.deepEqual(heard.filter((x) => x === id), []);
});

test('a subscriber that loses Redis turns its cache off and empties it; a publish without Redis fails quietly', async () => {
  const p = processOn();
  const cache = p.tokens.active();
  await waitFor(() => cache.isEnabled, 5000, 'the subscriber to be up', 5);
  const id = randomUUID();
  cache.put(id, cache.ticket(), { state: state(id), accessToken: 'plain' });
  assert.equal(cache.size, 1);
  await p.sub.onApplicationShutdown();
  assert.equal(cache.isEnabled, false);
  assert.equal(cache.size, 0);
  cache.put(id, cache.ticket(), { state: state(id), accessToken: 'plain' });
  assert.equal(cache.size, 0, 'nothing is cached while invalidations cannot be heard');

  const down = processOn('redis://127.0.0.1:1/0');
  assert.equal(await down.channels.publish('account-token', id), false);
  await assert.doesNotReject(down.tokens.invalidate(id));
  const never = down.tokens.active();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(never.isEnabled, false, 'a process that never reached Redis never caches');
});

test('the cache: entries expire by the age of the read that made them, fills that raced an invalidation are dropped, size is bounded', async () => {
  let now = 1000;
  const cache = new TokenCache(100, 3, () => now);
  const v = (id: string) => ({ state: state(id), accessToken: null });
  cache.put('a', cache.ticket(), v('a'));
  assert.equal(cache.size, 0, 'off until enabled');
  cache.drop(true);

  const t = cache.ticket();
  now += 60; // the read took 60 ms
  cache.put('a', t, v('a'));
  now += 40;
  assert.ok(cache.get('a'), '100 ms after the read began: still served');
  now += 1;
  assert.equal(cache.get('a'), null, 'older than 100 ms counted from the start of its read: gone');

  const raced = cache.ticket();
  cache.invalidate('a');
  cache.put('a', raced, v('a'));
  assert.equal(cache.get('a'), null, 'a read begun before an invalidation is not stored');

  for (const id of ['b', 'c', 'd', 'e']) cache.put(id, cache.ticket(), v(id));
  assert.equal(cache.size, 3);
  assert.equal(cache.get('b'), null, 'the oldest entry made room');

  let reads = 0;
  const slow = () => {
    reads++;
    return new Promise<TokenState>((r) => setTimeout(() => r(state('f')), 20));
  };
  const [x, y] = await Promise.all([cache.through('f', slow), cache.through('f', slow)]);
  assert.equal(reads, 1, 'concurrent misses share one read');
  assert.equal(x, y);
  cache.drop(false);
  await Promise.all([cache.through('g', slow), cache.through('g', slow)]);
  assert.equal(reads, 3, 'with the cache off, every call reads');
});
