import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { linkAccount } from '../../support/factories';
import { exchangesFor } from '../../support/fixtures';
import { clearTokenBehindCaches } from './token-cache-helpers';
import { Api, useStack } from '../../support/stack';

// Concurrent token calls for an account without a usable cached token make exactly one upstream exchange:
// in one process (promise map) and across processes (Redis lock + re-read).
let sim: SimulatorHandle;
let api1: Api;
let api2: Api;

useStack({ apis: { second: {} } }, (s) => {
  sim = s.sim;
  api1 = s.api;
  api2 = s.apis.second;
});

async function burst(apis: Api[], id: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, (_, i) => apis[i % apis.length].call('POST', `/v1/accounts/${id}/token`, { minValiditySeconds: 300 })),
  );
}

test('50 concurrent token calls in one process: one exchange, one token for all', async () => {
  const a = await linkAccount(api1, sim, { ownerId: 'sf-one' });
  await clearTokenBehindCaches(a.id);
  sim.configure({ latencyMs: 300 });
  const since = Date.now();
  try {
    const results = await burst([api1], a.id, 50);
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(new Set(results.map((r) => r.body.accessToken)).size, 1, 'all 50 got the same token');
    assert.equal(exchangesFor(sim, a.org.clientId, { since, any: true }).length, 1, 'exactly one upstream exchange');
  } finally {
    sim.configure({ latencyMs: 0 });
  }
});

test('50 concurrent token calls split across two API instances: one exchange, one token for all', async () => {
  const a = await linkAccount(api1, sim, { ownerId: 'sf-two' });
  await clearTokenBehindCaches(a.id);
  sim.configure({ latencyMs: 300 });
  const since = Date.now();
  try {
    const results = await burst([api1, api2], a.id, 50);
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(new Set(results.map((r) => r.body.accessToken)).size, 1, 'all 50 got the same token');
    assert.equal(exchangesFor(sim, a.org.clientId, { since, any: true }).length, 1, 'exactly one upstream exchange');
  } finally {
    sim.configure({ latencyMs: 0 });
  }
});

test('single flight is per account: concurrent calls for two accounts make one exchange each', async () => {
  const a = await linkAccount(api1, sim, { ownerId: 'sf-pair' });
  const b = await linkAccount(api1, sim, { ownerId: 'sf-pair' });
  await clearTokenBehindCaches(a.id);
  await clearTokenBehindCaches(b.id);
  sim.configure({ latencyMs: 300 });
  const since = Date.now();
  try {
    const [ra, rb] = await Promise.all([burst([api1, api2], a.id, 20), burst([api2, api1], b.id, 20)]);
    for (const r of [...ra, ...rb]) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(new Set(ra.map((r) => r.body.accessToken)).size, 1);
    assert.equal(new Set(rb.map((r) => r.body.accessToken)).size, 1);
    assert.notEqual(ra[0].body.accessToken, rb[0].body.accessToken);
    assert.equal(exchangesFor(sim, a.org.clientId, { since, any: true }).length, 1);
    assert.equal(exchangesFor(sim, b.org.clientId, { since, any: true }).length, 1);
  } finally {
    sim.configure({ latencyMs: 0 });
  }
});
