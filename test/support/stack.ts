import { after, before } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { INestApplicationContext } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { migrate } from '@app/database';
import { SimulatorHandle, startSimulator } from '@app/simulator';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { baseEnv, SERVICE_KEY, TEST_DATABASE_URL, TEST_REDIS_URL, TLS_DIR } from './env';
import { waitFor } from './procs';

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
export async function startWorker(simPort: number, overrides: Record<string, string> = {}): Promise<INestApplicationContext> {
  await migrateOnce();
  const { createWorker } = await import('../../apps/worker/src/bootstrap');
  return createWorker(baseEnv(simPort, { SWEEP_INTERVAL_MS: '200', WORKER_LOCK_MS: '5000', ...overrides }));
}

/** Polls until `fn` returns a truthy value or the time is up (every 100 ms). */
export const eventually = <T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what = 'condition'): Promise<T> => waitFor(fn, timeoutMs, what);

type Env = Record<string, string>;

export interface StackOptions {
  /** Overrides for the API's and the worker's environment; a function when they depend on something started first. */
  env?: Env | ((simPort: number) => Env);
  /** Also run the in-process worker for the whole file (true), or with these overrides on top of `env`. */
  worker?: boolean | Env;
  /** false: the simulator only; the file starts what else it needs (default true). */
  api?: boolean;
  /** More API instances, each with its own overrides on top of `env`: `{ limited: { LINK_RATE_LIMIT_PER_MINUTE: '3' } }`. */
  apis?: Record<string, Env>;
  /** Runs first, before anything starts: what `env` depends on (a receiver, a trap). */
  prepare?: () => Promise<void> | void;
  /** Runs last, once everything is closed and the stores are emptied. */
  teardown?: () => Promise<void> | void;
}

export interface Stack {
  sim: SimulatorHandle;
  api: Api;
  /** The worker started by `worker: true` or by startWorker(); null while none runs. */
  worker: INestApplicationContext | null;
  apis: Record<string, Api>;
  /** Starts a worker with the stack's env plus `extra` (closing one that runs); after() closes it. */
  startWorker(extra?: Env): Promise<INestApplicationContext>;
  /** Closes the running worker, if any (for an afterEach). */
  stopWorker(): Promise<void>;
}

// What bind returns is awaited and otherwise ignored, so `(s) => ({ sim, api } = s)` is a bind too.
type Bind = (s: Stack) => unknown;

/**
 * Registers this file's before/after hooks: empty stores, a simulator, an API and optionally a worker before;
 * everything closed and the stores emptied after. Returns the stack, whose fields are set once before() ran;
 * `bind` receives it then too, and is awaited: per-file setup that needs the stack (linking accounts) goes there.
 * The older form `useStack(bind, env)` still works.
 *
 * A file should not add top-level before/after hooks of its own next to this one: Node 20 runs a file's top-level
 * hooks concurrently, so they could not rely on the stack being up (or still up). Use prepare, bind and teardown.
 */
export function useStack(options?: StackOptions, bind?: Bind): Stack;
export function useStack(bind: Bind, env?: Env): Stack;
export function useStack(a: StackOptions | Bind = {}, b?: Env | Bind): Stack {
  const [o, bind] = typeof a === 'function' ? [{ env: b as Env | undefined }, a] : [a, b as Bind | undefined];
  let env: Env = {};
  const opened: Api[] = [];
  const stack: Stack = {
    sim: undefined as unknown as SimulatorHandle,
    api: undefined as unknown as Api,
    worker: null,
    apis: {},
    async startWorker(extra = {}) {
      await stack.stopWorker();
      stack.worker = await startWorker(stack.sim.port, { ...env, ...extra });
      return stack.worker;
    },
    async stopWorker() {
      const w = stack.worker;
      stack.worker = null;
      await w?.close();
    },
  };
  before(async () => {
    await o.prepare?.();
    await resetStores();
    stack.sim = await startSim();
    env = typeof o.env === 'function' ? o.env(stack.sim.port) : (o.env ?? {});
    if (o.api !== false) opened.push((stack.api = await startApi(stack.sim.port, env)));
    for (const [name, extra] of Object.entries(o.apis ?? {})) opened.push((stack.apis[name] = await startApi(stack.sim.port, { ...env, ...extra })));
    if (o.worker) await stack.startWorker(o.worker === true ? {} : o.worker);
    await bind?.(stack);
  });
  after(async () => {
    await stack.stopWorker();
    for (const api of opened.reverse()) await api.close();
    await stack.sim?.close();
    await resetStores();
    await o.teardown?.();
  });
  return stack;
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
