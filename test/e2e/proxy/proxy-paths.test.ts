// The proxy's path rules, states and authentication: everything here is refused before any outbound call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, useStack, withPg } from '../../support/stack';
import { Linked, MARKER, assertOwnError, linkAccount, proxyPath, raw } from './proxy-helpers';

let sim: SimulatorHandle;
let api: Api;
let acct: Linked;

useStack((s) => ({ sim, api } = s));

const apiCalls = () => sim.counters().apiRequests;

test('setup: a linked account, and a plain path is relayed (the control for the refusals below)', async () => {
  acct = await linkAccount(sim, api);
  const before = apiCalls();
  const r = await raw(api, 'GET', proxyPath(acct.id, 'public/members'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers[MARKER], '1');
  assert.equal(r.json.object, 'list');
  assert.equal(apiCalls(), before + 1);
});

const BAD_PATHS = [
  '..',
  'public/..',
  'public/../config',
  'public/%2e%2e/config',
  'public/%2E%2e/config',
  'public/%252e%252e/config',
  'public/%25252e%25252e/config',
  'public/./members',
  'public/%2e/members',
  './public/members',
  'public%2Fmembers',
  'public/members%2fx',
  'public/members%5Cx',
  'public/members%255cx',
  'public\\members',
  'public//members',
  'public/members/',
  '/public/members',
  'https://evil/x',
  'https:%2F%2Fevil/x',
  'config',
  'public',
  'publicx/members',
  'public/members%00',
  'public/%zz',
  'public/..;/config',
  'public/..;x=1/config',
  'public/%2e%2e;/config',
  'public/.;/members',
  '',
];

for (const bad of BAD_PATHS) {
  test(`path ${JSON.stringify(bad)} → 400 validation_failed (fields.path), no outbound call`, async () => {
    const before = apiCalls();
    const r = await raw(api, 'GET', proxyPath(acct.id, bad));
    assertOwnError(r, 400, 'validation_failed', 'path');
    assert.ok(!/evil|%2|%5|%0|%z|members/.test(r.text), 'the faulty path is not echoed');
    assert.equal(apiCalls(), before, 'nothing was sent to Bitwarden');
  });
}

test('no path at all (…/bitwarden) is refused too', async () => {
  const r = await raw(api, 'GET', `/v1/accounts/${acct.id}/bitwarden`);
  assertOwnError(r, 400, 'validation_failed', 'path');
});

test('a connect session gets 403, an unknown key 401, an unknown account 404; none calls out', async () => {
  const before = apiCalls();
  const s = await api.call('POST', '/v1/connect-sessions', { ownerId: 'proxy-session-owner' });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  assertOwnError(await raw(api, 'GET', proxyPath(acct.id, 'public/members'), { headers: { authorization: `Bearer ${s.body.token}` } }), 403, 'forbidden');
  assertOwnError(await raw(api, 'GET', proxyPath(acct.id, 'public/members'), { headers: { authorization: 'Bearer nope-nope-nope-nope-nope-nope-nope-nope' } }), 401, 'unauthorized');
  assertOwnError(await raw(api, 'GET', proxyPath('6f1c2b1e-0000-4000-8000-000000000000', 'public/members')), 404, 'not_found');
  assert.equal(apiCalls(), before);
});

for (const [status, code] of [
  ['needs_relink', 'needs_relink'],
  ['suspended', 'account_suspended'],
] as const) {
  test(`an account in ${status} → 409 ${code} without any outbound call`, async () => {
    const a = await linkAccount(sim, api);
    await withPg((pg) => pg.query('UPDATE accounts SET status = $2 WHERE id = $1', [a.id, status]));
    const before = sim.counters();
    assertOwnError(await raw(api, 'GET', proxyPath(a.id, 'public/members')), 409, code);
    assertOwnError(await raw(api, 'POST', proxyPath(a.id, 'public/groups'), { headers: { 'content-type': 'application/json' }, body: '{}' }), 409, code);
    const after = sim.counters();
    assert.equal(after.apiRequests, before.apiRequests);
    assert.equal(after.tokenRequests, before.tokenRequests);
  });
}

test('HEAD, PATCH and OPTIONS are not proxied: 404, no outbound call, no budget slot', async () => {
  const before = apiCalls();
  for (const method of ['HEAD', 'PATCH', 'OPTIONS']) {
    const r = await raw(api, method, proxyPath(acct.id, 'public/members'));
    assert.equal(r.status, 404, method);
    assert.equal(r.headers[MARKER], undefined, method);
  }
  assert.equal(apiCalls(), before, 'nothing was sent to Bitwarden');
});

test('a content-encoded request body is 415 unsupported_media_type before any outbound call (it would reach Bitwarden undecodable)', async () => {
  const before = apiCalls();
  const r = await raw(api, 'POST', proxyPath(acct.id, 'public/groups'), { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'xx' });
  assertOwnError(r, 415, 'unsupported_media_type');
  assert.equal(apiCalls(), before);
});
