// The region matrix of a successful link: US, EU, self-hosted (with and without a path prefix), Vaultwarden, and URL canonicalisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle, SimOrg } from '@app/simulator';
import { Api, EU, SELF, US, useStack } from '../support/stack';
import { accountRows, assertError, assertNothingStored, newOwner } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack({}, (s) => ({ sim, api } = s));

async function link(org: SimOrg, urls: { apiBaseUrl: string; identityBaseUrl: string }, ownerId = newOwner('region')) {
  const res = await api.call('POST', '/v1/accounts', { ownerId, ...urls, clientId: org.clientId, clientSecret: org.clientSecret });
  return { res, ownerId };
}

const cases: Array<{ name: string; realm: string; urls: { apiBaseUrl: string; identityBaseUrl: string }; region: string; stored: { apiBaseUrl: string; identityBaseUrl: string }; host: string }> = [
  { name: 'US cloud', realm: 'us', urls: US, region: 'us', stored: US, host: 'identity.bitwarden.com' },
  { name: 'EU cloud', realm: 'eu', urls: EU, region: 'eu', stored: EU, host: 'identity.bitwarden.eu' },
  { name: 'self-hosted', realm: 'bw.selfhosted.test', urls: SELF, region: 'self-hosted', stored: SELF, host: 'bw.selfhosted.test' },
  {
    name: 'self-hosted with a path prefix',
    realm: 'bw.selfhosted.test',
    urls: { apiBaseUrl: 'https://bw.selfhosted.test/bitwarden/api', identityBaseUrl: 'https://bw.selfhosted.test/bitwarden/identity' },
    region: 'self-hosted',
    stored: { apiBaseUrl: 'https://bw.selfhosted.test/bitwarden/api', identityBaseUrl: 'https://bw.selfhosted.test/bitwarden/identity' },
    host: 'bw.selfhosted.test',
  },
  {
    name: 'US canonicalised (trailing slash, upper case, :443)',
    realm: 'us',
    urls: { apiBaseUrl: 'https://API.Bitwarden.COM:443/', identityBaseUrl: 'HTTPS://identity.bitwarden.com//' },
    region: 'us',
    stored: US,
    host: 'identity.bitwarden.com',
  },
  {
    name: 'EU canonicalised (FQDN dot, whitespace around)',
    realm: 'eu',
    urls: { apiBaseUrl: ' https://api.bitwarden.eu./ ', identityBaseUrl: 'https://Identity.Bitwarden.EU:443' },
    region: 'eu',
    stored: EU,
    host: 'identity.bitwarden.eu',
  },
  {
    name: 'self-hosted canonicalised',
    realm: 'bw.selfhosted.test',
    urls: { apiBaseUrl: 'https://BW.SelfHosted.Test:443/api/', identityBaseUrl: 'https://bw.selfhosted.test/identity/' },
    region: 'self-hosted',
    stored: SELF,
    host: 'bw.selfhosted.test',
  },
  {
    name: 'Vaultwarden',
    realm: 'vaultwarden.selfhosted.test',
    urls: { apiBaseUrl: 'https://vaultwarden.selfhosted.test/api', identityBaseUrl: 'https://vaultwarden.selfhosted.test/identity' },
    region: 'self-hosted',
    stored: { apiBaseUrl: 'https://vaultwarden.selfhosted.test/api', identityBaseUrl: 'https://vaultwarden.selfhosted.test/identity' },
    host: 'vaultwarden.selfhosted.test',
  },
];

for (const c of cases) {
  test(`links ${c.name}`, async () => {
    const org = sim.createOrg({ realm: c.realm });
    const { res, ownerId } = await link(org, c.urls);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.region, c.region);
    assert.equal(res.body.apiBaseUrl, c.stored.apiBaseUrl);
    assert.equal(res.body.identityBaseUrl, c.stored.identityBaseUrl);
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.statusReason, null);
    assert.equal(res.body.organizationId, org.id.toLowerCase());
    const log = sim.counters().tokenLog.filter((e) => e.clientId === org.clientId);
    assert.equal(log.length, 1, 'exactly one token exchange');
    assert.equal(log[0].host, c.host);
    assert.equal(log[0].status, 200);
    const rows = await accountRows(ownerId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].api_base_url, c.stored.apiBaseUrl);
    assert.equal(rows[0].identity_base_url, c.stored.identityBaseUrl);
    assert.equal(rows[0].region, c.region);
    // The link's own token is served without another exchange.
    const tok = await api.call('POST', `/v1/accounts/${res.body.id}/token`, {});
    assert.equal(tok.status, 200, JSON.stringify(tok.body));
    assert.equal(tok.body.apiBaseUrl, c.stored.apiBaseUrl);
    assert.equal(sim.counters().tokenLog.filter((e) => e.clientId === org.clientId).length, 1);
  });
}

test('Vaultwarden: a wrong secret is credentials_rejected, nothing stored', async () => {
  const org = sim.createOrg({ realm: 'vaultwarden.selfhosted.test' });
  const ownerId = newOwner('vw-bad');
  const res = await api.call('POST', '/v1/accounts', {
    ownerId,
    apiBaseUrl: 'https://vaultwarden.selfhosted.test/api',
    identityBaseUrl: 'https://vaultwarden.selfhosted.test/identity',
    clientId: org.clientId,
    clientSecret: org.clientSecret.slice(0, -1) + (org.clientSecret.endsWith('x') ? 'y' : 'x'),
  });
  assertError(res, 422, 'credentials_rejected');
  await assertNothingStored(api, ownerId);
});

test('Vaultwarden: an unknown organization is credentials_rejected', async () => {
  const ownerId = newOwner('vw-unknown');
  const res = await api.call('POST', '/v1/accounts', {
    ownerId,
    apiBaseUrl: 'https://vaultwarden.selfhosted.test/api',
    identityBaseUrl: 'https://vaultwarden.selfhosted.test/identity',
    clientId: 'organization.00000000-0000-4000-8000-000000000000',
    clientSecret: 'abcdefghijklmnopqrstuvwxyz0123',
  });
  assertError(res, 422, 'credentials_rejected');
  await assertNothingStored(api, ownerId);
});

test('an EU organization used against the US pair is credentials_rejected', async () => {
  const org = sim.createOrg({ realm: 'eu' });
  const { res, ownerId } = await link(org, US);
  assertError(res, 422, 'credentials_rejected');
  await assertNothingStored(api, ownerId);
});

test('a self-hosted organization under the wrong prefix is not linked', async () => {
  const org = sim.createOrg({ realm: 'other.selfhosted.test' });
  const { res, ownerId } = await link(org, SELF);
  assertError(res, 422, 'credentials_rejected');
  await assertNothingStored(api, ownerId);
});

test('the same organization under two identity URLs gives two accounts', async () => {
  const org = sim.createOrg({ realm: 'bw.selfhosted.test' });
  const ownerId = newOwner('two-urls');
  const a = await link(org, SELF, ownerId);
  const b = await link(org, { apiBaseUrl: 'https://bw.selfhosted.test/bitwarden/api', identityBaseUrl: 'https://bw.selfhosted.test/bitwarden/identity' }, ownerId);
  assert.equal(a.res.status, 201);
  assert.equal(b.res.status, 201);
  assert.notEqual(a.res.body.id, b.res.body.id);
  const list = await api.call('GET', `/v1/accounts?ownerId=${ownerId}`);
  assert.equal(list.body.data.length, 2);
});

test('region filter lists each region', async () => {
  for (const region of ['us', 'eu', 'self-hosted']) {
    const list = await api.call('GET', `/v1/accounts?region=${region}&limit=200`);
    assert.equal(list.status, 200);
    assert.ok(list.body.data.length > 0, region);
    assert.ok(list.body.data.every((a: { region: string }) => a.region === region));
  }
});
