import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack({}, (s) => ({ sim, api } = s));

test('links a US organization and lists it', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const res = await api.call('POST', '/v1/accounts', { ownerId: 'smoke-owner', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.status, 'active');
  assert.equal(res.body.region, 'us');
  const list = await api.call('GET', '/v1/accounts?ownerId=smoke-owner');
  assert.equal(list.status, 200);
  assert.equal(list.body.data.length, 1);
  const tok = await api.call('POST', `/v1/accounts/${res.body.id}/token`, {});
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  assert.equal(sim.counters().tokenRequests, 1, 'the token from the link is reused');
});
