// One canary secret driven through every flow that involves the worker too — link, failed link, re-link, verify,
// token, the worker's background refresh and checks, webhook delivery, errors — at debug log level; then the
// captured logs, every HTTP response and webhook body, every Redis key and value, and a pg_dump of the database are
// searched for the secret and for every access token handed out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import Redis from 'ioredis';
import { SimulatorHandle } from '@app/simulator';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../support/env';
import { Receiver, startReceiver } from '../../support/servers';
import { Api, eventually, US, useStack } from '../../support/stack';

const captured: string[] = [];
const original = { out: process.stdout.write, err: process.stderr.write };
const webhookBodies: string[] = [];
let sim: SimulatorHandle;
let api: Api;
let receiver: Receiver;

/**
 * Everything written to stdout and stderr is kept for the search; it still reaches the stream too, because node's
 * test runner reports this file's results through the same stdout (swallowing it loses the results).
 */
function capture(): void {
  for (const [stream, write] of [[process.stdout, original.out], [process.stderr, original.err]] as const) {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (write as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
}
function release(): void {
  process.stdout.write = original.out;
  process.stderr.write = original.err;
}

// Logs are captured from before the API and worker boot until after they have closed.
useStack(
  {
    prepare: async () => {
      receiver = await startReceiver((req, res, body) => {
        webhookBodies.push(JSON.stringify(req.headers) + body);
        res.writeHead(200).end();
      });
      capture();
    },
    teardown: async () => {
      release();
      await receiver.close();
    },
    env: () => ({
      LOG_LEVEL: 'debug',
      ACCOUNT_CHECK_INTERVAL_SECONDS: '3',
      WEBHOOK_URL: receiver.url('/hook'),
      WEBHOOK_SECRET: 'canary-webhook-secret',
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    }),
    worker: true,
  },
  (s) => {
    ({ sim, api } = s);
    sim.configure({ tokenLifetimeSeconds: 8 });
  },
);

const forms = (s: string) => [s, Buffer.from(s).toString('hex'), Buffer.from(s).toString('base64').replace(/=+$/, ''), Buffer.from(s).toString('base64url')];
function assertAbsent(where: string, text: string, needles: string[]): void {
  for (const n of needles) for (const f of forms(n)) assert.ok(!text.includes(f), `${where} contains a canary (${f === n ? 'plain' : 'encoded'})`);
}

async function redisDump(): Promise<string> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const parts: string[] = [];
    for (const k of await redis.keys('*')) {
      parts.push(k);
      const type = await redis.type(k);
      if (type === 'string') parts.push((await redis.getBuffer(k))?.toString('latin1') ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(k)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(k, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(k)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(k, 0, -1, 'WITHSCORES')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(k, '-', '+')));
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}

test('the canary secret and every access token stay out of logs, responses, webhooks, Redis and pg_dump', async () => {
  const org = sim.createOrg();
  const ownerId = 'canary-owner';
  const responses: string[] = [];
  const tokens: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await api.call(method, path, body);
    const headers: string[] = [];
    r.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
    const text = `${headers.join('\n')}\n${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`;
    if (path.endsWith('/token') && r.status === 200) tokens.push(r.body.accessToken);
    else responses.push(text);
    return r;
  };
  const secrets = [org.clientSecret];

  assert.equal((await call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: 'CanaryWrong' + org.clientSecret.slice(11) })).status, 422);
  const linked = await call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  const id = linked.body.id;
  assert.equal((await call('POST', `/v1/accounts/${id}/token`, { minValiditySeconds: 0 })).status, 200);

  // The account is in active use: the worker renews its 8-second token on its own before it runs out.
  const before = sim.counters().tokenRequests;
  await eventually(async () => sim.counters().tokenRequests > before, 12000, 'a background renewal');
  assert.equal((await call('POST', `/v1/accounts/${id}/token`, { minValiditySeconds: 0 })).status, 200);

  // A rotated key is found by the worker's check, and re-linked; every step makes a webhook.
  const rotated = sim.rotateKey(org.id);
  secrets.push(rotated);
  await eventually(async () => (await call('GET', `/v1/accounts/${id}`)).body.status === 'needs_relink', 10000, 'needs_relink');
  assert.equal((await call('POST', `/v1/accounts/${id}/token`, {})).status, 409);
  assert.equal((await call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: org.clientSecret })).status, 422);
  assert.equal((await call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: rotated })).status, 200);
  assert.equal((await call('POST', `/v1/accounts/${id}/verify`)).body.status, 'active');
  assert.equal((await call('POST', `/v1/accounts/${id}/token`, { minValiditySeconds: 1 })).status, 200);
  // linked, status_changed (to needs_relink), relinked (one event carries the way back to active)
  await eventually(async () => webhookBodies.length >= 3, 10000, 'webhooks delivered');

  release(); // from here on the test runner's own output must get through
  assert.ok(tokens.length >= 3 && new Set(tokens).size >= 2, 'several distinct tokens were handed out');
  const needles = [...secrets, ...tokens];
  assert.ok(captured.join('').includes(id), 'the debug logs were captured');
  assertAbsent('logs', captured.join(''), needles);
  for (const [i, r] of responses.entries()) assertAbsent(`response #${i}`, r, needles);
  for (const [i, w] of webhookBodies.entries()) assertAbsent(`webhook #${i}`, w, needles);
  assertAbsent('redis', await redisDump(), needles);
  const dump = execFileSync('pg_dump', ['--data-only', '--dbname', TEST_DATABASE_URL], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
  assert.ok(dump.includes(id), 'the dump holds the account');
  assertAbsent('pg_dump', dump, needles);
});
