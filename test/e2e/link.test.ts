// A successful link: the Account resource, re-link by POSTing again, Idempotency-Key, and concurrent identical links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';
import { ACCOUNT_KEYS, accountRows, assertError, newOwner } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack({}, (s) => ({ sim, api } = s));

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

test('link returns the contract Account and stores one row', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const ownerId = newOwner('link');
  const started = Date.now();
  // Upper-case uuid and surrounding blanks: stored canonical.
  const res = await api.call('POST', '/v1/accounts', {
    ownerId,
    ...US,
    clientId: ` organization.${org.id.toUpperCase()} `,
    clientSecret: org.clientSecret,
    label: 'Main vault',
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const a = res.body;
  assert.deepEqual(Object.keys(a).sort(), ACCOUNT_KEYS);
  assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(a.ownerId, ownerId);
  assert.equal(a.provider, 'bitwarden');
  assert.equal(a.organizationId, org.id.toLowerCase());
  assert.equal(a.clientId, `organization.${org.id.toLowerCase()}`);
  assert.equal(a.label, 'Main vault');
  assert.equal(a.region, 'us');
  assert.equal(a.apiBaseUrl, US.apiBaseUrl);
  assert.equal(a.identityBaseUrl, US.identityBaseUrl);
  assert.equal(a.secretLast4, org.clientSecret.slice(-4));
  assert.equal(a.status, 'active');
  assert.equal(a.statusReason, null);
  assert.equal(a.lastError, null);
  for (const k of ['lastVerifiedAt', 'lastCheckedAt', 'tokenExpiresAt', 'createdAt', 'updatedAt']) assert.match(a[k], ISO, k);
  assert.ok(Date.parse(a.tokenExpiresAt) > started + 3000 * 1000, 'token of the link is cached with its lifetime');
  assert.ok(!JSON.stringify(a).includes(org.clientSecret));

  const got = await api.call('GET', `/v1/accounts/${a.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, a);
  const upper = await api.call('GET', `/v1/accounts/${a.id.toUpperCase()}`);
  assert.equal(upper.status, 200, 'ids are matched case-insensitively');
  assert.equal((await accountRows(ownerId)).length, 1);
});

test('label may be omitted or null', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const ownerId = newOwner('nolabel');
  const res = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: null });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.label, null);
});

test('same owner + organization + identity URL again → 200, same id, updated', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const ownerId = newOwner('again');
  const first = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: 'one' });
  assert.equal(first.status, 201);
  await new Promise((r) => setTimeout(r, 20));
  const second = await api.call('POST', '/v1/accounts', {
    ownerId,
    apiBaseUrl: 'https://api.bitwarden.com/',
    identityBaseUrl: 'https://IDENTITY.bitwarden.com',
    clientId: org.clientId.toUpperCase().replace('ORGANIZATION.', 'organization.'),
    clientSecret: org.clientSecret,
    label: 'two',
  });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.id, first.body.id);
  assert.equal(second.body.label, 'two');
  assert.equal(second.body.createdAt, first.body.createdAt);
  assert.ok(Date.parse(second.body.updatedAt) > Date.parse(first.body.updatedAt));
  assert.ok(Date.parse(second.body.lastVerifiedAt) > Date.parse(first.body.lastVerifiedAt), 're-verified');
  assert.equal(sim.counters().tokenLog.filter((e) => e.clientId === org.clientId).length, 2, 're-verified with a fresh exchange');
  assert.equal((await accountRows(ownerId)).length, 1);

  // Another owner linking the same organization gets its own account.
  const other = await api.call('POST', '/v1/accounts', { ownerId: newOwner('again-other'), ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(other.status, 201);
  assert.notEqual(other.body.id, first.body.id);
});

test('re-link by POST with a rotated secret swaps it in; a wrong one leaves the account alone', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const ownerId = newOwner('again-rot');
  const first = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  const before = (await accountRows(ownerId))[0];
  const bad = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: 'not-the-secret-000000000000000' });
  assertError(bad, 422, 'credentials_rejected');
  const unchanged = (await accountRows(ownerId))[0];
  assert.deepEqual(unchanged.secret_enc, before.secret_enc);
  assert.equal(unchanged.credentials_version, before.credentials_version);
  const rotated = sim.rotateKey(org.id);
  const second = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: rotated });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.id, first.body.id);
  assert.equal(second.body.secretLast4, rotated.slice(-4));
});

test('Idempotency-Key: a repeat returns the first response without a second exchange; another body is 422', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const ownerId = newOwner('idem');
  const body = { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const key = `idem-${Date.now()}`;
  const a = await api.call('POST', '/v1/accounts', body, { 'idempotency-key': key });
  const b = await api.call('POST', '/v1/accounts', body, { 'idempotency-key': key });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(b.status, 201);
  assert.deepEqual(b.body, a.body);
  assert.equal(sim.counters().tokenLog.filter((e) => e.clientId === org.clientId).length, 1);
  const c = await api.call('POST', '/v1/accounts', { ...body, label: 'different' }, { 'idempotency-key': key });
  assertError(c, 422, 'idempotency_key_reused');
  assert.equal((await accountRows(ownerId)).length, 1);
});

test('10 identical concurrent links give exactly one account', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const ownerId = newOwner('race');
  const body = { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const results = await Promise.all(Array.from({ length: 10 }, () => api.call('POST', '/v1/accounts', body)));
  const statuses = results.map((r) => r.status);
  for (const r of results) assert.ok(r.status === 200 || r.status === 201, JSON.stringify({ statuses, body: r.body }));
  assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses}`);
  assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
  const rows = await accountRows(ownerId);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].id, results[0].body.id);
  const list = await api.call('GET', `/v1/accounts?ownerId=${ownerId}`);
  assert.equal(list.body.data.length, 1);
  assert.equal(list.body.data[0].status, 'active');
});
