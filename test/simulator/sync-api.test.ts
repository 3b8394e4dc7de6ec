// What a sync job (and a proxy in front of it) meets on the Public API: events paging, group create, /config for
// both flavors, revoked tokens, API-only latency, a streamed 55 MB answer and API faults.
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { describe, it } from 'node:test';
import type { SimOrg, SimulatorHandle } from '@app/simulator';
import { bearer, call, getToken, tokenRequest, US_API, US_ID, useSimulator } from './sim-client';

const VW = 'vaultwarden.example.test';

describe('simulator: Public API for sync jobs', () => {
  let sim: SimulatorHandle;
  let org: SimOrg;
  let token: string;

  useSimulator((s) => ({ sim, org, token } = s), { token: true });

  const get = (path: string, t = token) => call(sim, { host: US_API, path, headers: bearer(t) });
  const ctl = (path: string, body: unknown) =>
    call(sim, { host: '127.0.0.1', path: `/__sim${path}`, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('events: pages of 100, newest first, continuationToken until the last page, deterministic', async () => {
    const range = 'start=2026-01-01T00:00:00Z&end=2026-02-01T00:00:00Z';
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `${range}&continuationToken=${encodeURIComponent(cursor)}` : range;
      const r = await get(`/public/events?${q}`);
      assert.equal(r.status, 200, r.text);
      const body = r.json();
      assert.deepEqual(Object.keys(body), ['object', 'data', 'continuationToken']);
      sizes.push(body.data.length);
      for (const e of body.data) {
        assert.equal(e.object, 'event');
        seen.push(e.date);
      }
      cursor = body.continuationToken;
      assert.ok(sizes.length < 10, 'paging ends');
    } while (cursor !== null);
    assert.deepEqual(sizes, [100, 100, 100, 20]);
    assert.deepEqual([...seen].sort().reverse(), seen, 'newest first');
    assert.equal(new Set(seen).size, 320);
    assert.ok(!JSON.stringify(seen).includes(org.id));
    // A narrower range filters; reversed dates are swapped; no dates means the last 30 days (none seeded there).
    const day = (await get('/public/events?start=2026-01-02&end=2026-01-03')).json();
    assert.equal(day.data.length, 13);
    assert.equal(day.continuationToken, null);
    assert.equal((await get('/public/events?start=2026-01-03&end=2026-01-02')).json().data.length, 13);
    assert.deepEqual((await get('/public/events')).json(), { object: 'list', data: [], continuationToken: null });
    // Same org, same answer; bad input is a 400 in the API's error envelopes.
    assert.equal((await get(`/public/events?${range}`)).text, (await get(`/public/events?${range}`)).text);
    const tooLong = await get('/public/events?start=2025-01-01&end=2026-06-01');
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.json().message, 'Date range must be < 367 days.');
    const badDate = await get('/public/events?start=yesterday&end=2026-01-01');
    assert.equal(badDate.status, 400);
    assert.deepEqual(Object.keys(badDate.json().errors), ['start']);
    assert.equal((await get(`/public/events?${range}&continuationToken=garbage`)).status, 400);
  });

  it('POST /public/groups: returns the group and later reads see it; model-state 400 without a name', async () => {
    const collection = (await get('/public/collections')).json().data[0].id;
    const post = (body: string) => call(sim, { host: US_API, path: '/public/groups', body, headers: { ...bearer(token), 'content-type': 'application/json' } });
    const r = await post(JSON.stringify({ name: 'Sales', externalId: 'sales', collections: [{ id: collection, readOnly: true }] }));
    assert.equal(r.status, 200);
    const g = r.json();
    assert.deepEqual(Object.keys(g), ['object', 'id', 'name', 'externalId', 'collections']);
    assert.equal(g.object, 'group');
    assert.match(g.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(g.collections, [{ id: collection, readOnly: true, hidePasswords: false, manage: false }]);
    assert.equal((await get(`/public/groups/${g.id}`)).json().name, 'Sales');
    assert.equal((await get('/public/groups')).json().data.length, 3);
    const noName = await post('{"externalId":"x"}');
    assert.equal(noName.status, 400);
    assert.deepEqual(noName.json(), { object: 'error', message: "The request's model state is invalid.", errors: { Name: ['The Name field is required.'] } });
    assert.equal((await post('{')).status, 400);
  });

  it('/config tells the flavors apart: server null + version (official), server.name Vaultwarden (VW), identity URL', async () => {
    const official = (await call(sim, { host: US_API, path: '/config' })).json();
    assert.equal(official.server, null);
    assert.match(official.version, /^\d{4}\.\d+\.\d+$/);
    assert.equal(official.environment.identity, 'https://identity.bitwarden.com');
    const vw = await call(sim, { host: VW, path: '/vw/api/config' });
    assert.equal(vw.status, 200);
    assert.equal(vw.json().server.name, 'Vaultwarden');
    assert.match(vw.json().version, /^\d{4}\.\d+\.\d+$/);
    assert.equal(vw.json().environment.identity, `https://${VW}/vw/identity`);
    assert.equal(vw.json().environment.api, `https://${VW}/vw/api`);
  });

  it('revokeTokensIssuedBefore: older tokens get 401 invalid_token, fresh ones (even in the same second) work', async () => {
    const other = sim.createOrg();
    const otherToken = await getToken(sim, US_ID, other.clientId, other.clientSecret);
    sim.revokeTokensIssuedBefore(org.id);
    const r = await get('/public/members');
    assert.equal(r.status, 401);
    assert.equal(r.text, '');
    assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.equal((await get('/public/members', otherToken)).status, 200, 'only that org');
    const fresh = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    assert.equal((await get('/public/members', fresh)).status, 200);
    // Every org, over HTTP, with an explicit instant.
    assert.equal((await ctl('/tokens/revoke', { at: new Date(Date.now() + 1).toISOString() })).status, 200);
    assert.equal((await get('/public/members', otherToken)).status, 401);
    assert.equal((await get('/public/members', fresh)).status, 401);
    assert.equal((await ctl('/tokens/revoke', { orgId: 42 })).status, 400);
    assert.equal((await ctl('/tokens/revoke', { orgId: '00000000-0000-4000-8000-000000000000' })).status, 404);
    // Vaultwarden's import is refused too (its bare 401).
    const v = sim.createOrg({ realm: VW });
    const form = { grant_type: 'client_credentials', scope: 'api.organization', client_id: v.clientId, client_secret: v.clientSecret, deviceIdentifier: 'd', device_name: 'n', DeviceType: '21' };
    const vt = (await tokenRequest(sim, VW, form, '/identity/connect/token')).json().access_token;
    const imp = () => call(sim, { host: VW, path: '/api/public/organization/import', body: '{"groups":[],"members":[],"overwriteExisting":false}', headers: { ...bearer(vt), 'content-type': 'application/json' } });
    assert.equal((await imp()).status, 200);
    sim.revokeTokensIssuedBefore(v.id);
    assert.equal((await imp()).status, 401);
  });

  it('apiLatencyMs slows the API only', async () => {
    sim.configure({ apiLatencyMs: 250 });
    let t0 = Date.now();
    assert.equal((await get('/public/policies')).status, 200);
    assert.ok(Date.now() - t0 >= 240);
    t0 = Date.now();
    await getToken(sim, US_ID, org.clientId, org.clientSecret);
    assert.ok(Date.now() - t0 < 200);
  });

  it('API faults: 429 with and without Retry-After, 5xx, redirect, hang', async () => {
    sim.addFault({ kind: '429', target: 'api', count: 1, retryAfterSeconds: 3 });
    sim.addFault({ kind: '429', target: 'api', count: 1, retryAfterSeconds: null });
    sim.addFault({ kind: '5xx', target: 'api', count: 1, status: 503 });
    sim.addFault({ kind: 'redirect', target: 'api', count: 1, location: 'https://elsewhere.example.test/public/members' });
    const a = await get('/public/members');
    assert.equal(a.status, 429);
    assert.equal(a.headers['retry-after'], '3');
    assert.match(a.json().message, /Try again in 1m\.$/);
    const b = await get('/public/members');
    assert.equal(b.status, 429);
    assert.equal(b.headers['retry-after'], undefined);
    assert.equal((await get('/public/members')).status, 503);
    assert.equal((await get('/public/members')).headers.location, 'https://elsewhere.example.test/public/members');
    assert.equal((await tokenRequest(sim, US_ID, { grant_type: 'client_credentials', client_id: org.clientId, client_secret: org.clientSecret })).status, 200, 'token untouched');
    assert.equal(sim.counters().byRealm.us.tooManyRequests, 2);
    sim.addFault({ kind: 'hang', target: 'api', count: 1 });
    await assert.rejects(call(sim, { host: US_API, path: '/public/members', headers: bearer(token), timeoutMs: 200 }), /client timeout/);
    assert.equal((await get('/public/members')).status, 200);
  });

  it("fault 'large': a 55 MB events list, chunked, that parses at both ends", async () => {
    const size = 55 * 1024 * 1024;
    await ctl('/faults', { kind: 'large', target: 'api', count: 1, sizeBytes: size });
    const { headers, bytes, head, tail } = await new Promise<{ headers: Record<string, unknown>; bytes: number; head: string; tail: string }>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: sim.port, path: '/public/events', servername: US_API, headers: { host: US_API, ...bearer(token) }, agent: false },
        (res) => {
          let bytes = 0;
          let head = '';
          let tail = '';
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (head.length < 200) head += c.toString('utf8', 0, Math.min(c.length, 200));
            tail = (tail + c.toString('utf8', Math.max(0, c.length - 200))).slice(-200);
          });
          res.on('end', () => resolve({ headers: res.headers, bytes, head, tail }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(headers['transfer-encoding'], 'chunked');
    assert.equal(headers['content-length'], undefined);
    assert.ok(bytes >= size && bytes < size + 64 * 1024, String(bytes));
    assert.ok(head.startsWith('{"object":"list","data":[{"object":"event",'), head.slice(0, 60));
    assert.ok(tail.endsWith('}],"continuationToken":null}'), tail);
    assert.equal((await get('/public/events')).status, 200, 'back to normal');
  });
});
