import { after, before } from 'node:test';
// One disposable world per fault test file: its own Postgres and Redis, the simulator in this process, and the
// built API and worker as child processes (the same `node dist/...` commands as production).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '@app/database';
import { SimOrg, SimulatorHandle, startSimulator } from '@app/simulator';
import { ensureCerts, Proc, sleep, startApiProc, startWorkerProc, TLS, waitFor } from '../../support/procs';
import { baseEnv, SERVICE_KEY } from '../../support/env';
import { PgServer, RedisServer } from './infra';

export { sleep, waitFor };
export const US = { apiBaseUrl: 'https://api.bitwarden.com', identityBaseUrl: 'https://identity.bitwarden.com' };
/** Statuses an account may show while Bitwarden misbehaves: never needs_relink for a transient fault. */
export const TRANSIENT_OK = new Set(['active', 'degraded']);

export type ApiProc = Proc & { url: string; port: number };
export type WorkerProc = Proc & { healthUrl: string };

export interface CallResult {
  status: number;
  body: any;
  ms: number;
  headers: Headers;
}

export class FaultStack {
  readonly procs: Proc[] = [];
  private constructor(
    readonly pg: PgServer,
    readonly redis: RedisServer,
    readonly sim: SimulatorHandle,
  ) {}

  static async start(): Promise<FaultStack> {
    ensureCerts();
    const [pg, redis] = await Promise.all([PgServer.start(), RedisServer.start()]);
    await migrate(pg.url());
    const sim = await startSimulator({
      port: 0,
      host: '127.0.0.1',
      tls: { cert: readFileSync(join(TLS, 'leaf.pem')), key: readFileSync(join(TLS, 'leaf.key')) },
    });
    return new FaultStack(pg, redis, sim);
  }

  env(over: Record<string, string> = {}): Record<string, string> {
    return baseEnv(this.sim.port, {
      DATABASE_URL: this.pg.url(),
      REDIS_URL: this.redis.url(),
      IDENTITY_RATE_LIMIT_PER_MINUTE: '100000',
      LINK_RATE_LIMIT_PER_MINUTE: '1000000',
      OUTBOUND_TIMEOUT_MS: '1500',
      WORKER_LOCK_MS: '5000',
      SWEEP_INTERVAL_MS: '200',
      // Short interval → 5 s lease: a job lost with Redis is claimed again from Postgres within seconds.
      ACCOUNT_CHECK_INTERVAL_SECONDS: '20',
      LOG_LEVEL: 'warn',
      ...over,
    });
  }

  async api(over: Record<string, string> = {}, name = 'api'): Promise<ApiProc> {
    const p = await startApiProc(this.env(over), undefined, name);
    this.procs.push(p);
    return p;
  }

  async worker(over: Record<string, string> = {}, name = 'worker'): Promise<WorkerProc> {
    const p = await startWorkerProc(this.env(over), name);
    this.procs.push(p);
    return p;
  }

  async call(api: { url: string }, method: string, path: string, body?: unknown, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<CallResult> {
    const t = performance.now();
    const res = await fetch(api.url + path, {
      method,
      headers: { authorization: `Bearer ${SERVICE_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed, ms: performance.now() - t, headers: res.headers };
  }

  async link(api: { url: string }, ownerId: string, org: SimOrg = this.sim.createOrg({ realm: 'us' })): Promise<{ id: string; org: SimOrg }> {
    const r = await this.call(api, 'POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return { id: r.body.id, org };
  }

  /** One statement on a fresh connection (the server may have restarted since the last one). */
  async sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: this.pg.url(), connectionTimeoutMillis: 3000 });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  makeDue(ids?: string[]): Promise<unknown> {
    return ids
      ? this.sql(`UPDATE accounts SET next_check_at = now() WHERE id = ANY($1)`, [ids])
      : this.sql(`UPDATE accounts SET next_check_at = now()`);
  }

  /** Waits until every listed account was checked after `since` and is active. */
  async allCheckedActive(ids: string[], since: Date, timeoutMs: number, what = 'every account checked and active'): Promise<void> {
    await waitFor(async () => {
      const rows = await this.sql(`SELECT count(*)::int AS n FROM accounts WHERE id = ANY($1) AND last_checked_at > $2 AND status = 'active'`, [ids, since]);
      return rows[0].n === ids.length;
    }, timeoutMs, what, 200);
  }

  async statuses(ids: string[]): Promise<Array<{ id: string; status: string; status_reason: string | null }>> {
    return this.sql(`SELECT id, status, status_reason FROM accounts WHERE id = ANY($1)`, [ids]);
  }

  /** Successful exchanges the simulator answered for these client ids since `since` (ms). */
  exchanges(clientIds: string[], since: number, any = false): number {
    return this.sim.counters().tokenLog.filter((e) => e.at >= since && e.clientId !== null && clientIds.includes(e.clientId) && (any || e.status === 200)).length;
  }

  /**
   * Rows are never half-written: a cached token always has its expiry, every row has its sealed secret, and the
   * status stored is the one its latest history event moved it to.
   */
  async assertConsistent(): Promise<void> {
    const broken = await this.sql(`
      SELECT a.id, a.status, e.to_status FROM accounts a
        LEFT JOIN LATERAL (SELECT to_status FROM account_events WHERE account_id = a.id ORDER BY seq DESC LIMIT 1) e ON true
       WHERE (a.token_enc IS NULL) <> (a.token_expires_at IS NULL)
          OR a.secret_enc IS NULL OR length(a.secret_enc) < 40
          OR a.status NOT IN ('active', 'degraded', 'needs_relink')
          OR e.to_status IS NULL OR e.to_status <> a.status`);
    assert.deepEqual(broken, [], 'half-written or inconsistent rows');
  }

  async close(): Promise<void> {
    for (const p of this.procs.reverse()) await p.stop(5000).catch(() => undefined);
    await this.sim.close().catch(() => undefined);
    await this.redis.kill().catch(() => undefined);
    await this.pg.destroy().catch(() => undefined);
  }
}

export interface FaultFixture {
  s: FaultStack;
  api: ApiProc;
  /** Only when asked for with `worker: true`. */
  worker: WorkerProc;
  accounts: Array<{ id: string; org: SimOrg }>;
}

/**
 * Registers this file's before/after hooks: a fault stack, one API, `accounts` linked US accounts (owners
 * `<tag>-<i>`) and, with `worker`, a worker; everything closed after. `bind` receives them once they run.
 */
export function useFaultStack(o: { tag: string; accounts: number; worker?: boolean }, bind: (f: FaultFixture) => void): void {
  let s: FaultStack | undefined;
  before(async () => {
    s = await FaultStack.start();
    const api = await s.api();
    const accounts = [];
    for (let i = 0; i < o.accounts; i++) accounts.push(await s.link(api, `${o.tag}-${i}`));
    const worker = o.worker ? await s.worker() : (undefined as unknown as WorkerProc);
    bind({ s, api, worker, accounts });
  });
  after(() => s?.close());
}
