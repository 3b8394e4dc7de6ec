import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;
let redisDown: Api;

// Nothing listens on port 1: the second instance runs with Redis "down".
useStack({ apis: { redisDown: { REDIS_URL: 'redis://127.0.0.1:1' } } }, (s) => ({ sim, api, apis: { redisDown } } = s));

test('health: live always, ready when Postgres and Redis answer', async () => {
  assert.equal((await fetch(`${api.url}/health/live`)).status, 200);
  const ready = await fetch(`${api.url}/health/ready`);
  assert.equal(ready.status, 200);
  const down = await fetch(`${redisDown.url}/health/ready`);
  assert.equal(down.status, 503);
  assert.match(await down.text(), /redis/);
});

test('metrics in Prometheus text format, with the exchange counter', async () => {
  const org = sim.createOrg();
  await api.call('POST', '/v1/accounts', { ownerId: 'ops', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  const res = await fetch(`${api.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  assert.match(text, /bwc_token_exchanges_total\{host_class="us",outcome="ok"\} \d+/);
  assert.ok(!text.includes('identity.bitwarden.com'), 'no host name is a label');
  assert.ok(!text.includes(org.clientSecret));
});

test('the OpenAPI document lists every endpoint of the contract', async () => {
  const doc = (await (await fetch(`${api.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const want: Record<string, string[]> = {
    '/v1/connect-sessions': ['post'],
    '/v1/accounts': ['post', 'get'],
    '/v1/accounts/{id}': ['get', 'delete'],
    '/v1/accounts/{id}/credentials': ['put'],
    '/v1/accounts/{id}/verify': ['post'],
    '/v1/accounts/{id}/token': ['post'],
    '/v1/accounts/{id}/report-unauthorized': ['post'],
  };
  for (const [path, methods] of Object.entries(want)) {
    for (const m of methods) assert.ok(doc.paths[path]?.[m], `${m.toUpperCase()} ${path} is documented`);
  }
  assert.equal((await fetch(`${api.url}/docs`)).status, 200);
});

test('with Redis down: reads work, link answers 503 unavailable and stores nothing', async () => {
  const org = sim.createOrg();
  sim.resetCounters();
  const res = await redisDown.call('POST', '/v1/accounts', { ownerId: 'redis-down', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'unavailable');
  assert.equal(sim.counters().tokenRequests, 0, 'no exchange without the budget');
  const list = await redisDown.call('GET', '/v1/accounts?ownerId=redis-down');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.data, []);
});

test('every response carries a request id; a sane one from the caller is kept', async () => {
  const a = await fetch(`${api.url}/v1/accounts`, { headers: { 'x-request-id': 'trace-abc.123' } });
  assert.equal(a.headers.get('x-request-id'), 'trace-abc.123');
  const b = await fetch(`${api.url}/v1/accounts`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
  assert.match(b.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});
