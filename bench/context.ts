// The processes and stores every scenario shares: one simulator process, one API process, the bench's own
// Postgres database and Redis db (never the test suites'), a SecretBox for seeding, and the big table that the
// accounts-page and worker-RSS scenarios both measure (seeded once, on first use).
import { Client } from 'pg';
import Redis from 'ioredis';
import { Keyring, SecretBox } from '@app/crypto';
import { migrate } from '@app/database';
import type { SimOrg } from '@app/simulator';
import { baseEnv, SERVICE_KEY, TEST_DATABASE_URL, TEST_KEY_B64 } from '../test/support/env';
import { ensureCerts, Proc, startApiProc, startSimProc, startWorkerProc } from '../test/support/procs';
import { BigTable, seedBigTable } from './lib/big-table';
import { log } from './lib/log';
import { SimHttp } from './lib/sim-http';

export interface BenchOptions {
  /** Smaller counts and shorter windows (BENCH_QUICK=1 or --quick). */
  quick: boolean;
  databaseUrl: string;
  redisUrl: string;
}

export const AUTH = { authorization: `Bearer ${SERVICE_KEY}` };
export const US = { apiBaseUrl: 'https://api.bitwarden.com', identityBaseUrl: 'https://identity.bitwarden.com' };

export function optionsFromEnv(quick: boolean): BenchOptions {
  return {
    quick,
    databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bitwarden_connect_bench',
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/5',
  };
}

export class BenchContext {
  /** Every process started through the context, stopped in reverse order by close(). */
  private readonly procs: Proc[] = [];
  private big: Promise<BigTable> | null = null;
  /** Notes about the shared setup itself (the seeding), for the report. */
  private readonly notes: string[] = [];

  private constructor(
    readonly options: BenchOptions,
    readonly pg: Client,
    readonly redis: Redis,
    readonly box: SecretBox,
    readonly sim: SimHttp,
    private readonly simPort: number,
  ) {}

  private apiProc: (Proc & { url: string }) | null = null;

  get api(): Proc & { url: string } {
    if (!this.apiProc) throw new Error('the API is not running');
    return this.apiProc;
  }

  static async create(options: BenchOptions): Promise<BenchContext> {
    // The bench truncates and flushes its stores: pointed at the test suite's database it would wipe a running suite.
    if (sameDatabase(options.databaseUrl, process.env.TEST_DATABASE_URL ?? TEST_DATABASE_URL)) {
      throw new Error('BENCH_DATABASE_URL names the test suite database; give the bench a database of its own');
    }
    ensureCerts();
    log(`database ${redactUrl(options.databaseUrl)}, redis ${redactUrl(options.redisUrl)}${options.quick ? ', QUICK' : ''}`);
    await migrate(options.databaseUrl);
    const pg = new Client({ connectionString: options.databaseUrl });
    await pg.connect();
    const redis = new Redis(options.redisUrl);
    const box = new SecretBox(await Keyring.fromEnv(`t1:${TEST_KEY_B64}`));
    const simProc = await startSimProc();
    const ctx = new BenchContext(options, pg, redis, box, new SimHttp(simProc.port), simProc.port);
    ctx.procs.push(simProc);
    try {
      await ctx.resetStores();
      ctx.apiProc = await startApiProc(ctx.env());
      ctx.procs.push(ctx.apiProc);
    } catch (e) {
      await ctx.close();
      throw e;
    }
    return ctx;
  }

  /** Environment of the API and worker processes: the bench's stores, limits high enough not to be what is measured. */
  env(over: Record<string, string> = {}): Record<string, string> {
    return baseEnv(this.simPort, {
      DATABASE_URL: this.options.databaseUrl,
      REDIS_URL: this.options.redisUrl,
      IDENTITY_RATE_LIMIT_PER_MINUTE: '100000',
      LINK_RATE_LIMIT_PER_MINUTE: '1000000',
      // The proxy scenarios measure the relay, not the per-host API budget (its highest setting).
      API_RATE_LIMIT_READS_PER_MINUTE: '100000',
      API_RATE_LIMIT_WRITES_PER_MINUTE: '100000',
      LOG_LEVEL: 'warn',
      OUTBOUND_TIMEOUT_MS: '10000',
      ...over,
    });
  }

  /** Empties the bench's database tables and Redis db; the big table must be seeded again. */
  resetStores(): Promise<void> {
    this.big = null;
    return this.emptyStores();
  }

  private async emptyStores(): Promise<void> {
    await this.pg.query('TRUNCATE accounts, account_events, connect_sessions, idempotency_keys');
    await this.redis.flushdb();
  }

  /** The large seeded table; seeded on the first call after a reset, shared by the scenarios that read it. */
  bigTable(): Promise<BigTable> {
    if (!this.big) {
      this.big = this.emptyStores()
        .then(() => seedBigTable(this.pg, this.box, this.sim, this.options.quick))
        .then((t) => {
          this.notes.push(t.seedNote);
          return t;
        });
      this.big.catch(() => (this.big = null));
    }
    return this.big;
  }

  /** The setup notes gathered since the last call. */
  takeNotes(): string[] {
    return this.notes.splice(0);
  }

  /** A worker process on the bench's stores; close() stops it if the scenario did not. */
  async worker(over: Record<string, string> = {}): Promise<Proc> {
    const w = await startWorkerProc(this.env(over));
    this.procs.push(w);
    return w;
  }

  async apiJson(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.api.url + path, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Links `org` for `ownerId` through the API; returns the account id. */
  async link(org: SimOrg, ownerId: string): Promise<string> {
    const r = await this.apiJson('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
    if (r.status !== 201 && r.status !== 200) throw new Error(`link failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  /** Stops every process, empties the bench's stores (best effort) and closes the connections. */
  async close(): Promise<void> {
    for (const p of this.procs.reverse()) await p.stop(10_000).catch(() => undefined);
    this.procs.length = 0;
    try {
      await this.emptyStores();
    } catch {
      /* best effort: the stores are the bench's own and the next run truncates them first */
    }
    await this.pg.end().catch(() => undefined);
    this.redis.disconnect();
    await this.sim.close();
  }
}

function sameDatabase(a: string, b: string): boolean {
  const key = (u: string) => {
    const x = new URL(u);
    return `${x.hostname}:${x.port || '5432'}${x.pathname}`;
  };
  return key(a) === key(b);
}

/** A URL for the log without its password. */
function redactUrl(u: string): string {
  const x = new URL(u);
  if (x.password) x.password = '***';
  return x.toString();
}
