// The real servers' per-IP limits: cloud identity (10/1m + 5/1s), cloud Public API (reads, writes), Vaultwarden's
// login GCRA, official self-hosted (none), and the switches that lift or tune them per realm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimOrg, SimulatorHandle } from '@app/simulator';
import { bearer, call, getToken, tokenRequest, US_API, US_ID, useSimulator } from './sim-client';

const SLOW_1M = '{"object":"error","message":"Slow down! Too many requests. Try again in 1m.","validationErrors":null,"exceptionMessage":null,"exceptionStackTrace":null,"innerExceptionMessage":null}';
const SLOW_1S = SLOW_1M.replace('in 1m.', 'in 1s.');
const VW = 'vaultwarden.example.test';
const SELF = 'bw.selfhosted.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simulator: real rate limits', () => {
  let sim: SimulatorHandle;
  let org: SimOrg;
  const good = (o: SimOrg = org) => ({ grant_type: 'client_credentials', scope: 'api.organization', client_id: o.clientId, client_secret: o.clientSecret });
  const vwForm = (o: SimOrg) => ({ ...good(o), deviceIdentifier: 'f0e1d2c3-0000-4000-8000-000000000001', device_name: 'bwc', DeviceType: '21' });

  useSimulator((s) => ({ sim, org } = s));

  it('defaults: off for cloud realms, on for Vaultwarden realms, with the real numbers', () => {
    assert.deepEqual(sim.realmLimits('us'), {
      enabled: false,
      tokenPerMinute: 10,
      tokenPerSecond: 5,
      apiReadsPerMinute: 200,
      apiWritesPerMinute: 60,
      apiWritesPerSecond: 5,
      loginBurst: 10,
      loginPeriodSeconds: 60,
    });
    assert.equal(sim.realmLimits(VW).enabled, true);
    assert.equal(sim.setRealmLimits('US', { enabled: true, tokenPerMinute: 3 }).tokenPerMinute, 3, 'realm names are case-insensitive');
    assert.equal(sim.realmLimits('us').enabled, true);
    assert.throws(() => sim.setRealmLimits('us', { tokenPerSecond: 0 }), /positive number/);
    sim.reset();
    assert.equal(sim.realmLimits('us').enabled, false, 'reset drops overrides');
  });

  it('cloud identity: 5 per 1s then 10 per 1m, fixed windows from the first request, refused requests counted', async () => {
    sim.setRealmLimits('us', { enabled: true });
    const statuses = async (n: number) => {
      const out: Array<[number, string, string | undefined]> = [];
      for (let i = 0; i < n; i++) {
        const r = await tokenRequest(sim, US_ID, good());
        out.push([r.status, r.status === 429 ? r.text : '', r.headers['retry-after'] as string | undefined]);
      }
      return out;
    };
    // Window A: five pass, the sixth trips the 1s rule (and, refused there, never reaches the 1m rule).
    const a = await statuses(6);
    assert.deepEqual(a.slice(0, 5).map((x) => x[0]), [200, 200, 200, 200, 200]);
    assert.deepEqual(a[5], [429, SLOW_1S, '1']);
    await sleep(1050);
    // Window B: five more pass, so the minute has seen exactly 10.
    const b = await statuses(5);
    assert.deepEqual(b.map((x) => x[0]), [200, 200, 200, 200, 200]);
    await sleep(1050);
    // Window C: the 1m rule refuses; those refusals still count in the 1s window, so the sixth names 1s.
    const c = await statuses(6);
    for (const [status, body, retry] of c.slice(0, 5)) {
      assert.equal(status, 429);
      assert.equal(body, SLOW_1M);
      assert.ok(Number(retry) >= 55 && Number(retry) <= 60, String(retry));
    }
    assert.deepEqual(c[5], [429, SLOW_1S, '1']);
    // Another client IP has its own windows.
    assert.equal((await tokenRequest(sim, US_ID, good(), '/connect/token', { 'x-connecting-ip': '198.51.100.9' })).status, 200);
    const counters = sim.counters();
    assert.equal(counters.byRealm.us.tooManyRequests, 7);
    assert.equal(counters.tooManyRequests, 7);
    assert.equal(counters.byRealm.us.tokenSuccesses, 11);
  });

  it('cloud identity: 429 shape, X-Rate-Limit-* on what passes, rateLimitPerMinute overrides the 1m rule', async () => {
    sim.setRealmLimits('eu', { enabled: true, tokenPerMinute: 2 });
    const eu = sim.createOrg({ realm: 'eu' });
    const first = await tokenRequest(sim, 'identity.bitwarden.eu', good(eu));
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-rate-limit-limit'], '1m');
    assert.equal(first.headers['x-rate-limit-remaining'], '1');
    const reset = String(first.headers['x-rate-limit-reset']);
    assert.match(reset, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    assert.ok(Math.abs(Date.parse(reset) - (Date.now() + 60_000)) < 2000);
    const bad = await tokenRequest(sim, 'identity.bitwarden.eu', { ...good(eu), client_secret: 'nope' });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['x-rate-limit-remaining'], '0', 'a rejected exchange still counts');
    const limited = await tokenRequest(sim, 'identity.bitwarden.eu', good(eu));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(limited.headers['x-rate-limit-limit'], undefined);
    assert.equal(limited.text, SLOW_1M);
    // The legacy knob replaces the 1m rule while the limits are on...
    sim.reset();
    sim.setRealmLimits('us', { enabled: true });
    sim.configure({ rateLimitPerMinute: 1 });
    org = sim.createOrg();
    assert.equal((await tokenRequest(sim, US_ID, good())).headers['x-rate-limit-remaining'], '0');
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 429);
    // ...and nothing limits a cloud realm whose limits are off and the knob unset.
    sim.reset();
    org = sim.createOrg();
    for (let i = 0; i < 12; i++) {
      const r = await tokenRequest(sim, US_ID, good());
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-rate-limit-limit'], undefined);
    }
  });

  it('official self-hosted: no limit at all, even when switched on', async () => {
    sim.setRealmLimits(SELF, { enabled: true, tokenPerSecond: 1, tokenPerMinute: 1, apiReadsPerMinute: 1 });
    const o = sim.createOrg({ realm: SELF });
    let token = '';
    for (let i = 0; i < 15; i++) {
      const r = await tokenRequest(sim, SELF, good(o), '/identity/connect/token');
      assert.equal(r.status, 200);
      token = r.json().access_token;
    }
    for (let i = 0; i < 5; i++) assert.equal((await call(sim, { host: SELF, path: '/api/public/groups', headers: bearer(token) })).status, 200);
    assert.equal(sim.counters().tooManyRequests, 0);
  });

  it('Vaultwarden: GCRA burst then one per period, refusals cost nothing, no Retry-After; switchable off', async () => {
    const o = sim.createOrg({ realm: VW });
    const vw = (ip = '192.0.2.1') => tokenRequest(sim, VW, vwForm(o), '/identity/connect/token', { 'x-connecting-ip': ip });
    sim.setRealmLimits(VW, { loginBurst: 3, loginPeriodSeconds: 0.4 });
    for (let i = 0; i < 3; i++) assert.equal((await vw()).status, 200);
    for (let i = 0; i < 3; i++) {
      const r = await vw();
      assert.equal(r.status, 429);
      assert.equal(r.json().message, 'Too many login requests');
      assert.equal(r.headers['retry-after'], undefined);
    }
    assert.equal((await vw('192.0.2.2')).status, 200, 'per client IP');
    await sleep(450);
    // One period later exactly one more passes (the refused three did not push the schedule back).
    assert.equal((await vw()).status, 200);
    assert.equal((await vw()).status, 429);
    sim.setRealmLimits(VW, { enabled: false });
    for (let i = 0; i < 12; i++) assert.equal((await vw()).status, 200);
    assert.equal(sim.counters().byRealm[VW].tooManyRequests, 4);
  });

  it('cloud API: GETs per minute with X-Rate-Limit-* (404s and /config count too), then 429 1m', async () => {
    const token = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    sim.setRealmLimits('us', { enabled: true, apiReadsPerMinute: 4 });
    const get = (path: string) => call(sim, { host: US_API, path, headers: bearer(token) });
    const r1 = await get('/public/members');
    assert.equal(r1.status, 200);
    assert.equal(r1.headers['x-rate-limit-limit'], '1m');
    assert.equal(r1.headers['x-rate-limit-remaining'], '3');
    assert.match(String(r1.headers['x-rate-limit-reset']), /\.\d{7}Z$/);
    assert.equal((await get('/public/nothing')).headers['x-rate-limit-remaining'], '2');
    assert.equal((await call(sim, { host: US_API, path: '/config' })).headers['x-rate-limit-remaining'], '1');
    assert.equal((await get('/public/groups')).headers['x-rate-limit-remaining'], '0');
    const limited = await get('/public/groups');
    assert.equal(limited.status, 429);
    assert.equal(limited.text, SLOW_1M);
    assert.ok(Number(limited.headers['retry-after']) >= 55);
    // Writes have counters of their own.
    const created = await call(sim, { host: US_API, path: '/public/groups', headers: { ...bearer(token), 'content-type': 'application/json' }, body: '{"name":"N"}' });
    assert.equal(created.status, 200);
    assert.equal(created.headers['x-rate-limit-remaining'], '59');
    // Identity windows are apart from the API's.
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 200);
  });

  it('cloud API: writes 5 per 1s and N per 1m, a counter per verb', async () => {
    const token = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    sim.setRealmLimits('us', { enabled: true });
    const post = () => call(sim, { host: US_API, path: '/public/groups', headers: { ...bearer(token), 'content-type': 'application/json' }, body: '{"name":"G"}' });
    for (let i = 0; i < 5; i++) assert.equal((await post()).status, 200);
    const fast = await post();
    assert.equal(fast.status, 429);
    assert.equal(fast.text, SLOW_1S);
    assert.equal(fast.headers['retry-after'], '1');
    const member = (await call(sim, { host: US_API, path: '/public/members', headers: bearer(token) })).json().data[0].id;
    const del = await call(sim, { host: US_API, path: `/public/members/${member}`, method: 'DELETE', headers: bearer(token) });
    assert.equal(del.status, 200, 'DELETE is counted apart from POST');
    sim.reset();
    sim.setRealmLimits('us', { enabled: true, apiWritesPerMinute: 2 });
    org = sim.createOrg();
    const t2 = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    const post2 = () => call(sim, { host: US_API, path: '/public/groups', headers: { ...bearer(t2), 'content-type': 'application/json' }, body: '{"name":"G"}' });
    assert.equal((await post2()).headers['x-rate-limit-remaining'], '1');
    assert.equal((await post2()).status, 200);
    const slow = await post2();
    assert.equal(slow.status, 429);
    assert.equal(slow.text, SLOW_1M);
  });

  it('/__sim/realms/{realm}/limits reads and sets the limits over HTTP', async () => {
    const ctl = (method: string, path: string, body?: unknown) =>
      call(sim, { host: '127.0.0.1', path: `/__sim${path}`, method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal((await ctl('GET', `/realms/${VW}/limits`)).json().enabled, true);
    const set = await ctl('POST', '/realms/us/limits', { enabled: true, tokenPerSecond: 1 });
    assert.equal(set.status, 200);
    assert.equal(set.json().tokenPerSecond, 1);
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 200);
    assert.equal((await tokenRequest(sim, US_ID, good())).text, SLOW_1S);
    assert.equal((await ctl('POST', '/realms/us/limits', { enabled: 'yes' })).status, 400);
    assert.equal((await ctl('POST', '/realms/us/limits', { loginBurst: -1 })).status, 400);
    assert.equal((await ctl('GET', '/counters')).json().byRealm.us.tooManyRequests, 1);
  });
});
