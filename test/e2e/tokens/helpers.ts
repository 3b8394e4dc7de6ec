// Shared helpers for the token-path and worker tests (test/tokens, test/worker).
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { Client } from 'pg';
import { SimOrg, SimulatorHandle } from '@app/simulator';
import { Api, US } from '../../support/stack';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../support/env';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one SQL statement against the test database. */
export async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  try {
    return (await pg.query(text, params)).rows as T[];
  } finally {
    await pg.end();
  }
}

/** FLUSHDB on the test Redis database (env.ts): drops queues, locks, budget log, breaker state. */
export async function flushTestRedis(): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

export async function withRedis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

export interface Linked {
  id: string;
  org: SimOrg;
  body: any;
}

/** Creates an org in the simulator and links it through the API (US cloud unless told). */
export async function linkOrg(api: Api, sim: SimulatorHandle, ownerId: string, realm = 'us', urls = US): Promise<Linked> {
  const org = sim.createOrg({ realm });
  const res = await api.call('POST', '/v1/accounts', { ownerId, ...urls, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.id, org, body: res.body };
}

/** Drops the cached token of an account so the next token call must exchange. */
export async function clearToken(id: string): Promise<void> {
  await sql('UPDATE accounts SET token_enc = NULL, token_expires_at = NULL WHERE id = $1', [id]);
}

/** Exchanges the simulator saw for one client id (successful ones unless `any`). */
export function exchangesFor(sim: SimulatorHandle, clientId: string, opts: { since?: number; any?: boolean } = {}) {
  return sim
    .counters()
    .tokenLog.filter((e) => e.clientId === clientId && (opts.any || e.status === 200) && e.at >= (opts.since ?? 0));
}

export async function accountRow(id: string): Promise<any> {
  const [row] = await sql('SELECT * FROM accounts WHERE id = $1', [id]);
  return row;
}
