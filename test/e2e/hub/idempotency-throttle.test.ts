import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, startApi, US, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;
let limited: Api;

useStack({ apis: { limited: { LINK_RATE_LIMIT_PER_MINUTE: '3' } } }, (s) => ({ sim, api, apis: { limited } } = s));

test('a double submit with one Idempotency-Key makes one account and one upstream exchange', async () => {
  const org = sim.createOrg();
  sim.configure({ latencyMs: 400 });
  sim.resetCounters();
  const body = { ownerId: 'idem', ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const [a, b] = await Promise.all([
    api.call('POST', '/v1/accounts', body, { 'idempotency-key': 'k-1' }),
    api.call('POST', '/v1/accounts', body, { 'idempotency-key': 'k-1' }),
  ]);
  sim.configure({ latencyMs: 0 });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(a.body.id, b.body.id);
  assert.equal(sim.counters().tokenRequests, 1);
  const replay = await api.call('POST', '/v1/accounts', { ...body }, { 'idempotency-key': 'k-1' });
  assert.deepEqual(replay.body, a.body);
  assert.equal(sim.counters().tokenRequests, 1, 'a replay makes no exchange');
  const reused = await api.call('POST', '/v1/accounts', { ...body, label: 'other' }, { 'idempotency-key': 'k-1' });
  assert.equal(reused.status, 422);
  assert.equal(reused.body.error.code, 'idempotency_key_reused');
  const list = await api.call('GET', '/v1/accounts?ownerId=idem');
  assert.equal(list.body.data.length, 1);
});

test('a rejected link is remembered: its repeat with the same key and body replays the 422 without a second exchange', async () => {
  const org = sim.createOrg();
  const body = { ownerId: 'idem2', ...US, clientId: org.clientId, clientSecret: 'wrong' };
  const bad = await api.call('POST', '/v1/accounts', body, { 'idempotency-key': 'k-2' });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.code, 'credentials_rejected');
  const exchanges = sim.counters().tokenRequests;
  const again = await api.call('POST', '/v1/accounts', { ...body }, { 'idempotency-key': 'k-2' });
  assert.equal(again.status, 422);
  assert.deepEqual(again.body, bad.body, 'the first answer, replayed');
  assert.equal(sim.counters().tokenRequests, exchanges, 'no second exchange');
  const fixed = await api.call('POST', '/v1/accounts', { ...body, clientSecret: org.clientSecret }, { 'idempotency-key': 'k-2' });
  assert.equal(fixed.status, 422, 'another body under the same key');
  assert.equal(fixed.body.error.code, 'idempotency_key_reused');
});

test('transient failures are not remembered: after a 502 the same key and body run again', async () => {
  const org = sim.createOrg();
  const body = { ownerId: 'idem4', ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  sim.addFault({ kind: '5xx', target: 'token', realm: 'us', count: 1 });
  const failed = await api.call('POST', '/v1/accounts', body, { 'idempotency-key': 'k-4' });
  assert.equal(failed.status, 502, JSON.stringify(failed.body));
  const retry = await api.call('POST', '/v1/accounts', body, { 'idempotency-key': 'k-4' });
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
});

test('re-link honours Idempotency-Key too', async () => {
  const org = sim.createOrg();
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'idem3', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  const secret = sim.rotateKey(org.id);
  sim.resetCounters();
  const first = await api.call('PUT', `/v1/accounts/${linked.body.id}/credentials`, { clientSecret: secret }, { 'idempotency-key': 'r-1' });
  const again = await api.call('PUT', `/v1/accounts/${linked.body.id}/credentials`, { clientSecret: secret }, { 'idempotency-key': 'r-1' });
  assert.equal(first.status, 200);
  assert.deepEqual(again.body, first.body);
  assert.equal(sim.counters().tokenRequests, 1);
});

test('link attempts are limited per owner: 429 rate_limited with Retry-After, other owners unaffected', async () => {
  const attempt = (ownerId: string) =>
    limited.call('POST', '/v1/accounts', { ownerId, ...US, clientId: 'organization.00000000-0000-0000-0000-000000000001', clientSecret: 'guess' });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await attempt('throttled')).status);
  assert.deepEqual(statuses.slice(0, 3), [422, 422, 422]);
  const blocked = await attempt('throttled');
  assert.equal(blocked.status, 429);
  assert.equal(blocked.body.error.code, 'rate_limited');
  assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
  assert.equal((await attempt('someone-else')).status, 422);
});

test('CORS answers only the configured origins', async () => {
  const cors = await startApi(sim.port, { CORS_ORIGINS: 'https://hub.example.test' });
  try {
    const ok = await fetch(`${cors.url}/v1/accounts`, { method: 'OPTIONS', headers: { origin: 'https://hub.example.test', 'access-control-request-method': 'POST' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://hub.example.test');
    const other = await fetch(`${cors.url}/v1/accounts`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'POST' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  } finally {
    await cors.close();
  }
});
