import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { AccountsRepository } from '@app/accounts';
import { Api, useStack, withPg } from '../../support/stack';
import { assertError } from '../e2e-helpers';
import { exchangesOf, linkNew, owner, row, sleep, storedEvents } from './lifecycle-helpers';

let sim: SimulatorHandle;
let api: Api;
useStack((s) => ({ sim, api } = s));

const get = async (id: string) => (await api.call('GET', `/v1/accounts/${id}`)).body;

test('updatedAt moves with visible changes only: not with token hits, unchanged verifies, schedule writes or leases', async () => {
  const a = await linkNew(api, sim, owner('updated'));
  const u0 = a.body.updatedAt;
  await sleep(20);
  assert.equal((await api.call('POST', `/v1/accounts/${a.id}/token`, {})).status, 200); // a cache hit, and "last used" written
  assert.ok((await row(a.id)).last_token_request_at, 'the hit wrote its bookkeeping');
  assert.equal((await api.call('POST', `/v1/accounts/${a.id}/verify`)).body.status, 'active'); // active → active
  const repo = api.app.get(AccountsRepository);
  await repo.claimDueChecks(new Date(Date.now() + 365 * 86_400_000), new Date(Date.now() + 3_600_000), 1000); // a lease
  await repo.update(a.id, { nextCheckAt: new Date(Date.now() + 60_000), refreshAt: null, label: a.body.label, status: 'active' }); // same values
  const after = await get(a.id);
  assert.notEqual(after.lastVerifiedAt, a.body.lastVerifiedAt, 'the verify did write');
  assert.equal(after.updatedAt, u0);

  // The control: a visible change does move it.
  await repo.update(a.id, { statusReason: 'provider_error', status: 'degraded' });
  assert.ok((await get(a.id)).updatedAt > u0);
});

test('PATCH renames without an exchange and moves updatedAt; label is required, a string up to 200 characters or null', async () => {
  const a = await linkNew(api, sim, owner('rename'));
  const before = exchangesOf(sim, a.org.clientId);
  await sleep(10);
  const r = await api.call('PATCH', `/v1/accounts/${a.id}`, { label: 'Finance vault' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.label, 'Finance vault');
  assert.ok(r.body.updatedAt > a.body.updatedAt);
  assert.equal(r.body.status, 'active');
  assert.deepEqual({ ...r.body, label: a.body.label, updatedAt: a.body.updatedAt }, { ...a.body, nextCheckAt: r.body.nextCheckAt, tokenRefreshAt: r.body.tokenRefreshAt });
  assert.equal((await api.call('PATCH', `/v1/accounts/${a.id}`, { label: null })).body.label, null);
  assert.equal(exchangesOf(sim, a.org.clientId), before, 'no token exchange');

  assertError(await api.call('PATCH', `/v1/accounts/${a.id}`, {}), 400, 'validation_failed', ['label']);
  assertError(await api.call('PATCH', `/v1/accounts/${a.id}`, { label: 5 }), 400, 'validation_failed', ['label']);
  assertError(await api.call('PATCH', `/v1/accounts/${a.id}`, { label: 'x'.repeat(201) }), 400, 'validation_failed', ['label']);
  assertError(await api.call('PATCH', `/v1/accounts/${a.id}`, { label: 'ok', status: 'active' }), 400, 'validation_failed', ['status']);
  assert.equal((await api.call('PATCH', `/v1/accounts/${a.id}`, { label: 'y'.repeat(200) })).status, 200);
  assertError(await api.call('PATCH', '/v1/accounts/00000000-0000-4000-8000-000000000000', { label: 'x' }), 404, 'not_found');
});

test('events: newest first, cursor pages, strict limit and cursor, 404 once the account is deleted', async () => {
  const a = await linkNew(api, sim, owner('events'));
  const other = await linkNew(api, sim, owner('events-other'));
  for (let i = 0; i < 2; i++) {
    assert.equal((await api.call('POST', `/v1/accounts/${a.id}/suspend`)).status, 200);
    assert.equal((await api.call('POST', `/v1/accounts/${a.id}/resume`)).status, 200);
  }
  const seen: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const res = await api.call('GET', `/v1/accounts/${a.id}/events${q}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['data', 'nextCursor']);
    assert.ok(res.body.data.length <= 2);
    seen.push(...res.body.data);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(seen.map((e) => e.type), ['resumed', 'suspended', 'resumed', 'suspended', 'linked']);
  const ids = seen.map((e) => Number(e.id.replace(/^evt_/, '')));
  assert.deepEqual([...ids].sort((x, y) => y - x), ids, 'newest first');
  for (const e of seen) {
    assert.deepEqual(Object.keys(e).sort(), ['at', 'from', 'id', 'message', 'reason', 'to', 'type']);
    assert.match(e.id, /^evt_\d+$/);
    assert.ok(!Number.isNaN(Date.parse(e.at)));
  }
  const otherEvents = (await api.call('GET', `/v1/accounts/${other.id}/events`)).body.data;
  assert.deepEqual(otherEvents.map((e: any) => e.type), ['linked'], "another account's history is its own");

  for (const bad of ['?limit=0', '?limit=201', '?limit=1e1', '?limit=abc']) {
    assertError(await api.call('GET', `/v1/accounts/${a.id}/events${bad}`), 400, 'validation_failed', ['limit']);
  }
  const forged = Buffer.from('e|01').toString('base64url');
  for (const bad of [forged, 'not-a-cursor!', Buffer.from('2030-01-01T00:00:00.000Z|x').toString('base64url')]) {
    assertError(await api.call('GET', `/v1/accounts/${a.id}/events?cursor=${encodeURIComponent(bad)}`), 400, 'validation_failed', ['cursor']);
  }
  assertError(await api.call('GET', '/v1/accounts/not-a-uuid/events'), 404, 'not_found');

  assert.equal((await api.call('DELETE', `/v1/accounts/${a.id}`)).status, 204);
  assertError(await api.call('GET', `/v1/accounts/${a.id}/events`), 404, 'not_found');
  assert.ok((await storedEvents(a.id)).some((e) => e.type === 'account.deleted'), 'the history itself is kept');
});

test('the lifecycle routes are for the service key only: a connect session gets 403', async () => {
  const a = await linkNew(api, sim, owner('session-403'));
  const s = await api.call('POST', '/v1/connect-sessions', { ownerId: a.body.ownerId, accountId: a.id });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  const auth = { authorization: `Bearer ${s.body.token}` };
  for (const [m, p, b] of [
    ['PATCH', `/v1/accounts/${a.id}`, { label: 'x' }],
    ['GET', `/v1/accounts/${a.id}/events`, undefined],
    ['POST', `/v1/accounts/${a.id}/suspend`, undefined],
    ['POST', `/v1/accounts/${a.id}/resume`, undefined],
    ['DELETE', `/v1/owners/${a.body.ownerId}`, undefined],
  ] as const) {
    assertError(await api.call(m, p, b, auth), 403, 'forbidden');
  }
  assert.equal((await get(a.id)).status, 'active');
});

test('DELETE /v1/owners/{ownerId}: every account, its events and sessions go; others stay; idempotent; ownerId validated', async () => {
  const gone = owner('offboard');
  const kept = owner('offboard-kept');
  const a1 = await linkNew(api, sim, gone);
  const a2 = await linkNew(api, sim, gone);
  await api.call('POST', `/v1/accounts/${a2.id}/suspend`);
  const k = await linkNew(api, sim, kept);
  const session = await api.call('POST', '/v1/connect-sessions', { ownerId: gone });
  assert.equal(session.status, 201);
  const keptSession = await api.call('POST', '/v1/connect-sessions', { ownerId: kept });

  const res = await api.call('DELETE', `/v1/owners/${gone}`);
  assert.equal(res.status, 204, JSON.stringify(res.body));
  for (const a of [a1, a2]) {
    assertError(await api.call('GET', `/v1/accounts/${a.id}`), 404, 'not_found');
    assert.equal(await row(a.id), undefined, 'row, secret and token are gone');
  }
  const left = await withPg(async (pg) => ({
    events: (await pg.query('SELECT count(*)::int AS n FROM account_events WHERE owner_id = $1', [gone])).rows[0].n,
    sessions: (await pg.query('SELECT count(*)::int AS n FROM connect_sessions WHERE owner_id = $1', [gone])).rows[0].n,
  }));
  assert.deepEqual(left, { events: 0, sessions: 0 });
  const sessionCall = await api.call('GET', `/v1/accounts/${a1.id}`, undefined, { authorization: `Bearer ${session.body.token}` });
  assertError(sessionCall, 401, 'unauthorized');

  assert.equal((await get(k.id)).status, 'active', "another owner's account stays");
  assert.equal((await storedEvents(k.id)).length, 1, 'with its history');
  const keptAuth = { authorization: `Bearer ${keptSession.body.token}` };
  assert.notEqual((await api.call('GET', `/v1/accounts/${k.id}`, undefined, keptAuth)).status, 401, "and another owner's session still works");

  assert.equal((await api.call('DELETE', `/v1/owners/${gone}`)).status, 204, 'again: 204');
  assert.equal((await api.call('DELETE', `/v1/owners/${owner('never-seen')}`)).status, 204, 'an unknown owner: 204');
  for (const bad of ['bad%20owner', 'x'.repeat(129), 'a%2Fb', 'caf%C3%A9']) {
    assertError(await api.call('DELETE', `/v1/owners/${bad}`), 400, 'validation_failed', ['ownerId']);
  }
});
