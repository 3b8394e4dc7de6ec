// GET /v1/accounts?flavor= and ?organizationId=: find accounts by their server's flavor or by their organization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

const VW = { apiBaseUrl: 'https://vaultwarden.selfhosted.test/api', identityBaseUrl: 'https://vaultwarden.selfhosted.test/identity' };

test('filters by server flavor and by organization id (any case), and refuses bad values', async () => {
  const ownerId = 'filters';
  const cloud = sim.createOrg({ realm: 'us' });
  const vw = sim.createOrg({ realm: 'vaultwarden.selfhosted.test' });
  const a = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: cloud.clientId, clientSecret: cloud.clientSecret });
  const b = await api.call('POST', '/v1/accounts', { ownerId, ...VW, clientId: vw.clientId, clientSecret: vw.clientSecret });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.deepEqual(b.body.server?.flavor, 'vaultwarden');
  const byFlavor = await api.call('GET', `/v1/accounts?ownerId=${ownerId}&flavor=vaultwarden`);
  assert.deepEqual(byFlavor.body.data.map((x: { id: string }) => x.id), [b.body.id]);
  const official = await api.call('GET', `/v1/accounts?ownerId=${ownerId}&flavor=bitwarden`);
  assert.deepEqual(official.body.data.map((x: { id: string }) => x.id), [a.body.id]);
  const byOrg = await api.call('GET', `/v1/accounts?organizationId=${cloud.id.toUpperCase()}`);
  assert.deepEqual(byOrg.body.data.map((x: { id: string }) => x.id), [a.body.id]);
  for (const q of ['flavor=keepass', 'organizationId=nope']) {
    const bad = await api.call('GET', `/v1/accounts?${q}`);
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.fields?.[q.split('=')[0]!]);
  }
});
