// The proxy relays Bitwarden's answers as they are (status, body, a few headers, the upstream marker), passes on
// only Content-Type and Accept, reads bodies up to PROXY_MAX_BODY_BYTES, and maps the no-answer cases to our errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, resetStores, startApi, startSim, US } from '../../support/stack';
import { SERVICE_KEY } from '../../support/env';
import { connectTo } from '../e2e-helpers';
import { Linked, MARKER, assertOwnError, linkAccount, proxyPath, raw, sleep } from './proxy-helpers';
import { Recorder, startRecorder } from './recorder';

const REC_HOST = 'rec.selfhosted.test';
const REC = { apiBaseUrl: `https://${REC_HOST}/api`, identityBaseUrl: `https://${REC_HOST}/identity` };
const MAX_BODY = 65_536;

let sim: SimulatorHandle;
let api: Api;
let rec: Recorder;
let acct: Linked;

before(async () => {
  await resetStores();
  sim = await startSim();
  rec = await startRecorder(sim.port);
  api = await startApi(sim.port, {
    OUTBOUND_CONNECT_TO: connectTo(sim.port, [`${REC_HOST}:443:127.0.0.1:${rec.port}`]),
    PROXY_MAX_BODY_BYTES: String(MAX_BODY),
  });
  acct = await linkAccount(sim, api);
});

after(async () => {
  await api?.close();
  await rec?.close();
  await sim?.close();
  await resetStores();
});

test('a GET is relayed with its status, body, Content-Type, X-Rate-Limit-*, X-Request-Id and the marker', async () => {
  sim.setRealmLimits('us', { enabled: true });
  try {
    const r = await raw(api, 'GET', proxyPath(acct.id, 'public/collections'), { headers: { 'x-request-id': 'sync-job-42' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers[MARKER], '1');
    assert.equal(r.headers['x-request-id'], 'sync-job-42');
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.ok(r.headers['x-rate-limit-remaining'], 'X-Rate-Limit-Remaining relayed');
    assert.ok(r.headers['x-rate-limit-reset'], 'X-Rate-Limit-Reset relayed');
    assert.equal(r.json.object, 'list');
    assert.equal(r.json.data.length, 2);
  } finally {
    sim.setRealmLimits('us', { enabled: false });
  }
});

test('Bitwarden 404 and 405 are relayed as they are, marked', async () => {
  const nf = await raw(api, 'GET', proxyPath(acct.id, 'public/members/00000000-0000-4000-8000-000000000000'));
  assert.equal(nf.status, 404);
  assert.equal(nf.headers[MARKER], '1');
  const na = await raw(api, 'DELETE', proxyPath(acct.id, 'public/policies'));
  assert.equal(na.status, 405);
  assert.equal(na.headers[MARKER], '1');
});

test('only Content-Type and Accept reach Bitwarden; Authorization is the account token; the query passes unchanged', async () => {
  const self = await linkAccount(sim, api, REC_HOST, REC);
  rec.seen.length = 0;
  const r = await raw(api, 'POST', proxyPath(self.id, 'public/members?x=1&y=%20a+b&x=2'), {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      cookie: 'session=abc',
      'x-forwarded-for': '203.0.113.9',
      'x-connecting-ip': '203.0.113.9',
      'x-custom': 'secret-ish',
      origin: 'https://hub.example.test',
    },
    body: JSON.stringify({ email: 'a@example.test', type: 2 }),
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers[MARKER], '1');
  assert.equal(r.json.email, 'a@example.test');
  const sent = rec.seen.filter((s) => s.path.startsWith('/api/public/'));
  assert.equal(sent.length, 1, JSON.stringify(rec.seen.map((s) => s.path)));
  const h = sent[0].headers;
  assert.equal(sent[0].path, '/api/public/members?x=1&y=%20a+b&x=2');
  assert.equal(h.host, REC_HOST, 'Host is the server, never the caller’s');
  assert.match(String(h.authorization), /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  assert.ok(!String(h.authorization).includes(SERVICE_KEY), 'the service key never leaves');
  assert.equal(h['content-type'], 'application/json');
  assert.equal(h.accept, 'application/json');
  for (const name of ['cookie', 'x-forwarded-for', 'x-connecting-ip', 'x-custom', 'origin', 'x-request-id']) assert.equal(h[name], undefined, name);
});

test('a body over 16 KiB but within PROXY_MAX_BODY_BYTES is relayed whole; over it → 413 payload_too_large, nothing sent', async () => {
  const note = 'n'.repeat(40_000);
  const ok = await raw(api, 'POST', proxyPath(acct.id, 'public/members'), {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'b@example.test', note }),
  });
  assert.equal(ok.status, 200, ok.text.slice(0, 200));
  assert.equal(ok.json.note, note);
  const before = sim.counters().apiRequests;
  const big = await raw(api, 'POST', proxyPath(acct.id, 'public/members'), {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ note: 'x'.repeat(MAX_BODY) }),
  });
  assertOwnError(big, 413, 'payload_too_large');
  // Chunked, so no Content-Length tells in advance.
  const u = new URL(api.url);
  const chunked = await fetch(`${u.origin}${proxyPath(acct.id, 'public/members')}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
    body: new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('y'.repeat(10_000)));
        c.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  assert.equal(chunked.status, 413);
  assert.equal(chunked.headers.get(MARKER), null);
  assert.equal(sim.counters().apiRequests, before, 'nothing was sent to Bitwarden');
});

test('a 5xx from Bitwarden is relayed with its body and the marker', async () => {
  sim.addFault({ kind: '5xx', status: 503, target: 'api', count: 1 });
  const r = await raw(api, 'GET', proxyPath(acct.id, 'public/members'));
  assert.equal(r.status, 503);
  assert.equal(r.headers[MARKER], '1');
  assert.notEqual(r.json?.error?.code, 'provider_error', 'Bitwarden’s body, not ours');
});

test('a hang → 504 provider_timeout within OUTBOUND_TIMEOUT_MS; a redirect → 502 provider_error, not followed', async () => {
  sim.addFault({ kind: 'hang', target: 'api', count: 1 });
  const started = Date.now();
  assertOwnError(await raw(api, 'GET', proxyPath(acct.id, 'public/members')), 504, 'provider_timeout');
  const took = Date.now() - started;
  assert.ok(took >= 2_900 && took < 6_000, `took ${took} ms`);
  sim.addFault({ kind: 'redirect', location: 'https://attacker.test/steal', target: 'api', count: 1 });
  const before = sim.counters().apiRequests;
  assertOwnError(await raw(api, 'GET', proxyPath(acct.id, 'public/members')), 502, 'provider_error');
  assert.equal(sim.counters().apiRequests, before + 1, 'the redirect was not followed');
});

test('events page through the proxy with continuationToken, end to end', async () => {
  const ids = new Set<string>();
  let token: string | null = null;
  let pages = 0;
  do {
    const q = new URLSearchParams({ start: '2025-12-01T00:00:00Z', end: '2026-02-01T00:00:00Z' });
    if (token) q.set('continuationToken', token);
    const r = await raw(api, 'GET', proxyPath(acct.id, `public/events?${q}`));
    assert.equal(r.status, 200, r.text.slice(0, 200));
    for (const e of r.json.data) ids.add(JSON.stringify(e));
    token = r.json.continuationToken;
    pages++;
  } while (token && pages < 10);
  assert.equal(pages, 4);
  assert.equal(ids.size, 320);
});

test('an account deleted mid-request lets that request finish', async () => {
  const a = await linkAccount(sim, api);
  sim.configure({ apiLatencyMs: 800 });
  try {
    const pending = raw(api, 'GET', proxyPath(a.id, 'public/groups'));
    await sleep(300);
    const del = await api.call('DELETE', `/v1/accounts/${a.id}`);
    assert.equal(del.status, 204);
    const r = await pending;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'list');
  } finally {
    sim.configure({ apiLatencyMs: 0 });
  }
  assertOwnError(await raw(api, 'GET', proxyPath(a.id, 'public/groups')), 404, 'not_found');
});

test('a connect or TLS failure → 502 provider_unreachable', async () => {
  const self = await linkAccount(sim, api, REC_HOST, REC);
  await rec.close();
  assertOwnError(await raw(api, 'GET', proxyPath(self.id, 'public/members')), 502, 'provider_unreachable');
});
