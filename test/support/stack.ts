import { after, before } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { NestExpressApplication } from '@nestjs/platform-express';
import { migrate } from '@app/database';
import { SimulatorHandle, startSimulator } from '@app/simulator';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { baseEnv, SERVICE_KEY, TEST_DATABASE_URL, TEST_REDIS_URL, TLS_DIR } from './env';

let migrated: Promise<unknown> | null = null;
export const migrateOnce = () => (migrated ??= migrate(TEST_DATABASE_URL));

export async function startSim(): Promise<SimulatorHandle> {
  return startSimulator({
    port: 0,
    host: '127.0.0.1',
    tls: { cert: readFileSync(join(TLS_DIR, 'leaf.pem')), key: readFileSync(join(TLS_DIR, 'leaf.key')) },
  });
}

/** Empties the test database's tables and the test Redis database (ours alone: see env.ts). */
export async function resetStores(): Promise<void> {
  await migrateOnce();
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  await pg.query('TRUNCATE accounts, account_events, connect_sessions, idempotency_keys, encryption_keys');
  await pg.end();
  const redis = new Redis(TEST_REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}

export interface Api {
  url: string;
  app: NestExpressApplication;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The real API application, listening on a random port, configured like production but for the simulator. */
export async function startApi(simPort: number, overrides: Record<string, string> = {}): Promise<Api> {
  await migrateOnce();
  const app = await createApiApp(baseEnv(simPort, overrides));
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const base = url.replace('[::1]', '127.0.0.1');
  return {
    url: base,
    app,
    async call(method, path, body, headers = {}) {
      const res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${SERVICE_KEY}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* keep text */
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    close: () => app.close(),
  };
}

export const US = { apiBaseUrl: 'https://api.bitwarden.com', identityBaseUrl: 'https://identity.bitwarden.com' };
export const EU = { apiBaseUrl: 'https://api.bitwarden.eu', identityBaseUrl: 'https://identity.bitwarden.eu' };
export const SELF = { apiBaseUrl: 'https://bw.selfhosted.test/api', identityBaseUrl: 'https://bw.selfhosted.test/identity' };

/** The real worker (sweep + BullMQ workers) in this process, configured for the simulator. */
export async function startWorker(simPort: number, overrides: Record<string, string> = {}) {
  await migrateOnce();
  const { createWorker } = await import('../../apps/worker/src/bootstrap');
  return createWorker(baseEnv(simPort, { SWEEP_INTERVAL_MS: '200', WORKER_LOCK_MS: '5000', ...overrides }));
}

/** Polls until `fn` returns a truthy value or the time is up. */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Registers this file's before/after hooks: empty stores, a simulator and an API (with `env` overrides) before,
 * and everything closed and emptied after. `bind` receives them once they run.
 */
export function useStack(bind: (s: { sim: SimulatorHandle; api: Api }) => void, env: Record<string, string> = {}): void {
  let sim: SimulatorHandle | undefined;
  let api: Api | undefined;
  before(async () => {
    await resetStores();
    sim = await startSim();
    api = await startApi(sim.port, env);
    bind({ sim, api });
  });
  after(async () => {
    await api?.close();
    await sim?.close();
    await resetStores();
  });
}

/** Runs `fn` with a connection to the test database, closed afterwards. */
export async function withPg<T>(fn: (pg: Client) => Promise<T>): Promise<T> {
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  try {
    return await fn(pg);
  } finally {
    await pg.end();
  }
}
