// Faults, latency, counters, HTTP control endpoints, close() with hung sockets, and the main.ts process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SimOrg, SimulatorHandle } from '@app/simulator';
import { bearer, call, getToken, ROOT, startTlsSimulator, tokenRequest, US_API, US_ID, useSimulator } from './sim-client';

describe('simulator: faults, counters, control', () => {
  let sim: SimulatorHandle;
  let org: SimOrg;
  const good = () => ({ grant_type: 'client_credentials', scope: 'api.organization', client_id: org.clientId, client_secret: org.clientSecret });

  useSimulator((s) => ({ sim, org } = s));

  it('5xx with a status and count, then normal service', async () => {
    sim.addFault({ kind: '5xx', status: 503, count: 1 });
    const r = await tokenRequest(sim, US_ID, good());
    assert.equal(r.status, 503);
    assert.equal(r.text, '');
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 200);
  });

  it('429 fault (official and VW bodies) with Retry-After', async () => {
    sim.addFault({ kind: '429', retryAfterSeconds: 7 });
    const r = await tokenRequest(sim, US_ID, good());
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '7');
    assert.match(r.json().message, /^Slow down!/);
    const vw = await tokenRequest(sim, 'vaultwarden.example.test', good(), '/identity/connect/token');
    assert.equal(vw.status, 429);
    assert.equal(vw.json().message, 'Too many login requests');
    assert.equal(vw.headers['retry-after'], '7');
  });

  it('redirect, non-json, bad-token-response, oversized', async () => {
    sim.addFault({ kind: 'redirect', count: 1 });
    const r = await tokenRequest(sim, US_ID, good());
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, 'https://attacker.test/connect/token');
    sim.addFault({ kind: 'redirect', count: 1, location: 'https://elsewhere.example.test/x' });
    assert.equal((await tokenRequest(sim, US_ID, good())).headers.location, 'https://elsewhere.example.test/x');
    sim.addFault({ kind: 'non-json', count: 1 });
    const h = await tokenRequest(sim, US_ID, good());
    assert.equal(h.status, 200);
    assert.match(String(h.headers['content-type']), /^text\/html/);
    assert.equal(h.text, '<html>maintenance</html>');
    sim.addFault({ kind: 'bad-token-response', count: 1 });
    const b = await tokenRequest(sim, US_ID, good());
    assert.equal(b.status, 200);
    assert.deepEqual(b.json(), { token_type: 'Bearer' });
    sim.addFault({ kind: 'oversized', count: 1 });
    const o = await tokenRequest(sim, US_ID, good());
    assert.equal(o.status, 200);
    assert.ok(o.text.length >= 5 * 1024 * 1024);
    assert.equal(sim.counters().tokenSuccesses, 0);
  });

  it('hang keeps the request open until the client gives up; reset destroys the socket', async () => {
    sim.addFault({ kind: 'hang', count: 1 });
    const started = Date.now();
    await assert.rejects(call(sim, { host: US_ID, path: '/connect/token', form: good(), timeoutMs: 300 }), /client timeout/);
    assert.ok(Date.now() - started >= 290);
    sim.addFault({ kind: 'reset', count: 1 });
    await assert.rejects(tokenRequest(sim, US_ID, good()), (e: NodeJS.ErrnoException) => ['ECONNRESET', 'EPIPE'].includes(String(e.code)) || /socket hang up/.test(e.message));
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 200);
    const log = sim.counters().tokenLog.map((e) => e.status);
    assert.deepEqual(log, [0, 0, 200]);
  });

  it('target and realm filters; delayMs; latencyMs', async () => {
    sim.addFault({ kind: '5xx', target: 'api', realm: 'eu' });
    const token = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    assert.equal((await call(sim, { host: US_API, path: '/public/policies', headers: bearer(token) })).status, 200);
    assert.equal((await call(sim, { host: 'api.bitwarden.eu', path: '/config' })).status, 500);
    sim.clearFaults();
    sim.addFault({ kind: '5xx', target: 'all', count: 2, delayMs: 150 });
    let t0 = Date.now();
    assert.equal((await call(sim, { host: US_API, path: '/config' })).status, 500);
    assert.ok(Date.now() - t0 >= 140);
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 500);
    assert.equal((await tokenRequest(sim, US_ID, good())).status, 200);
    sim.configure({ latencyMs: 120 });
    t0 = Date.now();
    assert.equal((await call(sim, { host: US_API, path: '/config' })).status, 200);
    assert.ok(Date.now() - t0 >= 110);
  });

  it('counters count token and API requests by realm with a token log', async () => {
    sim.addFault({ kind: '5xx', count: 1 });
    await tokenRequest(sim, US_ID, good());
    const token = await getToken(sim, US_ID, org.clientId, org.clientSecret);
    await tokenRequest(sim, US_ID, { ...good(), client_secret: 'bad' });
    await call(sim, { host: US_API, path: '/public/policies', headers: bearer(token) });
    await call(sim, { host: 'api.bitwarden.eu', path: '/config' });
    const c = sim.counters();
    assert.equal(c.tokenRequests, 3);
    assert.equal(c.tokenSuccesses, 1);
    assert.equal(c.apiRequests, 2);
    assert.deepEqual(c.byRealm.us, { tokenRequests: 3, tokenSuccesses: 1, apiRequests: 1, tooManyRequests: 0 });
    assert.deepEqual(c.byRealm.eu, { tokenRequests: 0, tokenSuccesses: 0, apiRequests: 1, tooManyRequests: 0 });
    assert.deepEqual(
      c.tokenLog.map(({ realm, host, clientId, status }) => ({ realm, host, clientId, status })),
      [500, 200, 400].map((status) => ({ realm: 'us', host: US_ID, clientId: org.clientId, status })),
    );
    assert.ok(c.tokenLog.every((e) => Math.abs(e.at - Date.now()) < 10_000));
    sim.resetCounters();
    assert.deepEqual(sim.counters(), { tokenRequests: 0, tokenSuccesses: 0, apiRequests: 0, tooManyRequests: 0, byRealm: {}, tokenLog: [] });
  });

  it('control endpoints drive everything over HTTP on any host', async () => {
    const ctl = (method: string, path: string, body?: unknown) =>
      call(sim, { host: 'localhost', path: `/__sim${path}`, method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const created = await ctl('POST', '/orgs', { realm: 'eu' });
    assert.equal(created.status, 201);
    const o = created.json();
    assert.deepEqual(Object.keys(o).sort(), ['clientId', 'clientSecret', 'id', 'realm']);
    assert.equal(o.realm, 'eu');
    const euForm = { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret };
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm)).status, 200);
    const rot = await ctl('POST', `/orgs/${o.id}/rotate`);
    assert.match(rot.json().clientSecret, /^[A-Za-z0-9]{30}$/);
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm)).status, 400);
    const euForm2 = { ...euForm, client_secret: rot.json().clientSecret };
    assert.equal((await ctl('POST', `/orgs/${o.id}/enabled`, { enabled: false })).status, 200);
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm2)).status, 400);
    await ctl('POST', `/orgs/${o.id}/enabled`, { enabled: true });
    await ctl('POST', `/orgs/${o.id}/use-api`, { useApi: false });
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm2)).status, 400);
    await ctl('POST', `/orgs/${o.id}/use-api`, { useApi: true });
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm2)).status, 200);
    assert.equal((await ctl('POST', '/orgs/00000000-0000-4000-8000-000000000000/rotate')).status, 404);
    assert.equal((await ctl('POST', `/orgs/${o.id}/enabled`, { enabled: 'no' })).status, 400);

    await ctl('POST', '/config', { tokenLifetimeSeconds: 60 });
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm2)).json().expires_in, 60);
    await ctl('POST', '/faults', { kind: '5xx', status: 502, count: 1 });
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm2)).status, 502);
    await ctl('POST', '/faults', { kind: '5xx' });
    await ctl('DELETE', '/faults');
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm2)).status, 200);

    const sh = (await ctl('POST', '/orgs', { realm: 'bw.selfhosted.test' })).json();
    await ctl('POST', '/realms/bw.selfhosted.test/mode', { mode: 'vaultwarden' });
    const vw = await tokenRequest(sim, 'bw.selfhosted.test', { grant_type: 'client_credentials', client_id: sh.clientId, client_secret: sh.clientSecret }, '/identity/connect/token');
    assert.equal(vw.json().message, 'scope cannot be blank');

    const counters = (await ctl('GET', '/counters')).json();
    assert.ok(counters.tokenRequests >= 8);
    assert.ok(counters.byRealm.eu.tokenSuccesses >= 3);
    await ctl('POST', '/counters/reset');
    assert.equal((await ctl('GET', '/counters')).json().tokenRequests, 0);
    assert.equal((await ctl('POST', '/reset')).status, 200);
    assert.equal((await tokenRequest(sim, 'identity.bitwarden.eu', euForm2)).text, '{"error":"invalid_client"}', 'reset drops orgs');
    assert.equal((await ctl('GET', '/nope')).status, 404);
  });

  it('close() resolves even with a hung request open', async () => {
    const other = await startTlsSimulator();
    other.addFault({ kind: 'hang' });
    const pending = call(other, { host: US_ID, path: '/connect/token', form: good() }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await other.close();
    assert.ok(Date.now() - t0 < 1000);
    assert.ok((await pending) instanceof Error);
  });

  it('main.ts prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/bitwarden-simulator/src/main.js')], {
      env: { ...process.env, SIM_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) resolve(buf.trim());
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const m = /(https:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    assert.ok(m, line);
    const port = Number(m[2]);
    const fake = { port, url: m[1] } as SimulatorHandle;
    assert.equal((await call(fake, { host: US_API, path: '/config' })).status, 200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  });
});
