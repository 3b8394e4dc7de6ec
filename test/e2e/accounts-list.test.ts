// GET /v1/accounts keyset pagination and filters; GET/DELETE of one account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';
import { SERVICE_KEY } from '../support/env';
import { linkAccount, RegionName } from '../support/factories';
import { setCreatedAt } from '../support/fixtures';
import { accountRows, assertError, newOwner } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack({}, (s) => ({ sim, api } = s));

async function link(ownerId: string, region: RegionName) {
  const { org, body } = await linkAccount(api, sim, { ownerId, region });
  return { org, account: body };
}

async function pages(query: string): Promise<{ ids: string[]; pages: number; accounts: any[] }> {
  const accounts: any[] = [];
  let cursor: string | null = null;
  let n = 0;
  do {
    const res: { status: number; body: any } = await api.call('GET', `/v1/accounts?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    accounts.push(...res.body.data);
    cursor = res.body.nextCursor;
    n++;
    assert.ok(n < 50);
  } while (cursor);
  return { ids: accounts.map((a) => a.id), pages: n, accounts };
}

const newestFirst = (accounts: Array<{ createdAt: string; id: string }>) => {
  for (let i = 1; i < accounts.length; i++) {
    const [a, b] = [accounts[i - 1], accounts[i]];
    assert.ok(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id), `order at ${i}`);
  }
};

test('limit, nextCursor, newest first, filters', async () => {
  const ownerId = newOwner('list');
  const made: any[] = [];
  const orgs: string[] = [];
  for (const region of ['us', 'eu', 'self-hosted', 'us', 'eu', 'us', 'self-hosted'] as const) {
    const { org, account } = await link(ownerId, region);
    made.push(account);
    orgs.push(org.id);
  }
  const expected = made.map((a) => a.id).reverse();

  const all = await api.call('GET', `/v1/accounts?ownerId=${ownerId}`);
  assert.equal(all.status, 200);
  assert.deepEqual(Object.keys(all.body).sort(), ['data', 'nextCursor']);
  assert.deepEqual(all.body.data.map((a: any) => a.id), expected, 'newest first');
  assert.equal(all.body.nextCursor, null);

  const paged = await pages(`ownerId=${ownerId}&limit=3`);
  assert.deepEqual(paged.ids, expected);
  assert.equal(paged.pages, 3);
  newestFirst(paged.accounts);

  const exact = await api.call('GET', `/v1/accounts?ownerId=${ownerId}&limit=7`);
  assert.equal(exact.body.data.length, 7);
  assert.equal(exact.body.nextCursor, null, 'no empty last page');

  const one = await api.call('GET', `/v1/accounts?ownerId=${ownerId}&limit=1`);
  assert.equal(one.body.data.length, 1);
  assert.equal(typeof one.body.nextCursor, 'string');

  const eu = await pages(`ownerId=${ownerId}&region=eu&limit=1`);
  assert.deepEqual(eu.ids, made.filter((a) => a.region === 'eu').map((a) => a.id).reverse());
  const selfHosted = await pages(`ownerId=${ownerId}&region=self-hosted`);
  assert.deepEqual(selfHosted.ids, made.filter((a) => a.region === 'self-hosted').map((a) => a.id).reverse());

  // One account's key rotates: the status filter finds it, and only it.
  sim.rotateKey(orgs[2]);
  const v = await api.call('POST', `/v1/accounts/${made[2].id}/verify`);
  assert.equal(v.body.status, 'needs_relink');
  const needs = await pages(`ownerId=${ownerId}&status=needs_relink`);
  assert.deepEqual(needs.ids, [made[2].id]);
  const active = await pages(`ownerId=${ownerId}&status=active&limit=2`);
  assert.deepEqual(active.ids, expected.filter((id) => id !== made[2].id));
  const combined = await pages(`ownerId=${ownerId}&status=active&region=self-hosted`);
  assert.deepEqual(combined.ids, [made[6].id]);

  const otherOwner = await api.call('GET', `/v1/accounts?ownerId=${newOwner('nobody')}`);
  assert.deepEqual(otherOwner.body, { data: [], nextCursor: null });

  // Without ownerId: every owner, still newest first.
  const everyone = await pages('limit=4');
  newestFirst(everyone.accounts);
  for (const id of expected) assert.ok(everyone.ids.includes(id));
});

test('pages stay stable when rows are inserted between them', async () => {
  const ownerId = newOwner('stable');
  const made: string[] = [];
  for (let i = 0; i < 5; i++) made.push((await link(ownerId, 'us')).account.id);
  const first = await api.call('GET', `/v1/accounts?ownerId=${ownerId}&limit=2`);
  assert.deepEqual(first.body.data.map((a: any) => a.id), [made[4], made[3]]);
  // Two more accounts arrive while the caller is paging.
  const late = [(await link(ownerId, 'eu')).account.id, (await link(ownerId, 'us')).account.id];
  let cursor = first.body.nextCursor;
  const rest: string[] = [];
  while (cursor) {
    const page = await api.call('GET', `/v1/accounts?ownerId=${ownerId}&limit=2&cursor=${encodeURIComponent(cursor)}`);
    assert.equal(page.status, 200);
    rest.push(...page.body.data.map((a: any) => a.id));
    cursor = page.body.nextCursor;
  }
  assert.deepEqual(rest, [made[2], made[1], made[0]], 'no duplicates, nothing skipped, the new rows do not shift the pages');
  const fresh = await api.call('GET', `/v1/accounts?ownerId=${ownerId}&limit=2`);
  assert.deepEqual(fresh.body.data.map((a: any) => a.id), [late[1], late[0]]);
});

test('rows with the same created_at are paged by id without loss', async () => {
  const ownerId = newOwner('ties');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await link(ownerId, 'us')).account.id);
  await setCreatedAt(ownerId, '2030-01-01T00:00:00.000Z');
  const paged = await pages(`ownerId=${ownerId}&limit=1`);
  assert.deepEqual(paged.ids, [...ids].sort().reverse());
});

test('invalid query parameters → 400 validation_failed naming the parameter', async () => {
  const bad: Array<[string, string]> = [
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('2024-01-01T00:00:00.000Z|nope').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('yesterday|3fa85f64-5717-4562-b3fc-2c963f66afa6').toString('base64url')}`, 'cursor'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['status=broken', 'status'],
    ['region=mars', 'region'],
    ['ownerId=a%20b', 'ownerId'],
    ['unknown=1', 'unknown'],
  ];
  for (const [q, field] of bad) assertError(await api.call('GET', `/v1/accounts?${q}`), 400, 'validation_failed', [field]);
  const max = await api.call('GET', '/v1/accounts?limit=200');
  assert.equal(max.status, 200);
});

test('GET unknown or malformed id → 404; DELETE → 204, then 404 everywhere', async () => {
  assertError(await api.call('GET', '/v1/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6'), 404, 'not_found');
  assertError(await api.call('GET', '/v1/accounts/not-a-uuid'), 404, 'not_found');
  assertError(await api.call('GET', `/v1/accounts/${'9'.repeat(300)}`), 404, 'not_found');
  assertError(await api.call('DELETE', '/v1/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6'), 404, 'not_found');
  assertError(await api.call('DELETE', '/v1/accounts/not-a-uuid'), 404, 'not_found');

  const ownerId = newOwner('delete');
  const { org, account } = await link(ownerId, 'us');
  const del = await fetch(`${api.url}/v1/accounts/${account.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${SERVICE_KEY}` } });
  assert.equal(del.status, 204);
  assert.equal(await del.text(), '');
  assertError(await api.call('GET', `/v1/accounts/${account.id}`), 404, 'not_found');
  assertError(await api.call('POST', `/v1/accounts/${account.id}/token`, {}), 404, 'not_found');
  assertError(await api.call('POST', `/v1/accounts/${account.id}/verify`), 404, 'not_found');
  assertError(await api.call('DELETE', `/v1/accounts/${account.id}`), 404, 'not_found');
  assert.equal((await accountRows(ownerId)).length, 0, 'the row (secret and cached token) is gone');
  const list = await api.call('GET', `/v1/accounts?ownerId=${ownerId}`);
  assert.deepEqual(list.body.data, []);

  // Linking again afterwards makes a new account.
  const again = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(again.status, 201);
  assert.notEqual(again.body.id, account.id);
});

test('list and delete need the service key', async () => {
  for (const [method, path] of [['GET', '/v1/accounts'], ['DELETE', '/v1/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6'], ['GET', '/v1/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6']]) {
    const r = await fetch(api.url + path, { method });
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as any).error.code, 'unauthorized');
  }
});
