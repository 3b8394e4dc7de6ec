// Official Public API: bearer checks, scope, lists, 404s, subscription, import, config.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimOrg, SimulatorHandle } from '@app/simulator';
import { bearer, call, getToken, US_API, US_ID, useSimulator } from './sim-client';

describe('simulator: official public API', () => {
  let sim: SimulatorHandle;
  let org: SimOrg;
  let token: string;

  useSimulator((s) => ({ sim, org, token } = s), { token: true });

  const get = (path: string, headers?: Record<string, string>) => call(sim, { host: US_API, path, headers });

  it('lists policies, groups, collections and members without an org id or name; events carry continuationToken', async () => {
    for (const [path, object] of [
      ['/public/policies', 'policy'],
      ['/public/groups', 'group'],
      ['/public/collections', 'collection'],
      ['/public/members', 'member'],
    ]) {
      const r = await get(path, bearer(token));
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      const body = r.json();
      assert.deepEqual(Object.keys(body), ['object', 'data']);
      assert.equal(body.object, 'list');
      assert.ok(body.data.length >= 2);
      for (const item of body.data) {
        assert.equal(item.object, object);
        assert.match(item.id, /^[0-9a-f-]{36}$/);
      }
      assert.ok(!r.text.includes(org.id), `${path} leaks the org id`);
      assert.ok(!/Simulated org/.test(r.text));
    }
    const ev = await get('/public/events?start=2026-01-01', bearer(token));
    assert.equal(ev.status, 200);
    assert.equal(ev.json().object, 'list');
    assert.equal(ev.json().continuationToken, null);
    assert.ok(!ev.text.includes(org.id));
    // Deterministic per org, different between orgs.
    const again = await get('/public/groups', bearer(token));
    const other = sim.createOrg();
    const otherToken = await getToken(sim, US_ID, other.clientId, other.clientSecret);
    const otherGroups = await get('/public/groups', bearer(otherToken));
    assert.equal(again.text, (await get('/public/groups', bearer(token))).text);
    assert.notEqual(again.json().data[0].id, otherGroups.json().data[0].id);
  });

  it('items: a known id → 200, an unknown id → 404 with an empty body; unknown paths → 404; wrong verb → 405', async () => {
    const members = (await get('/public/members', bearer(token))).json().data;
    const one = await get(`/public/members/${members[0].id}`, bearer(token));
    assert.equal(one.status, 200);
    assert.equal(one.json().id, members[0].id);
    for (const x of ['collections', 'groups', 'members']) {
      const r = await get(`/public/${x}/00000000-0000-4000-8000-000000000000`, bearer(token));
      assert.equal(r.status, 404, x);
      assert.equal(r.text, '');
    }
    assert.equal((await get('/public/policies/0', bearer(token))).json().type, 0);
    assert.equal((await get('/public/policies/99', bearer(token))).status, 404);
    const unknown = await get('/public/nothing-here', bearer(token));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, '');
    assert.equal((await get('/public/nothing-here')).status, 404, 'routing before auth');
    assert.equal((await get('/elsewhere', bearer(token))).status, 404);
    assert.equal((await call(sim, { host: US_API, path: '/public/policies', method: 'DELETE', headers: bearer(token) })).status, 405);
  });

  it('401 shapes: missing, garbage, forged, expired (forceExpire and past the 300 s skew), not yet valid; 403 without the scope', async () => {
    const none = await get('/public/policies');
    assert.equal(none.status, 401);
    assert.equal(none.text, '');
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    const garbage = await get('/public/policies', bearer('not-a-jwt'));
    assert.equal(garbage.status, 401);
    assert.equal(garbage.headers['www-authenticate'], 'Bearer error="invalid_token"');
    const [h, p] = token.split('.');
    const forged = await get('/public/policies', bearer(`${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`));
    assert.equal(forged.status, 401);
    assert.match(String(forged.headers['www-authenticate']), /error="invalid_token", error_description="The signature is invalid"/);

    const now = Math.floor(Date.now() / 1000);
    const withinSkew = sim.mintToken(org.id, { exp: now - 200, iat: now - 3800, nbf: now - 3800 });
    assert.equal((await get('/public/policies', bearer(withinSkew))).status, 200, '300 s clock skew');
    const expired = sim.mintToken(org.id, { exp: now - 400, iat: now - 4000, nbf: now - 4000 });
    const e = await get('/public/policies', bearer(expired));
    assert.equal(e.status, 401);
    assert.equal(e.text, '');
    assert.match(String(e.headers['www-authenticate']), /^Bearer error="invalid_token", error_description="The token expired at '\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d'"$/);
    const future = sim.mintToken(org.id, { nbf: now + 1000 });
    assert.match(String((await get('/public/policies', bearer(future))).headers['www-authenticate']), /not valid before/);
    const wrongIss = sim.mintToken(org.id, { iss: 'https://identity.bitwarden.eu' });
    assert.match(String((await get('/public/policies', bearer(wrongIss))).headers['www-authenticate']), /The issuer 'https:\/\/identity.bitwarden.eu' is invalid/);

    sim.forceExpire(token);
    const fe = await get('/public/policies', bearer(token));
    assert.equal(fe.status, 401);
    assert.match(String(fe.headers['www-authenticate']), /The token expired at/);

    const noScope = await get('/public/policies', bearer(sim.mintToken(org.id, { scope: ['api'] })));
    assert.equal(noScope.status, 403);
    assert.equal(noScope.text, '');
  });

  it('bearer prefix is case-insensitive and ?access_token= works when no header is sent', async () => {
    assert.equal((await get('/public/policies', { authorization: `bearer ${token}` })).status, 200);
    assert.equal((await get(`/public/policies?access_token=${token}`)).status, 200);
  });

  it('subscription: 200 in cloud, 400 self-hosted', async () => {
    const r = await get('/public/organization/subscription', bearer(token));
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json()), ['passwordManager', 'secretsManager']);
    assert.deepEqual(Object.keys(r.json().passwordManager), ['seats', 'maxAutoScaleSeats', 'storage']);
    const o = sim.createOrg({ realm: 'bw.selfhosted.test' });
    const t = await getToken(sim, 'bw.selfhosted.test', o.clientId, o.clientSecret, '/identity/connect/token');
    const s = await call(sim, { host: 'bw.selfhosted.test', path: '/api/public/organization/subscription', headers: bearer(t) });
    assert.equal(s.status, 400);
    assert.equal(s.text, '{"object":"error","message":"Only allowed when not self hosted.","errors":null}');
  });

  it('import: 200 empty on a good body, 400 model-state envelope on a bad one', async () => {
    const post = (body: string) =>
      call(sim, { host: US_API, path: '/public/organization/import', body, headers: { ...bearer(token), 'content-type': 'application/json' } });
    const ok = await post(JSON.stringify({ groups: [{ name: 'G', externalId: 'g' }], members: [{ email: 'a@example.test', externalId: 'a' }], overwriteExisting: false }));
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '');
    const bad = await post(JSON.stringify({ groups: [], members: [] }));
    assert.equal(bad.status, 400);
    assert.equal(bad.json().object, 'error');
    assert.equal(bad.json().message, "The request's model state is invalid.");
    assert.ok(bad.json().errors.OverwriteExisting);
    const empty = await post('');
    assert.deepEqual(empty.json().errors, { '': ['Body is empty.'] });
    const tooMany = await post(JSON.stringify({ groups: [], members: Array.from({ length: 2001 }, (_, i) => ({ externalId: `m${i}` })), overwriteExisting: false }));
    assert.equal(tooMany.json().message, 'You cannot import this much data at once.');
  });

  it('GET /config is unauthenticated with server null; /alive and /now answer', async () => {
    const r = await get('/config');
    assert.equal(r.status, 200);
    const c = r.json();
    assert.equal(c.object, 'config');
    assert.equal(c.server, null);
    assert.deepEqual(
      { cloudRegion: c.environment.cloudRegion, api: c.environment.api, identity: c.environment.identity, vault: c.environment.vault },
      { cloudRegion: 'US', api: 'https://api.bitwarden.com', identity: 'https://identity.bitwarden.com', vault: 'https://vault.bitwarden.com' },
    );
    const eu = (await call(sim, { host: 'api.bitwarden.eu', path: '/config' })).json();
    assert.equal(eu.environment.identity, 'https://identity.bitwarden.eu');
    const sh = (await call(sim, { host: 'bw.selfhosted.test', path: '/bitwarden/api/config' })).json();
    assert.equal(sh.environment.identity, 'https://bw.selfhosted.test/bitwarden/identity');
    assert.equal(sh.server, null);
    assert.equal((await get('/alive')).status, 200);
    assert.equal((await get('/now')).status, 200);
    assert.equal((await call(sim, { host: US_ID, path: '/alive' })).status, 200);
  });
});
