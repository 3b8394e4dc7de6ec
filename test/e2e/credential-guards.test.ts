// Who may change an account's credentials, and how concurrent changes behave: a plain connect session cannot take
// over its owner's existing account (409 already_linked, before any exchange), a re-link keeps the organization
// (422 organization_mismatch), concurrent re-links of one account run one at a time, and ids in any letter case are
// one account for Idempotency-Key scopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle, SimOrg } from '@app/simulator';
import { Api, US, useStack, withPg } from '../support/stack';
import { newOwner } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

const exchangesOf = (org: SimOrg) => sim.counters().tokenLog.filter((e) => e.clientId === org.clientId).length;

async function linked(ownerId = newOwner('guard')): Promise<{ org: SimOrg; id: string; ownerId: string }> {
  const org = sim.createOrg({ realm: 'us' });
  const res = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: 'hub label' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { org, id: res.body.id, ownerId };
}

async function sessionFor(ownerId: string, accountId?: string): Promise<string> {
  const res = await api.call('POST', '/v1/connect-sessions', { ownerId, ...(accountId ? { accountId } : {}) });
  assert.equal(res.status, 201);
  return res.body.token;
}

const rowOf = (id: string) =>
  withPg(async (pg) => (await pg.query('SELECT label, secret_enc, credentials_version, updated_at FROM accounts WHERE id = $1', [id])).rows[0]);

test('a plain session posting an organization its owner already has gets 409 already_linked, with no exchange and nothing changed', async () => {
  const { org, id, ownerId } = await linked();
  const token = await sessionFor(ownerId);
  const before = await rowOf(id);
  const exchanges = exchangesOf(org);
  const res = await api.call('POST', '/v1/accounts', { ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: 'taken over' }, { authorization: `Bearer ${token}` });
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'already_linked');
  assert.equal(exchangesOf(org), exchanges, 'decided before any token exchange');
  assert.deepEqual(await rowOf(id), before, 'label, secret, version and updatedAt untouched');
  const read = await api.call('GET', `/v1/accounts/${id}`, undefined, { authorization: `Bearer ${token}` });
  assert.equal(read.status, 404, 'the session still may not see the account');
});

test('the session that created an account may post it again (200), and the service key may update any', async () => {
  const ownerId = newOwner('guard');
  const org = sim.createOrg({ realm: 'us' });
  const token = await sessionFor(ownerId);
  const auth = { authorization: `Bearer ${token}` };
  const body = { ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const first = await api.call('POST', '/v1/accounts', body, auth);
  assert.equal(first.status, 201);
  const again = await api.call('POST', '/v1/accounts', body, auth);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.id, first.body.id);
  const service = await api.call('POST', '/v1/accounts', { ownerId, ...body });
  assert.equal(service.status, 200);
});

test('a re-link with a key of another organization is 422 organization_mismatch: nothing sent, nothing changed', async () => {
  const { org, id } = await linked();
  const other = sim.createOrg({ realm: 'us' });
  const before = await rowOf(id);
  const sent = exchangesOf(org) + exchangesOf(other);
  const res = await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientId: other.clientId, clientSecret: other.clientSecret });
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'organization_mismatch');
  assert.ok(res.body.error.fields?.clientId);
  assert.equal(exchangesOf(org) + exchangesOf(other), sent);
  assert.deepEqual(await rowOf(id), before);
});

test('8 concurrent re-links of one account: all 200, one exchange each at most, a consistent end state', async () => {
  const { org, id } = await linked();
  const secret = sim.rotateKey(org.id);
  const before = exchangesOf(org);
  const version = (await rowOf(id)).credentials_version;
  const answers = await Promise.all(Array.from({ length: 8 }, () => api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: secret })));
  assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200), JSON.stringify(answers.map((a) => a.body?.error?.code)));
  assert.ok(exchangesOf(org) - before <= 8, `at most one exchange per request (saw ${exchangesOf(org) - before})`);
  const after = await rowOf(id);
  assert.equal(after.credentials_version, version + 8, 'each re-link applied once, in turn');
  const final = await api.call('GET', `/v1/accounts/${id}`);
  assert.equal(final.body.status, 'active');
  assert.equal(final.body.secretLast4, secret.slice(-4));
});

test('an Idempotency-Key on a re-link is one key whatever the letter case of the id', async () => {
  const { org, id } = await linked();
  const secret = sim.rotateKey(org.id);
  const key = { 'idempotency-key': `case-${id}` };
  const first = await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: secret }, key);
  assert.equal(first.status, 200);
  const sent = exchangesOf(org);
  const upper = await api.call('PUT', `/v1/accounts/${id.toUpperCase()}/credentials`, { clientSecret: secret }, key);
  assert.equal(upper.status, 200);
  assert.deepEqual(upper.body, first.body, 'the stored response is replayed');
  assert.equal(exchangesOf(org), sent, 'no second exchange');
});
