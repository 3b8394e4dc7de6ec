// GET /v1/hosts: what operators see per identity host now that metric labels carry only the host class.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, SELF, US, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack({}, (s) => ({ sim, api } = s));

const VW = { apiBaseUrl: 'https://vaultwarden.selfhosted.test/api', identityBaseUrl: 'https://vaultwarden.selfhosted.test/identity' };

test('one row per identity host with accounts, exactly the contract fields, with the budget each host is paced by', async () => {
  const ids: string[] = [];
  for (const [realm, urls] of [['us', US], ['bw.selfhosted.test', SELF], ['vaultwarden.selfhosted.test', VW]] as const) {
    const org = sim.createOrg({ realm });
    const res = await api.call('POST', '/v1/accounts', { ownerId: 'hosts-owner', ...urls, clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids.push(res.body.id);
  }
  const res = await api.call('GET', '/v1/hosts');
  assert.equal(res.status, 200);
  const rows = res.body.data as Array<Record<string, any>>;
  assert.deepEqual(rows.map((r) => r.host).sort(), ['bw.selfhosted.test', 'identity.bitwarden.com', 'vaultwarden.selfhosted.test']);
  for (const r of rows) {
    assert.deepEqual(Object.keys(r).sort(), ['breaker', 'flavor', 'host', 'identityBudget', 'kind', 'pausedUntil']);
    assert.deepEqual(Object.keys(r.identityBudget).sort(), ['limit', 'usedLastMinute']);
    assert.equal(r.breaker, 'closed');
    assert.equal(r.pausedUntil, null);
    assert.ok(Number.isInteger(r.identityBudget.limit) && r.identityBudget.limit > 0);
    assert.ok(r.identityBudget.usedLastMinute >= 1, `${r.host}: the link's exchange is counted`);
  }
  const by = Object.fromEntries(rows.map((r) => [r.host, r]));
  assert.deepEqual([by['identity.bitwarden.com'].kind, by['identity.bitwarden.com'].flavor], ['cloud', 'bitwarden']);
  assert.deepEqual([by['bw.selfhosted.test'].kind, by['bw.selfhosted.test'].flavor], ['self-hosted', 'bitwarden']);
  assert.deepEqual([by['vaultwarden.selfhosted.test'].kind, by['vaultwarden.selfhosted.test'].flavor], ['self-hosted', 'vaultwarden']);

  const session = await api.call('POST', '/v1/connect-sessions', { ownerId: 'hosts-owner' });
  assert.equal((await api.call('GET', '/v1/hosts', undefined, { authorization: `Bearer ${session.body.token}` })).status, 403);
  for (const id of ids) assert.equal((await api.call('DELETE', `/v1/accounts/${id}`)).status, 204);
  assert.deepEqual((await api.call('GET', '/v1/hosts')).body.data, [], 'hosts without accounts are not listed');
});
