// Re-link (PUT /credentials), rotated-key detection through verify and token, and the old credentials staying untouched on failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle, SimOrg } from '@app/simulator';
import { Api, EU, SELF, US, useStack } from '../support/stack';
import { linkAccount } from '../support/factories';
import { accountRows, assertError, newOwner } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack({}, (s) => ({ sim, api } = s));

/** A linked account of a fresh owner; `realm` and `urls` pick the server (US cloud by default). */
const linked = (realm = 'us', urls = US) => linkAccount(api, sim, { ownerId: newOwner('relink'), realm, urls });

const exchangesOf = (org: SimOrg) => sim.counters().tokenLog.filter((e) => e.clientId === org.clientId);

test('PUT /credentials with a rotated key → 200 active with the new secret', async () => {
  const { org, id, ownerId, body } = await linked();
  const rowBefore = (await accountRows(ownerId))[0];
  const rotated = sim.rotateKey(org.id);
  const res = await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: rotated });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.id, id);
  assert.equal(res.body.status, 'active');
  assert.equal(res.body.statusReason, null);
  assert.equal(res.body.secretLast4, rotated.slice(-4));
  assert.equal(res.body.createdAt, body.createdAt);
  const rowAfter = (await accountRows(ownerId))[0];
  assert.notDeepEqual(rowAfter.secret_enc, rowBefore.secret_enc);
  assert.equal(rowAfter.credentials_version, rowBefore.credentials_version + 1);
  // The fresh token works and a verify with the stored (new) secret succeeds.
  const verify = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(verify.status, 200);
  assert.equal(verify.body.status, 'active');
  assert.equal(exchangesOf(org).at(-1)?.status, 200);
});

test('PUT /credentials with a wrong secret → 422 credentials_rejected, old credentials untouched', async () => {
  const { org, id, ownerId, body } = await linked();
  const rowBefore = (await accountRows(ownerId))[0];
  const res = await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: 'definitely-wrong-secret-000000' });
  assertError(res, 422, 'credentials_rejected');
  assert.ok(!JSON.stringify(res.body).includes('definitely-wrong-secret-000000'));
  const rowAfter = (await accountRows(ownerId))[0];
  assert.deepEqual(rowAfter.secret_enc, rowBefore.secret_enc);
  assert.equal(rowAfter.secret_last4, rowBefore.secret_last4);
  assert.equal(rowAfter.credentials_version, rowBefore.credentials_version);
  assert.equal(rowAfter.status, 'active');
  const got = await api.call('GET', `/v1/accounts/${id}`);
  assert.equal(got.body.secretLast4, body.secretLast4);
  assert.equal(got.body.status, 'active');
  const n = exchangesOf(org).length;
  const verify = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(verify.status, 200, JSON.stringify(verify.body));
  assert.equal(verify.body.status, 'active', 'the old secret still works');
  assert.equal(verify.body.secretLast4, org.clientSecret.slice(-4));
  assert.equal(exchangesOf(org).length, n + 1, 'verify made a fresh exchange');
  assert.equal(exchangesOf(org).at(-1)?.status, 200);
});

test('PUT /credentials failures of other kinds also leave the account alone', async () => {
  const { org, id, ownerId } = await linked();
  const rowBefore = (await accountRows(ownerId))[0];
  const attempts: Array<[Record<string, unknown>, number, string]> = [
    [{ clientSecret: org.clientSecret, identityBaseUrl: EU.identityBaseUrl }, 422, 'region_mismatch'],
    [{ clientSecret: org.clientSecret, clientId: 'user.3fa85f64-5717-4562-b3fc-2c963f66afa6' }, 422, 'personal_api_key'],
    [{ clientSecret: org.clientSecret, clientId: 'organization.nope' }, 422, 'invalid_client_id'],
    [{ clientSecret: org.clientSecret, apiBaseUrl: 'https://127.0.0.1/api', identityBaseUrl: 'https://127.0.0.1/identity' }, 422, 'url_not_allowed'],
    [{ clientSecret: org.clientSecret, apiBaseUrl: 'https://u@bw.selfhosted.test/api' }, 422, 'unsupported_url'],
    [{ clientSecret: org.clientSecret, ownerId: 'someone-else' }, 400, 'validation_failed'],
    [{}, 400, 'validation_failed'],
    [{ clientSecret: org.clientSecret, ...EU }, 422, 'credentials_rejected'],
  ];
  for (const [body, status, code] of attempts) {
    const res = await api.call('PUT', `/v1/accounts/${id}/credentials`, body);
    assertError(res, status, code);
  }
  sim.addFault({ kind: '5xx', target: 'token', realm: 'us', count: 1 });
  assertError(await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: org.clientSecret }), 502, 'provider_error');
  const rowAfter = (await accountRows(ownerId))[0];
  assert.deepEqual(rowAfter.secret_enc, rowBefore.secret_enc);
  assert.equal(rowAfter.api_base_url, US.apiBaseUrl);
  assert.equal(rowAfter.identity_base_url, US.identityBaseUrl);
  assert.equal(rowAfter.client_id, org.clientId);
  assert.equal(rowAfter.credentials_version, rowBefore.credentials_version);
  assert.equal(rowAfter.status, 'active');
});

test('PUT /credentials can move a self-hosted account to a new prefix', async () => {
  const { org, id } = await linked('bw.selfhosted.test', SELF);
  const res = await api.call('PUT', `/v1/accounts/${id}/credentials`, {
    clientSecret: org.clientSecret,
    apiBaseUrl: 'https://bw.selfhosted.test/bitwarden/api/',
    identityBaseUrl: 'https://bw.selfhosted.test/bitwarden/identity/',
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.apiBaseUrl, 'https://bw.selfhosted.test/bitwarden/api');
  assert.equal(res.body.identityBaseUrl, 'https://bw.selfhosted.test/bitwarden/identity');
  assert.equal(res.body.region, 'self-hosted');
});

test('rotated key: verify → needs_relink (credentials_rejected), token → 409, re-link restores', async () => {
  const { org, id } = await linked();
  const rotated = sim.rotateKey(org.id);
  const verify = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(verify.status, 200, JSON.stringify(verify.body));
  assert.equal(verify.body.status, 'needs_relink');
  assert.equal(verify.body.statusReason, 'credentials_rejected');
  assert.equal(verify.body.lastError?.code, 'credentials_rejected');
  assert.match(verify.body.lastError?.at ?? '', /^\d{4}-/);
  assert.equal(verify.body.tokenExpiresAt, null, 'the cached token is dropped');

  const tok = await api.call('POST', `/v1/accounts/${id}/token`, {});
  assertError(tok, 409, 'needs_relink');

  const filtered = await api.call('GET', `/v1/accounts?status=needs_relink&limit=200`);
  assert.ok(filtered.body.data.some((a: { id: string }) => a.id === id));

  const fixed = await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: rotated });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  assert.equal(fixed.body.status, 'active');
  assert.equal(fixed.body.statusReason, null);
  assert.equal(fixed.body.lastError, null);
  const tok2 = await api.call('POST', `/v1/accounts/${id}/token`, {});
  assert.equal(tok2.status, 200, JSON.stringify(tok2.body));
  assert.equal(tok2.body.tokenType, 'Bearer');
});

test('disabled organization: verify → needs_relink; re-enabled: verify → active again', async () => {
  const { org, id } = await linked();
  sim.setEnabled(org.id, false);
  const v1 = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(v1.body.status, 'needs_relink');
  assert.equal(v1.body.statusReason, 'credentials_rejected');
  sim.setEnabled(org.id, true);
  const v2 = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(v2.body.status, 'active', 'a later successful check restores active');
});

test('verify during a provider outage → degraded, not needs_relink', async () => {
  const { id } = await linked();
  sim.addFault({ kind: '5xx', target: 'token', realm: 'us', count: 1 });
  const v = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.equal(v.body.status, 'degraded');
  assert.equal(v.body.statusReason, 'provider_error');
  const v2 = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(v2.body.status, 'active');
});

test('Vaultwarden: rotated key → needs_relink; re-link with the new key → active', async () => {
  const urls = { apiBaseUrl: 'https://vaultwarden.selfhosted.test/api', identityBaseUrl: 'https://vaultwarden.selfhosted.test/identity' };
  const { org, id } = await linked('vaultwarden.selfhosted.test', urls);
  const rotated = sim.rotateKey(org.id);
  const bad = await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: org.clientSecret });
  assertError(bad, 422, 'credentials_rejected');
  const v = await api.call('POST', `/v1/accounts/${id}/verify`);
  assert.equal(v.body.status, 'needs_relink');
  const ok = await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: rotated });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.status, 'active');
});

test('re-link, verify and token on unknown or malformed ids → 404', async () => {
  for (const id of ['3fa85f64-5717-4562-b3fc-2c963f66afa6', 'not-a-uuid', '1']) {
    assertError(await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: 'x' }), 404, 'not_found');
    assertError(await api.call('POST', `/v1/accounts/${id}/verify`), 404, 'not_found');
    assertError(await api.call('POST', `/v1/accounts/${id}/token`, {}), 404, 'not_found');
  }
});
