// The client secret (and the access token) never shows up in a response, in the database except as ciphertext,
// in Redis, or in the logs, across the whole Connect flow including its failures. Logs are captured at debug level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { SimulatorHandle } from '@app/simulator';
import { dumpAllTables, secretColumnsOf } from '../support/fixtures';
import { Api, US, useStack } from '../support/stack';
import { TEST_REDIS_URL } from '../support/env';
import { Res } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;
const captured: string[] = [];
const originals = { out: process.stdout.write, err: process.stderr.write };

/** Captures everything written to stdout/stderr (pino, Nest, TypeORM) and keeps it off the test reporter's stream. */
function startCapture() {
  for (const [stream, key] of [[process.stdout, 'out'], [process.stderr, 'err']] as const) {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof stream.write;
    void key;
  }
}
function stopCapture() {
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
}

// Capture starts before the API boots so its start-up lines are searched too, and stops once it has closed.
useStack({ env: { LOG_LEVEL: 'debug' }, prepare: startCapture, teardown: stopCapture }, (s) => ({ sim, api } = s));

/** Every form a leaked secret could take in text: as is, hex (bytea dumps), base64 and base64url. */
const forms = (s: string) => [s, Buffer.from(s).toString('hex'), Buffer.from(s).toString('base64').replace(/=+$/, ''), Buffer.from(s).toString('base64url')];

function assertAbsent(where: string, text: string, secrets: string[]) {
  for (const s of secrets) for (const f of forms(s)) assert.ok(!text.includes(f), `${where} contains a secret (${f === s ? 'plain' : 'encoded'})`);
}

function responseText(r: Res): string {
  const headers: string[] = [];
  r.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
  return `${headers.join('\n')}\n${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`;
}

test('no secret in responses, database, Redis or debug logs', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const ownerId = 'hygiene-owner';
  const wrong1 = 'WrongSecretNumberOne1234567890';
  const wrong2 = 'WrongSecretNumberTwo1234567890';
  const secrets = [org.clientSecret, wrong1, wrong2];
  const responses: Res[] = [];
  const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const r = await api.call(method, path, body, headers);
    responses.push(r);
    return r;
  };
  const form = (clientSecret: string, extra: Record<string, unknown> = {}) => ({ ownerId, ...US, clientId: org.clientId, clientSecret, ...extra });

  // Failures first: each must not echo the secret it was given.
  assert.equal((await call('POST', '/v1/accounts', form(wrong1))).status, 422);
  assert.equal((await call('POST', '/v1/accounts', form(org.clientSecret, { extra: org.clientSecret }))).status, 400);
  assert.equal((await call('POST', '/v1/accounts', form(wrong2 + 'x'.repeat(90)))).status, 400);
  assert.equal((await call('POST', '/v1/accounts', form(org.clientSecret, { apiBaseUrl: `https://${org.clientSecret}:${org.clientSecret}@api.bitwarden.com` }))).status, 422);
  assert.equal((await call('POST', '/v1/accounts', `{"ownerId":"${ownerId}","clientSecret":"${org.clientSecret}",`)).status, 400);
  assert.equal((await call('POST', '/v1/accounts', form(org.clientSecret, { clientId: `user.${org.id}` }))).status, 422);
  sim.addFault({ kind: '5xx', target: 'token', realm: 'us', count: 1 });
  assert.equal((await call('POST', '/v1/accounts', form(org.clientSecret))).status, 502);
  sim.addFault({ kind: 'non-json', target: 'token', realm: 'us', count: 1 });
  assert.equal((await call('POST', '/v1/accounts', form(org.clientSecret))).status, 502);

  // The successful flow.
  const linked = await call('POST', '/v1/accounts', form(org.clientSecret), { 'idempotency-key': 'hygiene-1' });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const id = linked.body.id;
  assert.equal((await call('POST', '/v1/accounts', form(org.clientSecret), { 'idempotency-key': 'hygiene-1' })).status, 201);
  const concurrent = await Promise.all([0, 1, 2].map(() => call('POST', '/v1/accounts', form(org.clientSecret))));
  for (const r of concurrent) assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: wrong2 })).status, 422);
  const rotated = sim.rotateKey(org.id);
  secrets.push(rotated);
  assert.equal((await call('POST', `/v1/accounts/${id}/verify`)).body.status, 'needs_relink');
  assert.equal((await call('POST', `/v1/accounts/${id}/token`, {})).status, 409);
  assert.equal((await call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: rotated }, { 'idempotency-key': 'hygiene-2' })).status, 200);
  const session = await call('POST', '/v1/connect-sessions', { ownerId: 'hygiene-session-owner' });
  assert.equal(session.status, 201, JSON.stringify(session.body));
  const viaSession = await call(
    'POST',
    '/v1/accounts',
    { ...US, clientId: org.clientId, clientSecret: rotated },
    { authorization: `Bearer ${session.body.token}` },
  );
  assert.equal(viaSession.status, 201, JSON.stringify(viaSession.body));
  assert.equal((await call('POST', `/v1/accounts/${id}/verify`)).body.status, 'active');
  assert.equal((await call('POST', `/v1/accounts/${id}/report-unauthorized`)).status, 200);
  await call('GET', `/v1/accounts/${id}`);
  await call('GET', `/v1/accounts?ownerId=${ownerId}`);
  await call('GET', '/v1/accounts');
  // The token endpoint is the one place a token may be returned; the secret still may not.
  const token = await api.call('POST', `/v1/accounts/${id}/token`, { minValiditySeconds: 60 });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  assertAbsent('token response', responseText(token), secrets);
  const accessToken: string = token.body.accessToken;
  assert.ok(accessToken.length > 20);

  for (const [i, r] of responses.entries()) {
    assertAbsent(`response #${i}`, responseText(r), secrets);
    assertAbsent(`response #${i}`, responseText(r), [accessToken]);
    // Account-shaped bodies carry no secret or token field (a connect session's own token is its whole point).
    if (r.body && typeof r.body === 'object' && 'organizationId' in r.body) {
      for (const k of ['clientSecret', 'secret', 'secretEnc', 'accessToken', 'token', 'tokenEnc']) assert.ok(!(k in r.body), `response #${i} has ${k}`);
    }
  }

  // Database: every table dumped as text; the secret is only present as ciphertext.
  const dump = (await dumpAllTables()).join('\n');
  assert.ok(dump.includes(id), 'the dump holds the account');
  assertAbsent('database', dump, [...secrets, accessToken]);
  const row = await secretColumnsOf(id);
  assert.ok(Buffer.isBuffer(row.secret_enc) && row.secret_enc.length > rotated.length, 'the secret is stored as ciphertext');
  assert.ok(!row.secret_enc.includes(Buffer.from(rotated)));
  assert.ok(!row.token_enc || !row.token_enc.includes(Buffer.from(accessToken)));
  assert.equal(row.secret_last4, rotated.slice(-4));

  // Redis (token cache, locks, queue jobs, rate limits): keys and values.
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys('*');
    const parts: string[] = [...keys];
    for (const k of keys) {
      const type = await redis.type(k);
      if (type === 'string') parts.push((await redis.getBuffer(k))?.toString('latin1') ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(k)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(k, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(k)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(k, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(k, '-', '+')));
    }
    assertAbsent('redis', parts.join('\n'), [...secrets, accessToken]);
  } finally {
    redis.disconnect();
  }

  // Logs: the capture must actually hold debug-level request logs, and no secret or token.
  await new Promise((r) => setTimeout(r, 200));
  const logs = captured.join('');
  assert.ok(/"level":(20|30)/.test(logs), `expected pino logs to be captured, got ${logs.length} chars`);
  assert.ok(logs.includes('/v1/accounts'), 'request logs captured');
  assertAbsent('logs', logs, [...secrets, accessToken]);
  assert.ok(!logs.includes(session.body.token), 'session token in logs');
  assert.ok(!logs.includes('test-service-key-0123456789abcdef0123456789'), 'service key in logs');
});
