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

// Idempotency-Keys are scoped to the session's owner, so two sessions of one owner can send the same key: a stored
// answer is replayed to a session only when that session may see the account in it; otherwise the request is judged
// afresh, as if no key had matched, and the stored answer stays as it was.
const keyRow = (key: string) =>
  withPg(async (pg) => (await pg.query('SELECT status_code, response_body FROM idempotency_keys WHERE scope LIKE $1', [`%|${key}`])).rows);

test('a plain session replaying an edit session\'s re-link Idempotency-Key gets 404, and the edit session still gets its replay', async () => {
  const { org, id, ownerId } = await linked();
  const edit = await sessionFor(ownerId, id);
  const plain = await sessionFor(ownerId);
  const body = { clientSecret: org.clientSecret };
  const first = await api.call('PUT', `/v1/accounts/${id}/credentials`, body, { authorization: `Bearer ${edit}`, 'idempotency-key': 'relink-1' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const stored = await keyRow('relink-1');
  const exchanges = exchangesOf(org);
  const replay = await api.call('PUT', `/v1/accounts/${id}/credentials`, body, { authorization: `Bearer ${plain}`, 'idempotency-key': 'relink-1' });
  assert.equal(replay.status, 404, JSON.stringify(replay.body));
  assert.equal(replay.body.error.code, 'not_found');
  assert.equal(exchangesOf(org), exchanges, 'no exchange for the refused session');
  assert.deepEqual(await keyRow('relink-1'), stored, 'the stored answer is untouched');
  const again = await api.call('PUT', `/v1/accounts/${id}/credentials`, body, { authorization: `Bearer ${edit}`, 'idempotency-key': 'relink-1' });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, first.body, 'the edit session\'s repeat is still a replay');
  assert.equal(exchangesOf(org), exchanges);
});

test('a second session replaying the first one\'s link key gets 409 already_linked, not the account; the first still gets its 201', async () => {
  const ownerId = newOwner('guard');
  const org = sim.createOrg({ realm: 'us' });
  const a = await sessionFor(ownerId);
  const b = await sessionFor(ownerId);
  const body = { ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const first = await api.call('POST', '/v1/accounts', body, { authorization: `Bearer ${a}`, 'idempotency-key': 'link-1' });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const exchanges = exchangesOf(org);
  const other = await api.call('POST', '/v1/accounts', body, { authorization: `Bearer ${b}`, 'idempotency-key': 'link-1' });
  assert.equal(other.status, 409, JSON.stringify(other.body));
  assert.equal(other.body.error.code, 'already_linked');
  assert.equal(exchangesOf(org), exchanges, 'decided before any exchange');
  assert.equal((await api.call('GET', `/v1/accounts/${first.body.id}`, undefined, { authorization: `Bearer ${b}` })).status, 404);
  const again = await api.call('POST', '/v1/accounts', body, { authorization: `Bearer ${a}`, 'idempotency-key': 'link-1' });
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body);
});

test('a plain session\'s refused re-link is not replayed to the edit session that sends the same key', async () => {
  const { org, id, ownerId } = await linked();
  const plain = await sessionFor(ownerId);
  const edit = await sessionFor(ownerId, id);
  const body = { clientSecret: org.clientSecret };
  const refused = await api.call('PUT', `/v1/accounts/${id}/credentials`, body, { authorization: `Bearer ${plain}`, 'idempotency-key': 'relink-2' });
  assert.equal(refused.status, 404);
  const ok = await api.call('PUT', `/v1/accounts/${id}/credentials`, body, { authorization: `Bearer ${edit}`, 'idempotency-key': 'relink-2' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.id, id);
});
