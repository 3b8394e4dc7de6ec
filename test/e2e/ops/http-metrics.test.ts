import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Api, useStack } from '../../support/stack';
import { sample } from './ops-helpers';

// bwc_http_request_seconds is labelled by the route template Express matched, never by the raw path.
let api: Api;
useStack({}, (s) => ({ api } = s));

const metrics = async () => (await fetch(`${api.url}/metrics`)).text();
const count = (text: string, method: string, route: string, status_class: string) =>
  sample(text, 'bwc_http_request_seconds_count', { method, route, status_class }) ?? 0;

test('requests are counted by method, route template and status class; unknown paths as unmatched; /metrics not at all', async () => {
  const id = randomUUID();
  const before = await metrics();
  assert.equal((await api.call('GET', `/v1/accounts/${id}`)).status, 404);
  assert.equal((await api.call('GET', `/v1/accounts/${randomUUID()}`)).status, 404);
  assert.equal((await api.call('POST', `/v1/accounts/${id}/verify`)).status, 404);
  assert.equal((await api.call('GET', '/v1/accounts')).status, 200);
  assert.equal((await fetch(`${api.url}/v1/accounts`)).status, 401);
  assert.equal((await fetch(`${api.url}/no/such/${id}`)).status, 404);
  await metrics();
  const after = await metrics();

  assert.equal(count(after, 'GET', '/v1/accounts/:id', '4xx') - count(before, 'GET', '/v1/accounts/:id', '4xx'), 2);
  assert.equal(count(after, 'POST', '/v1/accounts/:id/verify', '4xx') - count(before, 'POST', '/v1/accounts/:id/verify', '4xx'), 1);
  assert.equal(count(after, 'GET', '/v1/accounts', '2xx') - count(before, 'GET', '/v1/accounts', '2xx'), 1);
  assert.equal(count(after, 'GET', '/v1/accounts', '4xx') - count(before, 'GET', '/v1/accounts', '4xx'), 1);
  assert.equal(count(after, 'GET', 'unmatched', '4xx') - count(before, 'GET', 'unmatched', '4xx'), 1);
  assert.ok(!after.includes(id), 'no raw id in any label');
  assert.ok(!/route="\/metrics"/.test(after), '/metrics is not counted');
  assert.ok(!/route="[^"]*\*/.test(after), 'no catch-all template stands for unknown paths');
  assert.match(after, /^process_resident_memory_bytes\{process="api"\} \d+/m);
});
