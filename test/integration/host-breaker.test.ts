import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { REDIS_PREFIX } from '@app/redis';
import { HostBreaker } from '@app/bitwarden';
import { deleteRedisKeys } from '../support/fixtures';
import { useRedisService } from '../support/services';

// The per-host circuit breaker against the real Redis: at least 5 failures that are at least 80 % of the outcomes
// in the window open it; one probe per interval; a failed probe doubles the interval, capped.
const redis = useRedisService();
const hosts: string[] = [];
const newHost = () => {
  const h = `it-${randomUUID()}.test`;
  hosts.push(h);
  return h;
};
after(() => deleteRedisKeys(hosts.flatMap((h) => ['stats', 'open', 'probe'].map((k) => `${REDIS_PREFIX}breaker:${h}:${k}`))));

test('opens on the fifth failure in a row, with a first probe interval of 5 s', async () => {
  const b = new HostBreaker(await redis());
  const host = newHost();
  for (let i = 1; i <= 4; i++) assert.equal(await b.recordFailure(host), false, `failure ${i}`);
  assert.deepEqual(await b.state(host), { open: false });
  assert.equal(await b.recordFailure(host), true);
  assert.deepEqual(await b.state(host), { open: true, probeIntervalMs: 5000 });
});

test('stays closed while successes keep failures under 80 %', async () => {
  const b = new HostBreaker(await redis());
  const host = newHost();
  await b.recordSuccess(host);
  await b.recordSuccess(host);
  for (let i = 0; i < 7; i++) assert.equal(await b.recordFailure(host), false, `7 of 9 is under 80 % (failure ${i + 1})`);
  assert.equal(await b.recordFailure(host), true, '8 of 10 opens it');
});

test('one probe per interval; a failed probe doubles the interval, never past the cap', async () => {
  const b = new HostBreaker(await redis());
  const host = newHost();
  for (let i = 0; i < 5; i++) await b.recordFailure(host);
  assert.equal(await b.tryProbe(host, 5000), true);
  assert.equal(await b.tryProbe(host, 5000), false, 'the second caller postpones');
  await b.probeFailed(host, 5000, 3600_000);
  assert.deepEqual(await b.state(host), { open: true, probeIntervalMs: 10_000 });
  await b.probeFailed(host, 200_000, 3600_000);
  assert.deepEqual(await b.state(host), { open: true, probeIntervalMs: 300_000 }, 'at most 5 min');
  await b.probeFailed(host, 200_000, 60_000);
  assert.deepEqual(await b.state(host), { open: true, probeIntervalMs: 60_000 }, 'at most the check interval');
});

test('close forgets the failures: four more do not reopen it', async () => {
  const b = new HostBreaker(await redis());
  const host = newHost();
  for (let i = 0; i < 5; i++) await b.recordFailure(host);
  await b.close(host);
  assert.deepEqual(await b.state(host), { open: false });
  for (let i = 0; i < 4; i++) assert.equal(await b.recordFailure(host), false);
  assert.equal(await b.tryProbe(host, 5000), true, 'the probe slot was cleared too');
});
