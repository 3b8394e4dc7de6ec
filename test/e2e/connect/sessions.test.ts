import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack, withPg } from '../../support/stack';
import { assertError, newOwner } from '../e2e-helpers';

const HUB = 'https://hub.example.test';
let sim: SimulatorHandle;
let api: Api;
let apis: Record<string, Api>;
useStack(
  {
    env: { PUBLIC_URL: 'https://connect.example.test', CORS_ORIGINS: `${HUB},http://localhost:5173` },
    // The same origins as an operator might type them: a trailing slash, capitals, the default port.
    apis: { spelled: { CORS_ORIGINS: 'https://Hub.Example.test/, http://localhost:5173/,https://hub.example.test:443' } },
  },
  (s) => ({ sim, api, apis } = s),
);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const newSession = async (body: Record<string, unknown>) => {
  const res = await api.call('POST', '/v1/connect-sessions', body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};

test('a session answers with its id, token and hosted page URL under PUBLIC_URL', async () => {
  const ownerId = newOwner('sess');
  const s = await newSession({ ownerId, label: 'Main vault' });
  assert.deepEqual(Object.keys(s).sort(), ['accountId', 'expiresAt', 'id', 'ownerId', 'token', 'url']);
  assert.match(s.id, /^[0-9a-f-]{36}$/);
  assert.equal(s.url, `https://connect.example.test/connect#session=${s.token}`);
  assert.equal(s.ownerId, ownerId);
  assert.equal(s.accountId, null);
  const ttl = Date.parse(s.expiresAt) - Date.now();
  assert.ok(ttl > 1790_000 && ttl <= 1800_000, `default lifetime 1800 s, got ${ttl} ms`);
});

test('expiresInSeconds is bounded to 60..86400', async () => {
  for (const v of [59, 86401, 1.5]) {
    assertError(await api.call('POST', '/v1/connect-sessions', { ownerId: newOwner('ttl'), expiresInSeconds: v }), 400, 'validation_failed', ['expiresInSeconds']);
  }
  const s = await newSession({ ownerId: newOwner('ttl'), expiresInSeconds: 60 });
  assert.ok(Date.parse(s.expiresAt) - Date.now() <= 60_000);
});

test('returnUrl must be https (http only on loopback) on an origin in CORS_ORIGINS', async () => {
  const ownerId = newOwner('ret');
  const bad = [
    'http://hub.example.test/done', // plain http off loopback
    'https://evil.example.test/done', // not an allowed origin
    'https://hub.example.test:8443/done', // another port is another origin
    'https://user:pw@hub.example.test/done',
    'http://[::1]:5173/back', // loopback is localhost or 127.0.0.1, as the contract says
    'javascript:alert(1)',
    'not a url',
  ];
  for (const returnUrl of bad) {
    assertError(await api.call('POST', '/v1/connect-sessions', { ownerId, returnUrl }), 400, 'validation_failed', ['returnUrl']);
  }
  const s = await newSession({ ownerId, returnUrl: `${HUB}/settings/bitwarden?tab=1` });
  const local = await newSession({ ownerId, returnUrl: 'http://localhost:5173/back' });
  const current = await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(s.token));
  assert.equal(current.body.returnUrl, `${HUB}/settings/bitwarden?tab=1`);
  const currentLocal = await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(local.token));
  assert.equal(currentLocal.body.returnUrl, 'http://localhost:5173/back');
  // A hash-routed hub keeps its fragment, and every returnUrl comes back as it was written.
  for (const returnUrl of [`${HUB}/app#/settings/bitwarden`, HUB]) {
    const t = await newSession({ ownerId, returnUrl });
    assert.equal((await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(t.token))).body.returnUrl, returnUrl);
  }
});

test('GET /v1/connect-sessions/current describes the calling session, and only a session may ask', async () => {
  const ownerId = newOwner('cur');
  const s = await newSession({ ownerId, label: 'Team vault' });
  const res = await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(s.token));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { ownerId, accountId: null, label: 'Team vault', expiresAt: s.expiresAt, returnUrl: null, allowedOrigins: [HUB, 'http://localhost:5173'] });
  assertError(await api.call('GET', '/v1/connect-sessions/current'), 403, 'forbidden');
  assertError(await api.call('GET', '/v1/connect-sessions/current', undefined, { authorization: '' }), 401, 'unauthorized');
  assertError(await api.call('GET', '/v1/connect-sessions/current', undefined, bearer('cs_not-a-real-token')), 401, 'unauthorized');
});

test('an edit session names its account and may read it', async () => {
  const ownerId = newOwner('edit');
  const org = sim.createOrg({ realm: 'us' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const s = await newSession({ ownerId, accountId: linked.body.id });
  assert.equal(s.accountId, linked.body.id);
  const current = await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(s.token));
  assert.equal(current.body.accountId, linked.body.id);
  const account = await api.call('GET', `/v1/accounts/${linked.body.id}`, undefined, bearer(s.token));
  assert.equal(account.status, 200);
  assert.equal(account.body.clientId, org.clientId);
});

test('a revoked session is refused everywhere at once; revoking is idempotent', async () => {
  const ownerId = newOwner('rev');
  const s = await newSession({ ownerId });
  const other = await newSession({ ownerId });
  assert.equal((await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(s.token))).status, 200);
  assertError(await api.call('DELETE', `/v1/connect-sessions/${s.id}`, undefined, bearer(other.token)), 403, 'forbidden');

  const del = await api.call('DELETE', `/v1/connect-sessions/${s.id}`);
  assert.equal(del.status, 204);
  assert.equal(del.body, null);
  assertError(await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(s.token)), 401, 'unauthorized');
  const org = sim.createOrg({ realm: 'us' });
  const before = sim.counters().tokenRequests;
  assertError(await api.call('POST', '/v1/accounts', { ...US, clientId: org.clientId, clientSecret: org.clientSecret }, bearer(s.token)), 401, 'unauthorized');
  assert.equal(sim.counters().tokenRequests, before, 'no exchange for a revoked session');

  assert.equal((await api.call('DELETE', `/v1/connect-sessions/${s.id}`)).status, 204, 'again');
  assert.equal((await api.call('DELETE', '/v1/connect-sessions/7d0f7c55-0000-4000-8000-000000000000')).status, 204, 'unknown id');
  assertError(await api.call('DELETE', '/v1/connect-sessions/not-a-uuid'), 404, 'not_found');
  // The other session of the same owner is untouched.
  assert.equal((await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(other.token))).status, 200);
});

test('an expired session answers 401', async () => {
  const s = await newSession({ ownerId: newOwner('exp'), expiresInSeconds: 60 });
  assert.equal((await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(s.token))).status, 200);
  // Waiting out the minimum lifetime would make the test slow; moving its expiry is the same state.
  await withPg((pg) => pg.query(`UPDATE connect_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [s.id]));
  assertError(await api.call('GET', '/v1/connect-sessions/current', undefined, bearer(s.token)), 401, 'unauthorized');
  assertError(await api.call('POST', '/v1/accounts', { ...US, clientId: 'organization.x', clientSecret: 'y' }, bearer(s.token)), 401, 'unauthorized');
});

test('CORS_ORIGINS entries are used as origins everywhere: CORS, returnUrl and allowedOrigins', async () => {
  const spelled = apis.spelled;
  const res = await spelled.call('POST', '/v1/connect-sessions', { ownerId: newOwner('cors'), returnUrl: `${HUB}/done` });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const preflight = await fetch(`${spelled.url}/v1/connect-sessions/current`, {
    method: 'OPTIONS',
    headers: { origin: HUB, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });
  assert.equal(preflight.headers.get('access-control-allow-origin'), HUB);
  const current = await spelled.call('GET', '/v1/connect-sessions/current', undefined, bearer(res.body.token));
  assert.equal(current.status, 200);
  assert.deepEqual(current.body.allowedOrigins, [HUB, 'http://localhost:5173'], 'as the page compares them with location.origin');
});

test('a session link is one write: with the session row locked elsewhere it still links, and its retry replays it', async () => {
  const ownerId = newOwner('one-write');
  const s = await newSession({ ownerId });
  const org = sim.createOrg({ realm: 'us' });
  const body = { ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const auth = { ...bearer(s.token), 'idempotency-key': 'submit-1' };
  // Another transaction holds the session row past the statement timeout: a link that also had to write there
  // would commit the account and answer 503, and its retry would find "an account this session did not create".
  const first = await withPg(async (pg) => {
    await pg.query('BEGIN');
    await pg.query('SELECT id FROM connect_sessions WHERE id = $1 FOR UPDATE', [s.id]);
    try {
      return await api.call('POST', '/v1/accounts', body, auth);
    } finally {
      await pg.query('ROLLBACK');
    }
  });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const retry = await api.call('POST', '/v1/accounts', body, auth);
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.equal(retry.body.id, first.body.id);
  const read = await api.call('GET', `/v1/accounts/${first.body.id}`, undefined, bearer(s.token));
  assert.equal(read.status, 200, 'the session reads the account it created');
});

test('the account records the session that created it, in the insert itself', async () => {
  const ownerId = newOwner('created-by');
  const s = await newSession({ ownerId });
  const org = sim.createOrg({ realm: 'us' });
  const linked = await api.call('POST', '/v1/accounts', { ...US, clientId: org.clientId, clientSecret: org.clientSecret }, bearer(s.token));
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const other = sim.createOrg({ realm: 'us' });
  const byService = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: other.clientId, clientSecret: other.clientSecret });
  assert.equal(byService.status, 201);
  const rows = await withPg(async (pg) => (await pg.query('SELECT id, created_by_session_id FROM accounts WHERE owner_id = $1', [ownerId])).rows);
  const by = Object.fromEntries(rows.map((r) => [r.id, r.created_by_session_id]));
  assert.deepEqual(by, { [linked.body.id]: s.id, [byService.body.id]: null });
  // A service-key update of the session's account keeps the session's right to read it.
  assert.equal((await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret })).status, 200);
  assert.equal((await api.call('GET', `/v1/accounts/${linked.body.id}`, undefined, bearer(s.token))).status, 200);
  assert.equal((await api.call('GET', `/v1/accounts/${byService.body.id}`, undefined, bearer(s.token))).status, 404);
});

test('concurrent identical submits of one plain session for a new organization: one 201, the rest 200 on that account', async () => {
  const ownerId = newOwner('self-race');
  const s = await newSession({ ownerId });
  const org = sim.createOrg({ realm: 'us' });
  const body = { ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  sim.configure({ latencyMs: 200 });
  let answers;
  try {
    answers = await Promise.all(Array.from({ length: 4 }, () => api.call('POST', '/v1/accounts', body, bearer(s.token))));
  } finally {
    sim.configure({ latencyMs: 0 });
  }
  const statuses = answers.map((r) => `${r.status}${r.body?.error ? ` ${r.body.error.code}` : ''}`).sort();
  assert.deepEqual(statuses, ['200', '200', '200', '201'], 'the session was refused its own new account');
  assert.equal(new Set(answers.map((r) => r.body.id)).size, 1, 'one account');
  const read = await api.call('GET', `/v1/accounts/${answers[0].body.id}`, undefined, bearer(s.token));
  assert.equal(read.status, 200);
});
