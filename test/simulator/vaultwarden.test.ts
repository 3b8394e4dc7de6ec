// Vaultwarden mode: what differs from the official server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimOrg, SimulatorHandle } from '@app/simulator';
import { bearer, call, decodeJwt, tokenRequest, useSimulator } from './sim-client';

const VW = 'vaultwarden.example.test';
const NOT_FOUND = '{"error":{"code":404,"reason":"Not Found","description":"The requested resource could not be found."}}';

function vwError(m: string) {
  return {
    message: m,
    validationErrors: { '': [m] },
    errorModel: { message: m, object: 'error' },
    error: '',
    error_description: '',
    exceptionMessage: null,
    exceptionStackTrace: null,
    innerExceptionMessage: null,
    object: 'error',
  };
}

describe('simulator: Vaultwarden mode', () => {
  let sim: SimulatorHandle;
  let org: SimOrg;
  const form = (o: Partial<Record<string, string>> = {}) =>
    Object.fromEntries(
      Object.entries({
        grant_type: 'client_credentials',
        scope: 'api.organization',
        client_id: org.clientId,
        client_secret: org.clientSecret,
        deviceIdentifier: 'f0e1d2c3-0000-4000-8000-000000000001',
        device_name: 'bitwarden-connect',
        DeviceType: '21',
        ...o,
      }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
  const token = (f: Record<string, string>, host = VW) => tokenRequest(sim, host, f, '/identity/connect/token');

  useSimulator((s) => ({ sim, org } = s), { org: { realm: VW } });

  it('issues a token with VW claims: iss origin|api.organization, sub = key row id (stable across rotation), no iat/jti', async () => {
    const r = await token(form());
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json()), ['access_token', 'expires_in', 'token_type', 'scope']);
    assert.equal(r.json().expires_in, 3600);
    const { header, payload } = decodeJwt(r.json().access_token);
    assert.equal(header.alg, 'RS256');
    assert.deepEqual(Object.keys(payload), ['nbf', 'exp', 'iss', 'sub', 'client_id', 'client_sub', 'scope']);
    assert.equal(payload.iss, `https://${VW}|api.organization`);
    assert.equal(payload.client_sub, org.id);
    assert.equal(payload.client_id, org.clientId);
    assert.deepEqual(payload.scope, ['api.organization']);
    assert.notEqual(payload.sub, org.id);
    const oldToken = r.json().access_token;
    const secret = sim.rotateKey(org.id);
    assert.deepEqual((await token(form())).json(), vwError('Incorrect client_secret'));
    const r2 = await token(form({ client_secret: secret }));
    assert.equal(decodeJwt(r2.json().access_token).payload.sub, payload.sub);
    // Old token still imports.
    const imp = await call(sim, {
      host: VW,
      path: '/api/public/organization/import',
      body: JSON.stringify({ groups: [], members: [], overwriteExisting: false }),
      headers: { ...bearer(oldToken), 'content-type': 'application/json' },
    });
    assert.equal(imp.status, 200);
    assert.equal(imp.text, '');
  });

  it('accepts every spelling of the device fields and ignores enabled/useApi', async () => {
    sim.setEnabled(org.id, false);
    sim.setUseApi(org.id, false);
    const r = await token(form({ deviceIdentifier: undefined, device_identifier: 'x', device_name: undefined, DEVICENAME: 'n', DeviceType: undefined, Device_Type: '8' }));
    assert.equal(r.status, 200, r.text);
  });

  const errors: Array<[string, Partial<Record<string, string>>, string]> = [
    ['missing client_id', { client_id: undefined }, 'client_id cannot be blank'],
    ['missing client_secret', { client_secret: undefined }, 'client_secret cannot be blank'],
    ['missing scope', { scope: undefined }, 'scope cannot be blank'],
    ['missing device identifier', { deviceIdentifier: undefined }, 'device_identifier cannot be blank'],
    ['missing device name', { device_name: undefined }, 'device_name cannot be blank'],
    ['missing device type', { DeviceType: undefined }, 'device_type cannot be blank'],
    ['other scope', { scope: 'api.organization api' }, 'Scope not supported'],
    ['scope api (user path)', { scope: 'api' }, 'Malformed client_id'],
    ['malformed client_id', { client_id: 'Organization.abc' }, 'Malformed client_id'],
    ['unknown org', { client_id: 'organization.00000000-0000-4000-8000-000000000000' }, 'Invalid client_id'],
    ['wrong secret', { client_secret: 'nope' }, 'Incorrect client_secret'],
    ['unknown grant', { grant_type: 'password' }, 'Invalid type'],
  ];
  for (const [name, o, message] of errors) {
    it(`error: ${name} → 400 "${message}"`, async () => {
      const r = await token(form(o));
      assert.equal(r.status, 400);
      assert.deepEqual(r.json(), vwError(message));
    });
  }

  it('uppercase org uuid is Invalid client_id (string compare); missing grant_type → 422', async () => {
    assert.deepEqual((await token(form({ client_id: `organization.${org.id.toUpperCase()}` }))).json(), vwError('Invalid client_id'));
    assert.equal((await token(form({ grant_type: undefined }))).status, 422);
  });

  it('login limit is on by default: a burst of 10, then 429 "Too many login requests" without Retry-After', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await token(form())).status, 200, `request ${i + 1}`);
    const r = await token(form());
    assert.equal(r.status, 429);
    assert.deepEqual(r.json(), vwError('Too many login requests'));
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['retry-after'], undefined);
    // rateLimitPerMinute is a cloud knob: it neither lifts nor tightens Vaultwarden's own limit.
    sim.configure({ rateLimitPerMinute: 1000 });
    assert.equal((await token(form())).status, 429);
    assert.equal(sim.counters().byRealm[VW].tooManyRequests, 2);
  });

  it('API: only import exists; everything else → VW 404 JSON; bad tokens → 401; config names Vaultwarden', async () => {
    const t = (await token(form())).json().access_token;
    const pol = await call(sim, { host: VW, path: '/api/public/policies', headers: bearer(t) });
    assert.equal(pol.status, 404);
    assert.equal(pol.text, NOT_FOUND);
    const imp = (tok: string | null, body = JSON.stringify({ groups: [], members: [], overwriteExisting: true })) =>
      call(sim, { host: VW, path: '/api/public/organization/import', body, headers: { ...(tok ? bearer(tok) : {}), 'content-type': 'application/json' } });
    assert.equal((await imp(null)).status, 401);
    assert.equal((await imp('garbage')).status, 401);
    assert.equal((await imp(t, '{"groups":[]}')).status, 422);
    assert.equal((await imp(t, '{')).status, 400);
    sim.forceExpire(t);
    assert.equal((await imp(t)).status, 401);
    // A token from another realm (official US) is rejected.
    const us = sim.createOrg();
    assert.equal((await imp(sim.mintToken(us.id))).status, 401);
    const cfg = (await call(sim, { host: VW, path: '/api/config' })).json();
    assert.deepEqual(cfg.server, { name: 'Vaultwarden', url: 'https://github.com/dani-garcia/vaultwarden' });
    assert.equal(cfg.environment.api, `https://${VW}/api`);
    assert.equal((await call(sim, { host: VW, path: '/identity/.well-known/openid-configuration' })).status, 404);
  });

  it('setRealmMode switches any self-hosted realm (and back)', async () => {
    const host = 'bw.selfhosted.test';
    const o = sim.createOrg({ realm: host });
    const f = { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret };
    assert.equal((await token(f, host)).status, 200, 'official: no scope or device fields needed');
    sim.setRealmMode(host, 'vaultwarden');
    assert.deepEqual((await token(f, host)).json(), vwError('scope cannot be blank'));
    sim.setRealmMode(host, 'official');
    assert.equal((await token(f, host)).status, 200);
  });
});
