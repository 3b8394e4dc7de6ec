// Answers that tell the whole truth at once: every bad field of a link in one answer (ownerId included), the field a
// refused address came from, and a rejected cloud key's hint about the other cloud region.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

test('a service-key link without ownerId and with another bad field names both in one answer', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const res = await api.call('POST', '/v1/accounts', { ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: 'x'.repeat(201), extra: 1 });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'validation_failed');
  for (const f of ['ownerId', 'label', 'extra']) assert.ok(res.body.error.fields?.[f], `${f} is named: ${JSON.stringify(res.body.error.fields)}`);
  assert.equal(sim.counters().tokenRequests, 0, 'nothing was sent');
});

test('a session link naming an ownerId is refused together with its other bad fields', async () => {
  const session = await api.call('POST', '/v1/connect-sessions', { ownerId: 'truths' });
  const res = await api.call('POST', '/v1/accounts', { ownerId: 'someone', ...US, clientId: 'organization.x', clientSecret: 7 }, { authorization: `Bearer ${session.body.token}` });
  assert.equal(res.status, 400);
  assert.ok(res.body.error.fields?.ownerId && res.body.error.fields?.clientSecret, JSON.stringify(res.body.error.fields));
});

test('null is a value only where the contract allows it (label): elsewhere it is refused naming the field, not taken as left out', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const session = await api.call('POST', '/v1/connect-sessions', { ownerId: 'truths', label: null, accountId: null, expiresInSeconds: null, returnUrl: null });
  assert.equal(session.status, 400, JSON.stringify(session.body));
  assert.deepEqual(Object.keys(session.body.error.fields).sort(), ['accountId', 'expiresInSeconds', 'returnUrl']);
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'truths', ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: null });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const token = await api.call('POST', `/v1/accounts/${linked.body.id}/token`, { minValiditySeconds: null });
  assert.equal(token.status, 400);
  assert.ok(token.body.error.fields?.minValiditySeconds);
  const before = sim.counters().tokenRequests;
  const relink = await api.call('PUT', `/v1/accounts/${linked.body.id}/credentials`, { clientSecret: org.clientSecret, clientId: null, apiBaseUrl: null });
  assert.equal(relink.status, 400);
  assert.ok(relink.body.error.fields?.clientId && relink.body.error.fields?.apiBaseUrl, JSON.stringify(relink.body.error.fields));
  assert.equal(sim.counters().tokenRequests, before, 'nothing was sent');
  assert.equal((await api.call('DELETE', `/v1/accounts/${linked.body.id}`)).status, 204);
});

test('unknown fields are refused on every route, also where a route takes no body or no query, and under prototype names', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'truths-unknown', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  const id: string = linked.body.id;
  const before = sim.counters().tokenRequests;
  const refused: Array<[string, string, unknown, string]> = [
    ['POST', `/v1/accounts/${id}/verify`, { force: true }, 'force'],
    ['POST', `/v1/accounts/${id}/verify?note=x`, undefined, 'note'],
    ['POST', `/v1/accounts/${id}/report-unauthorized`, { force: true }, 'force'],
    ['POST', `/v1/accounts/${id}/suspend`, { reason: 'x' }, 'reason'],
    ['GET', `/v1/accounts/${id}?x=1`, undefined, 'x'],
    ['DELETE', `/v1/accounts/${id}?hard=true`, undefined, 'hard'],
    ['POST', `/v1/accounts/${id}/token?minValiditySeconds=3000`, {}, 'minValiditySeconds'],
    ['GET', '/v1/hosts?verbose=1', undefined, 'verbose'],
    ['POST', `/v1/accounts/${id}/token`, '{"__proto__":{"minValiditySeconds":5}}', '__proto__'],
    ['POST', `/v1/accounts/${id}/token`, '{"constructor":{"x":1}}', 'constructor'],
    ['GET', '/v1/accounts?toString=x', undefined, 'toString'],
    ['POST', '/v1/accounts', JSON.stringify({ ownerId: 'truths-unknown', ...US, clientId: org.clientId, clientSecret: org.clientSecret, hasOwnProperty: 1 }), 'hasOwnProperty'],
  ];
  for (const [method, path, body, field] of refused) {
    const res = await api.call(method, path, body);
    assert.equal(res.status, 400, `${method} ${path} ${typeof body === 'string' ? body : ''}: ${JSON.stringify(res.body?.error ?? res.status)}`);
    assert.equal(res.body.error.code, 'validation_failed');
    assert.equal(res.body.error.fields?.[field], 'is not allowed', `${method} ${path} names ${field}`);
  }
  const notObject = await api.call('POST', `/v1/accounts/${id}/verify`, '[1]');
  assert.equal(notObject.status, 400);
  assert.equal(sim.counters().tokenRequests, before, 'nothing was sent to Bitwarden');
  // No body, or an empty one, is what these routes take.
  assert.equal((await api.call('POST', `/v1/accounts/${id}/verify`)).status, 200);
  assert.equal((await api.call('POST', `/v1/accounts/${id}/verify`, {})).status, 200);
  assert.equal((await api.call('DELETE', `/v1/accounts/${id}`)).status, 204);
});

test('ids that cannot be decoded are not found (owner ids are validated); an empty cursor is no cursor this service issued', async () => {
  for (const path of ['/v1/accounts/%zz', '/v1/accounts/%E0%A4%A/events']) {
    const res = await api.call('GET', path);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.error.code, 'not_found');
  }
  const revoke = await api.call('DELETE', '/v1/connect-sessions/%zz');
  assert.equal(revoke.status, 404);
  const owner = await api.call('DELETE', '/v1/owners/%zz');
  assert.equal(owner.status, 400);
  assert.ok(owner.body.error.fields?.ownerId);
  const list = await api.call('GET', '/v1/accounts?cursor=');
  assert.equal(list.status, 400);
  assert.ok(list.body.error.fields?.cursor);
});

test('url_not_allowed names the field of the refused host (both, when they share it)', async () => {
  const shared = await api.call('POST', '/v1/accounts', {
    ownerId: 'truths',
    apiBaseUrl: 'https://127.0.0.2/api',
    identityBaseUrl: 'https://127.0.0.2/identity',
    clientId: 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6',
    clientSecret: 'aBcDeFgHiJkLmNoPqRsTuVwXyZ0123',
  });
  assert.equal(shared.status, 422, JSON.stringify(shared.body));
  assert.equal(shared.body.error.code, 'url_not_allowed');
  assert.deepEqual(Object.keys(shared.body.error.fields ?? {}).sort(), ['apiBaseUrl', 'identityBaseUrl']);
});

test('a rejected cloud key names the three causes, where the key is, and the other cloud region', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const res = await api.call('POST', '/v1/accounts', { ownerId: 'truths', ...US, clientId: org.clientId, clientSecret: 'wrong-secret-0123456789abcdefgh' });
  assert.equal(res.status, 422);
  assert.equal(res.body.error.code, 'credentials_rejected');
  const m: string = res.body.error.message;
  for (const part of [/rotated/, /disabled/, /API access/, /Settings → Organization info → API key/, /EU cloud/]) assert.match(m, part);
  assert.equal(sim.counters().byRealm.eu?.tokenRequests ?? 0, 0, 'the secret was not sent to the other region');
});
