import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SimulatorHandle } from '@app/simulator';
import { linkAccount } from '../../support/factories';
import { exchangesFor } from '../../support/fixtures';
import { clearTokenBehindCaches } from './token-cache-helpers';
import { Api, useStack } from '../../support/stack';

// The token path of the API alone (no worker): cache hits, renewal on demand, validation, 404/409, report-unauthorized.
let sim: SimulatorHandle;
let api: Api;

useStack({}, (s) => ({ sim, api } = s));
beforeEach(() => {
  sim.configure({ tokenLifetimeSeconds: 3600, latencyMs: 0 });
  sim.clearFaults();
});

const token = (id: string, body: unknown = {}) => api.call('POST', `/v1/accounts/${id}/token`, body);

test('a cached token is served without a new exchange while it has minValiditySeconds left', async () => {
  const a = await linkAccount(api, sim, { ownerId: 'cache-hit' });
  const exchangesAfterLink = exchangesFor(sim, a.org.clientId).length;
  assert.equal(exchangesAfterLink, 1);

  const first = await token(a.id, { minValiditySeconds: 300 });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.tokenType, 'Bearer');
  assert.equal(first.body.apiBaseUrl, 'https://api.bitwarden.com');
  assert.equal(typeof first.body.accessToken, 'string');
  assert.ok(first.body.accessToken.length > 20);
  // The account view says when the cached token runs out: the token call must hand out that very token.
  const view = await api.call('GET', `/v1/accounts/${a.id}`);
  assert.equal(first.body.expiresAt, view.body.tokenExpiresAt);

  for (const minValiditySeconds of [0, 300, 3000, undefined]) {
    const again = await token(a.id, minValiditySeconds === undefined ? {} : { minValiditySeconds });
    assert.equal(again.status, 200);
    assert.equal(again.body.accessToken, first.body.accessToken, `minValiditySeconds ${minValiditySeconds}`);
    assert.ok(Date.parse(again.body.expiresAt) - Date.now() >= (minValiditySeconds ?? 300) * 1000);
  }
  assert.equal(exchangesFor(sim, a.org.clientId).length, exchangesAfterLink, 'cache hits made no exchange');
});

test('asking for more life than the cached token has left exchanges a new one, never a token shorter than asked', async () => {
  sim.configure({ tokenLifetimeSeconds: 1000 });
  const a = await linkAccount(api, sim, { ownerId: 'cache-miss' });
  const cached = await token(a.id, { minValiditySeconds: 500 });
  assert.equal(cached.status, 200);
  assert.equal(exchangesFor(sim, a.org.clientId).length, 1, 'the link token (1000 s) covers 500 s');

  sim.configure({ tokenLifetimeSeconds: 3600 });
  const before = Date.now();
  const longer = await token(a.id, { minValiditySeconds: 1500 });
  assert.equal(longer.status, 200, JSON.stringify(longer.body));
  assert.equal(exchangesFor(sim, a.org.clientId).length, 2, 'one new exchange');
  assert.notEqual(longer.body.accessToken, cached.body.accessToken);
  assert.ok(Date.parse(longer.body.expiresAt) - Date.now() >= 1500 * 1000);
  assert.ok(Date.parse(longer.body.expiresAt) - before <= 3600 * 1000 + 1000);

  // The new token is now the cached one.
  const hit = await token(a.id, { minValiditySeconds: 3300 });
  assert.equal(hit.status, 200);
  assert.equal(hit.body.accessToken, longer.body.accessToken);
  assert.equal(exchangesFor(sim, a.org.clientId).length, 2);

  // Bitwarden hands out only 60 s tokens now: asking for 300 s must not return a 60 s token.
  sim.configure({ tokenLifetimeSeconds: 60 });
  await clearTokenBehindCaches(a.id);
  const short = await token(a.id, { minValiditySeconds: 300 });
  assert.notEqual(short.status, 200, 'a token living less than asked is never given out');
  assert.ok(short.body.error?.code, JSON.stringify(short.body));
  const ok = await token(a.id, { minValiditySeconds: 30 });
  assert.equal(ok.status, 200);
  assert.ok(Date.parse(ok.body.expiresAt) - Date.now() >= 30 * 1000);
});

test('minValiditySeconds is validated', async () => {
  const a = await linkAccount(api, sim, { ownerId: 'cache-validation' });
  for (const minValiditySeconds of [-1, 3301, 'x', 1.5, '10']) {
    const res = await token(a.id, { minValiditySeconds });
    assert.equal(res.status, 400, `minValiditySeconds ${JSON.stringify(minValiditySeconds)} → ${res.status}`);
    assert.equal(res.body.error.code, 'validation_failed');
    assert.ok(res.body.error.fields?.minValiditySeconds, JSON.stringify(res.body));
  }
  const unknownField = await token(a.id, { minValiditySeconds: 10, extra: 1 });
  assert.equal(unknownField.status, 400);
  for (const edge of [0, 3300]) {
    const res = await token(a.id, { minValiditySeconds: edge });
    assert.equal(res.status, 200, `minValiditySeconds ${edge}`);
  }
});

test('an unknown account answers 404', async () => {
  for (const id of [randomUUID(), 'not-a-uuid']) {
    const res = await token(id, {});
    assert.equal(res.status, 404, id);
    assert.equal(res.body.error.code, 'not_found');
    const rep = await api.call('POST', `/v1/accounts/${id}/report-unauthorized`);
    assert.equal(rep.status, 404, id);
  }
});

test('409 needs_relink once a rotation was detected, without another exchange', async () => {
  const a = await linkAccount(api, sim, { ownerId: 'cache-relink' });
  sim.rotateKey(a.org.id);
  const verified = await api.call('POST', `/v1/accounts/${a.id}/verify`);
  assert.equal(verified.status, 200);
  assert.equal(verified.body.status, 'needs_relink');
  assert.equal(verified.body.tokenExpiresAt, null, 'the rejected credentials\' cached token is dropped');
  const before = exchangesFor(sim, a.org.clientId, { any: true }).length;
  const res = await token(a.id, { minValiditySeconds: 0 });
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, 'needs_relink');
  assert.equal(exchangesFor(sim, a.org.clientId, { any: true }).length, before);
});

test('report-unauthorized drops the cached token and re-verifies now', async () => {
  const a = await linkAccount(api, sim, { ownerId: 'cache-401' });
  const t1 = await token(a.id, { minValiditySeconds: 60 });
  assert.equal(t1.status, 200);
  const before = exchangesFor(sim, a.org.clientId).length;
  await new Promise((r) => setTimeout(r, 20));
  const rep = await api.call('POST', `/v1/accounts/${a.id}/report-unauthorized`);
  assert.equal(rep.status, 200, JSON.stringify(rep.body));
  assert.equal(rep.body.id, a.id);
  assert.equal(rep.body.status, 'active');
  assert.equal(rep.body.clientId, a.org.clientId);
  assert.ok(!('accessToken' in rep.body));
  assert.notEqual(rep.body.tokenExpiresAt, t1.body.expiresAt, 'tokenExpiresAt changed');
  assert.ok(Date.parse(rep.body.lastVerifiedAt) >= Date.parse(a.body.lastVerifiedAt));
  assert.equal(exchangesFor(sim, a.org.clientId).length, before + 1, 'exactly one new exchange');
  const t2 = await token(a.id, { minValiditySeconds: 60 });
  assert.equal(t2.status, 200);
  assert.notEqual(t2.body.accessToken, t1.body.accessToken, 'the reported token is not served again');
  assert.equal(t2.body.expiresAt, rep.body.tokenExpiresAt);
  assert.equal(exchangesFor(sim, a.org.clientId).length, before + 1);

  // A 401 report for an account whose key was rotated: re-verification finds out and says so.
  sim.rotateKey(a.org.id);
  const rep2 = await api.call('POST', `/v1/accounts/${a.id}/report-unauthorized`);
  assert.equal(rep2.status, 200);
  assert.equal(rep2.body.status, 'needs_relink');
  assert.equal(rep2.body.statusReason, 'credentials_rejected');
});
