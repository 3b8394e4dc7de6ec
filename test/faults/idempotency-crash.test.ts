// The API process is SIGKILLed in the middle of each write path. A retry on a fresh process, with the same
// Idempotency-Key and body for link and re-link and as it is for DELETE, must settle the request within the
// 10 s claim lease: run it (the first never finished) or replay it; never a 503 for as long as the key is kept.
// Nothing is half-written either way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiProc, FaultStack, sleep, US, waitFor } from './support/fault-stack';

/** The lease of an in-flight claim (IdempotencyService); the retry may have to wait it out. */
const LEASE_MS = 10_000;
/** Lease plus the time the retried request itself needs. */
const SETTLED_BOUND_MS = LEASE_MS + 3000;
/** Upstream slow enough that the request is surely in flight when the process dies, inside the outbound deadline. */
const SLOW_UPSTREAM_MS = 3000;
const ENV = { OUTBOUND_TIMEOUT_MS: '8000', WORKER_LOCK_MS: '10000' };

let s: FaultStack;
let api: ApiProc;

before(async () => {
  s = await FaultStack.start();
  api = await s.api(ENV, 'api-0');
});
after(async () => {
  for (const resume of [() => s?.redis.resume(), () => s?.pg.resume()]) {
    try {
      resume();
    } catch {
      /* not paused */
    }
  }
  await s?.close();
});

let generation = 0;
/** SIGKILL the current API (nothing runs its shutdown hooks) and start a fresh one on the same stores. */
async function crashAndRestart(): Promise<number> {
  api.kill('SIGKILL');
  const killedAt = Date.now();
  await api.exited;
  api = await s.api(ENV, `api-${++generation}`);
  return killedAt;
}

const idem = (key: string) => ({ 'idempotency-key': key });
const claimOf = async (key: string) => (await s.sql(`SELECT status_code, expires_at FROM idempotency_keys WHERE scope LIKE $1`, [`%|${key}`]))[0];

/**
 * Starts a request and resolves once Bitwarden has received its token exchange (the request is in flight). The
 * answer comes wrapped: an async function returning the bare promise would wait for it.
 */
async function inFlight(method: string, path: string, body: unknown, key: string): Promise<{ first: Promise<{ status: number; body: unknown; ms: number }> }> {
  const seen = s.sim.counters().tokenRequests;
  s.sim.configure({ latencyMs: SLOW_UPSTREAM_MS });
  const first = s.call(api, method, path, body, 30_000, idem(key)).catch(() => ({ status: 0, body: null, ms: 0 }));
  await waitFor(() => s.sim.counters().tokenRequests > seen, 10_000, 'the request to reach Bitwarden', 20);
  const claim = await claimOf(key);
  assert.ok(claim && claim.status_code === null, 'the key is claimed and in flight when the process dies');
  return { first };
}

test('link: API SIGKILLed mid-request; the retry with the same Idempotency-Key links once within the lease', async () => {
  const org = s.sim.createOrg();
  const body = { ownerId: 'crash-link', ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const key = `crash-link-${process.pid}`;
  const { first } = await inFlight('POST', '/v1/accounts', body, key);
  const killedAt = await crashAndRestart();
  const firstRes = await first;
  assert.equal(firstRes.status, 0, `the first request got no answer, not ${JSON.stringify(firstRes)}`);
  s.sim.configure({ latencyMs: 0 });

  const retry = await s.call(api, 'POST', '/v1/accounts', body, 30_000, idem(key));
  const settled = Date.now() - killedAt;
  console.log(`# link crash: retry ${retry.status} in ${Math.round(retry.ms)} ms, ${settled} ms after the kill`);
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.ok(settled <= SETTLED_BOUND_MS, `settled ${settled} ms after the kill`);

  const rows = await s.sql(`SELECT id FROM accounts WHERE owner_id = 'crash-link'`);
  assert.deepEqual(rows.map((r) => r.id), [retry.body.id], 'exactly one account, the one answered');
  assert.equal((await claimOf(key)).status_code, 201, 'the key now holds the response');
  const replay = await s.call(api, 'POST', '/v1/accounts', body, 5000, idem(key));
  assert.equal(replay.status, 201);
  assert.equal(replay.body.id, retry.body.id, 'a further retry replays the stored response');
  await s.assertConsistent();
});

test('re-link: API SIGKILLed mid-request; the retry with the same Idempotency-Key swaps the secret once within the lease', async () => {
  const { id, org } = await s.link(api, 'crash-relink');
  const newSecret = s.sim.rotateKey(org.id);
  const body = { clientSecret: newSecret };
  const key = `crash-relink-${process.pid}`;
  const { first } = await inFlight('PUT', `/v1/accounts/${id}/credentials`, body, key);
  const killedAt = await crashAndRestart();
  const firstRes = await first;
  assert.equal(firstRes.status, 0, `the first request got no answer, not ${JSON.stringify(firstRes)}`);
  s.sim.configure({ latencyMs: 0 });

  const retry = await s.call(api, 'PUT', `/v1/accounts/${id}/credentials`, body, 30_000, idem(key));
  const settled = Date.now() - killedAt;
  console.log(`# re-link crash: retry ${retry.status} in ${Math.round(retry.ms)} ms, ${settled} ms after the kill`);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.ok(settled <= SETTLED_BOUND_MS, `settled ${settled} ms after the kill`);

  const [row] = await s.sql(`SELECT secret_last4, credentials_version, status FROM accounts WHERE id = $1`, [id]);
  assert.equal(row.secret_last4, newSecret.slice(-4), 'the new secret is stored');
  assert.equal(row.credentials_version, 2, 'swapped exactly once');
  assert.equal(row.status, 'active');
  // The Test button exchanges with the stored secret: it must be the new one, sealed whole.
  const verify = await s.call(api, 'POST', `/v1/accounts/${id}/verify`);
  assert.equal(verify.status, 200, JSON.stringify(verify.body));
  assert.equal(verify.body.status, 'active', `the stored secret works: ${JSON.stringify(verify.body)}`);
  await s.assertConsistent();
});

/** DELETE carries no key: it is retried as it is; 204 then 404 (or 204 twice) is fine, a half-deleted account is not. */
async function assertDeleteSettles(id: string, killedAt: number, what: string): Promise<void> {
  const retry = await s.call(api, 'DELETE', `/v1/accounts/${id}`, undefined, 30_000);
  const settled = Date.now() - killedAt;
  console.log(`# delete crash (${what}): retry ${retry.status} in ${Math.round(retry.ms)} ms, ${settled} ms after the kill`);
  assert.ok(retry.status === 204 || retry.status === 404, `${retry.status} ${JSON.stringify(retry.body)}`);
  if (retry.status === 404) assert.equal(retry.body?.error?.code, 'not_found');
  assert.ok(retry.ms <= 10_000, `retry took ${retry.ms} ms`);
  assert.equal((await s.call(api, 'GET', `/v1/accounts/${id}`)).status, 404);
  assert.deepEqual(await s.sql(`SELECT id FROM accounts WHERE id = $1`, [id]), [], 'no row (and so no secret) left');
  await s.assertConsistent();
}

test('delete: API SIGKILLed after the commit while job removal waits on a hung Redis; the retry finds it gone', async () => {
  const { id } = await s.link(api, 'crash-delete-after-commit');
  s.redis.pause();
  let killedAt: number;
  try {
    const first = s.call(api, 'DELETE', `/v1/accounts/${id}`, undefined, 30_000).catch(() => ({ status: 0 }));
    await waitFor(async () => (await s.sql(`SELECT id FROM accounts WHERE id = $1`, [id])).length === 0, 5000, 'the delete to commit', 10);
    killedAt = await crashAndRestart();
    const r = await first;
    // The answer may have gone out before the kill (the removal wait is bounded): either is fine here.
    assert.ok(r.status === 0 || r.status === 204, `first delete ${r.status}`);
  } finally {
    s.redis.resume();
  }
  await assertDeleteSettles(id, killedAt, 'after commit');
});

test('delete: API SIGKILLed while the statement waits on a hung Postgres; the retry deletes it or finds it gone', async () => {
  const { id } = await s.link(api, 'crash-delete-before-commit');
  s.pg.pause();
  let killedAt: number;
  try {
    const first = s.call(api, 'DELETE', `/v1/accounts/${id}`, undefined, 30_000).catch(() => ({ status: 0 }));
    await sleep(300);
    api.kill('SIGKILL');
    killedAt = Date.now();
    await api.exited;
    assert.equal((await first).status, 0, 'the first delete got no answer');
  } finally {
    s.pg.resume();
  }
  api = await s.api(ENV, `api-${++generation}`);
  await assertDeleteSettles(id, killedAt, 'before commit');
});
