// A 401 from Bitwarden: one fresh token (single flight with /token) and one replay; a second 401 re-verifies the
// account (409 needs_relink when the credentials were rejected, else 502); at most one refresh per account a minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, useStack } from '../../support/stack';
import { MARKER, assertOwnError, linkAccount, proxyPath, raw } from './proxy-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

const tokenRequests = () => sim.counters().tokenRequests;

test('401 (token revoked) → one fresh exchange, the call replayed, 200; concurrent calls share that one exchange', async () => {
  const a = await linkAccount(sim, api);
  const before = (await api.call('POST', `/v1/accounts/${a.id}/token`, {})).body.accessToken as string;
  sim.revokeTokensIssuedBefore(a.orgId, Date.now() + 1);
  await new Promise((r) => setTimeout(r, 5));
  const exchanges = tokenRequests();
  const answers = await Promise.all(Array.from({ length: 5 }, () => raw(api, 'GET', proxyPath(a.id, 'public/members'))));
  for (const r of answers) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers[MARKER], '1');
  }
  assert.equal(tokenRequests(), exchanges + 1, 'one exchange for all of them');
  const after = (await api.call('POST', `/v1/accounts/${a.id}/token`, {})).body.accessToken as string;
  assert.notEqual(after, before, '/token serves the replaced token');
  for (const r of answers) assert.ok(!r.text.includes(after) && !r.text.includes(before), 'no token in a response');
});

test('401, and the key was rotated → the fresh exchange is rejected → 409 needs_relink, account needs_relink', async () => {
  const a = await linkAccount(sim, api);
  sim.rotateKey(a.orgId);
  sim.revokeTokensIssuedBefore(a.orgId, Date.now() + 1);
  await new Promise((r) => setTimeout(r, 5));
  assertOwnError(await raw(api, 'GET', proxyPath(a.id, 'public/members')), 409, 'needs_relink');
  assert.equal((await api.call('GET', `/v1/accounts/${a.id}`)).body.status, 'needs_relink');
});

test('401 twice while the key still works → re-verified, 502 provider_error, still active; later 401s that minute relayed as they are', async () => {
  const a = await linkAccount(sim, api);
  // Every token issued in the next hour is refused by the API, though the identity server keeps issuing them.
  sim.revokeTokensIssuedBefore(a.orgId, Date.now() + 3_600_000);
  const exchanges = tokenRequests();
  assertOwnError(await raw(api, 'GET', proxyPath(a.id, 'public/members')), 502, 'provider_error');
  assert.equal(tokenRequests(), exchanges + 2, 'one refresh, one re-verification');
  assert.equal((await api.call('GET', `/v1/accounts/${a.id}`)).body.status, 'active');
  const again = await raw(api, 'GET', proxyPath(a.id, 'public/members'));
  assert.equal(again.status, 401);
  assert.equal(again.headers[MARKER], '1', "Bitwarden's own 401, relayed");
  assert.equal(tokenRequests(), exchanges + 2, 'no second refresh within the minute');
});

test('metrics: proxy series by host class, method and status class, the api budget wait; never a token', async () => {
  const a = await linkAccount(sim, api);
  await raw(api, 'GET', proxyPath(a.id, 'public/policies'));
  const token = (await api.call('POST', `/v1/accounts/${a.id}/token`, {})).body.accessToken as string;
  const m = await fetch(`${api.url}/metrics`);
  const text = await m.text();
  assert.match(text, /bwc_proxy_requests_total\{host_class="us",method="GET",status_class="2xx"\} \d+/);
  assert.match(text, /bwc_proxy_requests_total\{host_class="us",method="GET",status_class="error"\} \d+/);
  assert.match(text, /bwc_proxy_request_seconds_count\{host_class="us"\} \d+/);
  assert.match(text, /bwc_budget_wait_seconds_count\{budget="api"\} \d+/);
  assert.ok(!text.includes(token));
  assert.ok(!text.includes(a.id) && !text.includes('public/'), 'no tenant id or path in labels');
});
