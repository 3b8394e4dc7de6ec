// Official-server token endpoint: success, every error row, rotation, disable, realms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimOrg, SimulatorHandle } from '@app/simulator';
import { bearer, call, decodeJwt, EU_API, EU_ID, getToken, tokenRequest, US_API, US_ID, verifyWithJwks, useSimulator } from './sim-client';

const IDENTITY_HEADERS = {
  'content-type': 'application/json; charset=UTF-8',
  'cache-control': 'no-store, no-cache, max-age=0',
  pragma: 'no-cache',
};

function assertIdentityHeaders(h: Record<string, unknown>) {
  for (const [k, v] of Object.entries(IDENTITY_HEADERS)) assert.equal(h[k], v, k);
}

describe('simulator: official identity', () => {
  let sim: SimulatorHandle;
  let org: SimOrg;
  const good = () => ({ grant_type: 'client_credentials', scope: 'api.organization', client_id: org.clientId, client_secret: org.clientSecret });

  useSimulator((s) => ({ sim, org } = s));

  it('issues a token with the exact body, headers and RS256 at+jwt claims, verifiable against the JWKS', async () => {
    const r = await tokenRequest(sim, US_ID, good());
    assert.equal(r.status, 200);
    assertIdentityHeaders(r.headers);
    const body = r.json();
    assert.deepEqual(Object.keys(body), ['access_token', 'expires_in', 'token_type', 'scope']);
    assert.equal(body.expires_in, 3600);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'api.organization');
    const { header, payload } = decodeJwt(body.access_token);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.typ, 'at+jwt');
    assert.match(header.kid, /^[0-9A-F]{32}$/);
    assert.deepEqual(Object.keys(payload).sort(), ['client_id', 'client_sub', 'client_type', 'exp', 'iat', 'iss', 'jti', 'nbf', 'scope']);
    assert.equal(payload.iss, 'https://identity.bitwarden.com');
    assert.equal(payload.exp, payload.iat + 3600);
    assert.equal(payload.nbf, payload.iat);
    assert.deepEqual(payload.scope, ['api.organization']);
    assert.equal(payload.client_id, `organization.${org.id}`);
    assert.equal(payload.client_sub, org.id);
    assert.equal(payload.client_type, 'Organization');
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 5);

    const disco = await call(sim, { host: US_ID, path: '/.well-known/openid-configuration' });
    assert.equal(disco.status, 200);
    const d = disco.json();
    assert.equal(d.issuer, 'https://identity.bitwarden.com');
    assert.equal(d.token_endpoint, 'https://identity.bitwarden.com/connect/token');
    assert.ok(d.scopes_supported.includes('api.organization'));
    assert.deepEqual(d.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
    const jwks = await call(sim, { host: US_ID, path: '/.well-known/openid-configuration/jwks' });
    assert.ok(verifyWithJwks(body.access_token, jwks.json() as any));
    const euJwks = await call(sim, { host: EU_ID, path: '/.well-known/openid-configuration/jwks' });
    assert.equal(verifyWithJwks(body.access_token, euJwks.json() as any), false, 'each realm signs with its own key');
  });

  it('honours tokenLifetimeSeconds, a missing/duplicated scope, case-insensitive fields and uppercase GUIDs', async () => {
    sim.configure({ tokenLifetimeSeconds: 120 });
    const r = await tokenRequest(sim, US_ID, { grant_type: 'client_credentials', CLIENT_ID: `organization.${org.id.toUpperCase()}`, Client_Secret: org.clientSecret });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().expires_in, 120);
    const { payload } = decodeJwt(r.json().access_token);
    assert.equal(payload.exp - payload.iat, 120);
    assert.equal(payload.client_id, `organization.${org.id}`, 'client_id claim is normalised to lowercase');
    const dup = await tokenRequest(sim, US_ID, { ...good(), scope: 'api.organization  api.organization' });
    assert.equal(dup.status, 200);
  });

  it('accepts client_secret_basic with URL-encoded parts', async () => {
    const basic = Buffer.from(`${encodeURIComponent(org.clientId)}:${encodeURIComponent(org.clientSecret)}`).toString('base64');
    const r = await tokenRequest(sim, US_ID, { grant_type: 'client_credentials', scope: 'api.organization' }, '/connect/token', { authorization: `Basic ${basic}` });
    assert.equal(r.status, 200, r.text);
    const wrong = Buffer.from(`${org.clientId}:nope`).toString('base64');
    const r2 = await tokenRequest(sim, US_ID, { grant_type: 'client_credentials' }, '/connect/token', { authorization: `Basic ${wrong}` });
    assert.equal(r2.status, 400);
    assert.equal(r2.text, '{"error":"invalid_client"}');
  });

  const rows: Array<[string, (o: SimOrg) => { form?: Record<string, string>; method?: string; body?: string; ctype?: string }, string]> = [
    ['wrong secret', (o) => ({ form: { grant_type: 'client_credentials', scope: 'api.organization', client_id: o.clientId, client_secret: 'x'.repeat(30) } }), 'invalid_client'],
    ['no secret', (o) => ({ form: { grant_type: 'client_credentials', scope: 'api.organization', client_id: o.clientId } }), 'invalid_client'],
    ['secret of another case', (o) => ({ form: { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret.toLowerCase() === o.clientSecret ? o.clientSecret.toUpperCase() : o.clientSecret.toLowerCase() } }), 'invalid_client'],
    ['unknown org', (o) => ({ form: { grant_type: 'client_credentials', client_id: 'organization.00000000-0000-4000-8000-000000000000', client_secret: o.clientSecret } }), 'invalid_client'],
    ['empty id tail', (o) => ({ form: { grant_type: 'client_credentials', client_id: 'organization.', client_secret: o.clientSecret } }), 'invalid_client'],
    ['non-GUID tail', (o) => ({ form: { grant_type: 'client_credentials', client_id: 'organization.abc', client_secret: o.clientSecret } }), 'invalid_client'],
    ['prefix in another case', (o) => ({ form: { grant_type: 'client_credentials', client_id: `Organization.${o.id}`, client_secret: o.clientSecret } }), 'invalid_client'],
    ['user. prefix', (o) => ({ form: { grant_type: 'client_credentials', client_id: `user.${o.id}`, client_secret: o.clientSecret } }), 'invalid_client'],
    ['missing client_id', (o) => ({ form: { grant_type: 'client_credentials', client_secret: o.clientSecret } }), 'invalid_request'],
    ['client_id over 100 chars', (o) => ({ form: { grant_type: 'client_credentials', client_id: `organization.${o.id}${'a'.repeat(60)}`, client_secret: o.clientSecret } }), 'invalid_request'],
    ['client_secret over 100 chars', (o) => ({ form: { grant_type: 'client_credentials', client_id: o.clientId, client_secret: 'a'.repeat(101) } }), 'invalid_request'],
    ['GET', () => ({ method: 'GET' }), 'invalid_request'],
    ['JSON body', (o) => ({ body: JSON.stringify({ grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret }), ctype: 'application/json' }), 'invalid_request'],
    ['missing grant_type', (o) => ({ form: { scope: 'api.organization', client_id: o.clientId, client_secret: o.clientSecret } }), 'unsupported_grant_type'],
    ['password grant', (o) => ({ form: { grant_type: 'password', client_id: o.clientId, client_secret: o.clientSecret } }), 'unauthorized_client'],
    ['refresh_token grant without token', (o) => ({ form: { grant_type: 'refresh_token', client_id: o.clientId, client_secret: o.clientSecret } }), 'invalid_request'],
    ['unknown grant', (o) => ({ form: { grant_type: 'foo', client_id: o.clientId, client_secret: o.clientSecret } }), 'unsupported_grant_type'],
    ['scope api', (o) => ({ form: { grant_type: 'client_credentials', scope: 'api', client_id: o.clientId, client_secret: o.clientSecret } }), 'invalid_scope'],
    ['scope api.organization api', (o) => ({ form: { grant_type: 'client_credentials', scope: 'api.organization api', client_id: o.clientId, client_secret: o.clientSecret } }), 'invalid_scope'],
    ['scope openid', (o) => ({ form: { grant_type: 'client_credentials', scope: 'openid', client_id: o.clientId, client_secret: o.clientSecret } }), 'invalid_scope'],
    ['scope offline_access', (o) => ({ form: { grant_type: 'client_credentials', scope: 'offline_access', client_id: o.clientId, client_secret: o.clientSecret } }), 'invalid_scope'],
    ['wrong secret and wrong scope', (o) => ({ form: { grant_type: 'password', scope: 'api', client_id: o.clientId, client_secret: 'bad' } }), 'invalid_client'],
  ];
  for (const [name, build, code] of rows) {
    it(`error row: ${name} → 400 ${code}`, async () => {
      const b = build(org);
      const r = await call(sim, {
        host: US_ID,
        path: '/connect/token',
        method: b.method,
        form: b.form,
        body: b.body,
        headers: b.ctype ? { 'content-type': b.ctype } : undefined,
      });
      assert.equal(r.status, 400);
      assert.equal(r.text, JSON.stringify({ error: code }));
      assertIdentityHeaders(r.headers);
    });
  }

  it('disabled org or useApi=false → invalid_client; an org without a key → 500 with an empty body', async () => {
    sim.setEnabled(org.id, false);
    assert.equal((await tokenRequest(sim, US_ID, good())).text, '{"error":"invalid_client"}');
    sim.setEnabled(org.id, true);
    sim.setUseApi(org.id, false);
    assert.equal((await tokenRequest(sim, US_ID, good())).text, '{"error":"invalid_client"}');
    const noKey = sim.createOrg({ withoutKey: true });
    const r = await tokenRequest(sim, US_ID, { grant_type: 'client_credentials', client_id: noKey.clientId, client_secret: 'x' });
    assert.equal(r.status, 500);
    assert.equal(r.text, '');
    const disabledOnly = sim.createOrg({ enabled: false, useApi: false });
    const r2 = await tokenRequest(sim, US_ID, { grant_type: 'client_credentials', client_id: disabledOnly.clientId, client_secret: disabledOnly.clientSecret });
    assert.equal(r2.text, '{"error":"invalid_client"}');
  });

  it('rotation: the old secret fails at once, the new one works, and tokens issued before stay valid', async () => {
    const oldToken = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    const secret = sim.rotateKey(org.id);
    assert.match(secret, /^[A-Za-z0-9]{30}$/);
    assert.notEqual(secret, org.clientSecret);
    assert.equal((await tokenRequest(sim, US_ID, good())).text, '{"error":"invalid_client"}');
    await getToken(sim, US_ID, org.clientId, secret);
    const api = await call(sim, { host: US_API, path: '/public/policies', headers: bearer(oldToken) });
    assert.equal(api.status, 200);
  });

  it('disabling the org or its plan keeps issued tokens working on the API', async () => {
    const token = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    sim.setEnabled(org.id, false);
    sim.setUseApi(org.id, false);
    assert.equal((await call(sim, { host: US_API, path: '/public/groups', headers: bearer(token) })).status, 200);
  });

  it('realms are separate: US credentials fail at EU and tokens cross no realm', async () => {
    assert.equal((await tokenRequest(sim, EU_ID, good())).text, '{"error":"invalid_client"}');
    const eu = sim.createOrg({ realm: 'eu' });
    const euToken = await getToken(sim, EU_ID, eu.clientId, eu.clientSecret);
    assert.equal(decodeJwt(euToken).payload.iss, 'https://identity.bitwarden.eu');
    const usToken = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    const cross1 = await call(sim, { host: US_API, path: '/public/policies', headers: bearer(euToken) });
    assert.equal(cross1.status, 401);
    assert.equal(cross1.text, '');
    assert.match(String(cross1.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    assert.equal((await call(sim, { host: EU_API, path: '/public/policies', headers: bearer(usToken) })).status, 401);
    assert.equal((await call(sim, { host: EU_API, path: '/public/policies', headers: bearer(euToken) })).status, 200);
    const sh = await call(sim, { host: 'bw.selfhosted.test', path: '/api/public/policies', headers: bearer(usToken) });
    assert.equal(sh.status, 401);
  });

  it('self-hosted: any path prefix, iss http://identity, discovery points at the internal URL', async () => {
    const o = sim.createOrg({ realm: 'bw.selfhosted.test' });
    const token = await getToken(sim, 'bw.selfhosted.test', o.clientId, o.clientSecret, '/bitwarden/identity/connect/token');
    assert.equal(decodeJwt(token).payload.iss, 'http://identity');
    const plain = await getToken(sim, 'bw.selfhosted.test', o.clientId, o.clientSecret, '/identity/connect/token');
    assert.ok(plain);
    assert.equal((await call(sim, { host: 'bw.selfhosted.test', path: '/bitwarden/api/public/policies', headers: bearer(token) })).status, 200);
    assert.equal((await call(sim, { host: 'bw.selfhosted.test:8443', path: '/api/public/policies', headers: bearer(token) })).status, 200, 'port ignored');
    const d = (await call(sim, { host: 'bw.selfhosted.test', path: '/identity/.well-known/openid-configuration' })).json();
    assert.equal(d.issuer, 'http://identity');
    assert.equal(d.token_endpoint, 'http://identity:5000/connect/token');
    // The US org is unknown here, and a self-hosted org is unknown at US.
    assert.equal((await tokenRequest(sim, 'bw.selfhosted.test', good(), '/identity/connect/token')).text, '{"error":"invalid_client"}');
    assert.equal((await tokenRequest(sim, US_ID, { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret })).text, '{"error":"invalid_client"}');
    // Paths that are neither identity nor API → 404.
    assert.equal((await call(sim, { host: 'bw.selfhosted.test', path: '/connect/token' })).status, 404);
  });

  it('rate limit: more than N token requests per minute per IP → 429 with Retry-After and the exact body (cloud only)', async () => {
    sim.configure({ rateLimitPerMinute: 2 });
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 200);
    assert.equal((await tokenRequest(sim, US_ID, { ...good(), client_secret: 'bad' })).status, 400);
    const r = await tokenRequest(sim, US_ID, good());
    assert.equal(r.status, 429);
    const ra = Number(r.headers['retry-after']);
    assert.ok(ra >= 1 && ra <= 60, String(ra));
    assert.equal(
      r.text,
      '{"object":"error","message":"Slow down! Too many requests. Try again in 1m.","validationErrors":null,"exceptionMessage":null,"exceptionStackTrace":null,"innerExceptionMessage":null}',
    );
    // Another IP has its own window.
    assert.equal((await tokenRequest(sim, US_ID, good(), '/connect/token', { 'x-connecting-ip': '198.51.100.9' })).status, 200);
    // Self-hosted official servers have no rate limiter.
    const o = sim.createOrg({ realm: 'bw.selfhosted.test' });
    for (let i = 0; i < 4; i++) {
      const s = await tokenRequest(sim, 'bw.selfhosted.test', { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret }, '/identity/connect/token');
      assert.equal(s.status, 200);
    }
    sim.configure({ rateLimitPerMinute: null });
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 200);
    const c = sim.counters();
    assert.equal(c.byRealm.us.tokenRequests, 5);
    assert.equal(c.byRealm.us.tokenSuccesses, 3);
    assert.deepEqual(c.tokenLog.filter((e) => e.realm === 'us').map((e) => e.status), [200, 400, 429, 200, 200]);
  });
});
