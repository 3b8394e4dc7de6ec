// Transport and storage hygiene: helmet's headers and an X-Request-Id on every answer (including the ones the body
// parsers end early), exact service-key comparison, and no secret or token anywhere in Redis (BullMQ job data,
// locks, rate-limit counters) after linking and running the worker's refresh and check paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { SimulatorHandle } from '@app/simulator';
import { SERVICE_KEY, TEST_REDIS_URL } from '../../support/env';
import { expireToken, tokenOutlives } from '../../support/fixtures';
import { Api, eventually, US, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;

const stack = useStack({ env: { LINK_RATE_LIMIT_PER_MINUTE: '1000000' } }, (s) => ({ sim, api } = s));

type Res = { status: number; body: any; headers: Headers };

/** A spread of answers: success, auth failure, not found, validation, body-parser rejections, public routes. */
async function sampleResponses(): Promise<Array<[string, Res]>> {
  const raw = async (path: string, init: RequestInit) => {
    const r = await fetch(api.url + path, init);
    return { status: r.status, body: await r.text(), headers: r.headers };
  };
  const auth = { authorization: `Bearer ${SERVICE_KEY}` };
  return [
    ['GET /health/live', await api.call('GET', '/health/live')],
    ['GET /metrics', await api.call('GET', '/metrics')],
    ['GET /docs/openapi.json', await api.call('GET', '/docs/openapi.json')],
    ['GET /v1/accounts', await api.call('GET', '/v1/accounts')],
    ['GET /v1/accounts unauthenticated', await api.call('GET', '/v1/accounts', undefined, { authorization: '' })],
    ['GET unknown id', await api.call('GET', '/v1/accounts/00000000-0000-4000-8000-000000000000')],
    ['GET unknown route', await api.call('GET', '/nope')],
    ['POST invalid body', await api.call('POST', '/v1/accounts', { ownerId: 'x' })],
    ['POST malformed JSON', await api.call('POST', '/v1/accounts', '{"ownerId":')],
    ['POST utf-16 charset', await raw('/v1/accounts', { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=utf-16' }, body: '{}' })],
    ['POST 20 KiB body', await raw('/v1/accounts', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(20_000) }) })],
  ];
}

test('helmet headers are present and X-Powered-By is not, on every kind of answer', async () => {
  for (const [what, r] of await sampleResponses()) {
    const h = r.headers;
    assert.equal(h.get('x-content-type-options'), 'nosniff', what);
    assert.equal(h.get('x-frame-options'), 'SAMEORIGIN', what);
    assert.match(h.get('strict-transport-security') ?? '', /max-age=\d+/, what);
    assert.match(h.get('content-security-policy') ?? '', /default-src 'self'/, what);
    assert.equal(h.get('referrer-policy'), 'no-referrer', what);
    assert.equal(h.get('cross-origin-opener-policy'), 'same-origin', what);
    assert.equal(h.get('cross-origin-resource-policy'), 'same-origin', what);
    assert.equal(h.get('x-dns-prefetch-control'), 'off', what);
    assert.equal(h.get('x-powered-by'), null, what);
  }
});

test('X-Request-Id is on every answer: a safe given id is echoed, anything else is replaced by a fresh UUID', async () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const seen = new Set<string>();
  for (const [what, r] of await sampleResponses()) {
    const id = r.headers.get('x-request-id');
    assert.match(id ?? '', uuid, `${what} (${r.status}) has no X-Request-Id`);
    assert.ok(!seen.has(id!), 'ids are unique');
    seen.add(id!);
  }
  const echoed = await api.call('GET', '/v1/accounts', undefined, { 'x-request-id': 'hub-req.42_A' });
  assert.equal(echoed.headers.get('x-request-id'), 'hub-req.42_A');
  const echoedOnParserError = await api.call('POST', '/v1/accounts', '{', { 'x-request-id': 'hub-req.43' });
  assert.equal(echoedOnParserError.status, 400);
  assert.equal(echoedOnParserError.headers.get('x-request-id'), 'hub-req.43');
  for (const hostile of ['a b', '<script>', 'x'.repeat(65), 'id;injected=1', '../../etc']) {
    const r = await api.call('GET', '/v1/accounts', undefined, { 'x-request-id': hostile });
    assert.match(r.headers.get('x-request-id') ?? '', uuid, `unsafe id ${JSON.stringify(hostile)} is not echoed`);
  }
});

test('service key comparison is exact: one changed last char, a prefix, an extension or the name:key form is 401', async () => {
  const last = SERVICE_KEY.at(-1)!;
  const variants = [
    SERVICE_KEY.slice(0, -1) + (last === 'a' ? 'b' : 'a'),
    SERVICE_KEY.slice(0, -1),
    SERVICE_KEY + 'x',
    SERVICE_KEY.toUpperCase(),
    `hub:${SERVICE_KEY}`,
    `${SERVICE_KEY} ${SERVICE_KEY}`,
  ];
  for (const v of variants) {
    const r = await api.call('GET', '/v1/accounts', undefined, { authorization: `Bearer ${v}` });
    assert.equal(r.status, 401, v);
    assert.equal(r.body.error.code, 'unauthorized');
    assert.ok(!JSON.stringify(r.body).includes(SERVICE_KEY.slice(0, 12)), 'the key is not echoed');
  }
  for (const h of [SERVICE_KEY, `Basic ${SERVICE_KEY}`, `Bearer`, '']) {
    const r = await api.call('GET', '/v1/accounts', undefined, { authorization: h });
    assert.equal(r.status, 401, h);
  }
  assert.equal((await api.call('GET', '/v1/accounts')).status, 200, 'the exact key works');
});

/** Every key and value of the test Redis database as text (binary-safe: latin1 and utf8). */
async function redisDump(redis: Redis): Promise<{ text: string; jobData: unknown[] }> {
  const parts: string[] = [];
  const jobData: unknown[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', 1000);
    cursor = next.toString();
    for (const kb of keys) {
      const key = kb.toString('latin1');
      parts.push(key);
      const type = await redis.type(kb);
      let values: Buffer[] = [];
      if (type === 'string') values = [(await redis.getBuffer(kb)) ?? Buffer.alloc(0)];
      else if (type === 'hash') {
        const h = await redis.hgetallBuffer(kb);
        for (const [f, v] of Object.entries(h)) {
          values.push(Buffer.from(f), v);
          if (f === 'data') jobData.push(JSON.parse(v.toString('utf8')));
        }
      } else if (type === 'list') values = await redis.lrangeBuffer(kb, 0, -1);
      else if (type === 'set') values = await redis.smembersBuffer(kb);
      else if (type === 'zset') values = await redis.zrangeBuffer(kb, 0, -1);
      else if (type === 'stream') {
        const entries = (await redis.xrangeBuffer(kb, '-', '+')) as unknown as Array<[Buffer, Buffer[]]>;
        for (const [id, fields] of entries) values.push(id, ...fields);
      }
      for (const v of values) parts.push(v.toString('latin1'), v.toString('utf8'));
    }
  } while (cursor !== '0');
  return { text: parts.join('\n'), jobData };
}

const forms = (s: string) => [s, Buffer.from(s).toString('hex'), Buffer.from(s).toString('base64').replace(/=+$/, ''), Buffer.from(s).toString('base64url')];

test('no secret or access token anywhere in Redis after linking, token calls, report-unauthorized and worker refresh/check jobs', async () => {
  await stack.startWorker();
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const org = sim.createOrg({ realm: 'us' });
    const linked = await api.call('POST', '/v1/accounts', { ownerId: 'hygiene-sec', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    const id = linked.body.id as string;
    const tokens = new Set<string>();
    const grab = async () => {
      const t = await api.call('POST', `/v1/accounts/${id}/token`, {});
      assert.equal(t.status, 200, JSON.stringify(t.body));
      tokens.add(t.body.accessToken);
      return t.body.accessToken as string;
    };
    const dumps: string[] = [];
    const jobs: unknown[] = [];
    const snap = async () => {
      const d = await redisDump(redis);
      dumps.push(d.text);
      jobs.push(...d.jobData);
    };
    const first = await grab();
    await snap();
    assert.equal((await api.call('POST', `/v1/accounts/${id}/report-unauthorized`)).status, 200);
    await snap();
    await grab();
    // Make the worker's refresh and check both due now, then watch Redis while it works.
    // Slow Bitwarden down so the jobs stay in Redis (waiting/active) long enough for the snapshots to see them.
    sim.configure({ latencyMs: 600 });
    const exchangesBefore = sim.counters().tokenRequests;
    await expireToken(id, 20);
    const renewedInDb = () => tokenOutlives(id, 60);
    await eventually(async () => {
      await snap();
      return sim.counters().tokenRequests > exchangesBefore && (await renewedInDb());
    }, 15_000, 'the worker renewing the token');
    // The check job was made due as well; keep watching Redis a little while it may run (not required to happen).
    for (let i = 0; i < 10 && sim.counters().tokenRequests < exchangesBefore + 2; i++) {
      await snap();
      await new Promise((r) => setTimeout(r, 100));
    }
    await snap();
    sim.configure({ latencyMs: 0 });
    const renewed = await grab();
    assert.notEqual(renewed, first, 'the worker renewed the token');
    await snap();

    const needles = [org.clientSecret, ...tokens];
    for (const text of dumps) {
      for (const n of needles) for (const f of forms(n)) assert.ok(!text.includes(f), 'Redis holds a secret or an access token');
      // A JWT's signature-free parts would already give the claims away; check the payload segment on its own too.
      for (const t of tokens) assert.ok(!text.includes(t.split('.')[1]!), 'Redis holds a token payload');
    }
    assert.ok(jobs.length > 0, 'job data was observed');
    for (const d of jobs) {
      assert.deepEqual(Object.keys(d as object), ['accountId'], `job data holds ids only: ${JSON.stringify(d)}`);
    }
  } finally {
    redis.disconnect();
    await stack.stopWorker();
  }
});
