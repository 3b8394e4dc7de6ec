// The one place where tests reach past the API into the stores: reading rows back, and putting an account in a
// state that would otherwise take hours (a check due now, a token near its end) or that only an attacker with
// database access could make (a re-pointed URL, swapped ciphertext). Column names of tests live here only.
import Redis from 'ioredis';
import { TOKEN_CACHE_MAX_AGE_MS } from '@app/accounts';
import { SimulatorHandle } from '@app/simulator';
import { TEST_REDIS_URL } from './env';
import { withPg } from './stack';

type Row = Record<string, any>;
type Urls = { apiBaseUrl: string; identityBaseUrl: string };

/** Runs one statement against the test database and returns its rows. */
async function query<T = Row>(text: string, params: unknown[] = []): Promise<T[]> {
  return withPg(async (pg) => (await pg.query(text, params)).rows as T[]);
}

// ---- Redis

/** FLUSHDB on the test Redis database (env.ts): drops queues, locks, budget log, breaker state. */
/**
 * Writes straight to SQL bypass the token cache's invalidation messages: wait out its age limit, so the next token
 * call sees the row as written (as another process would, at the latest, after that long).
 */
const behindTheTokenCache = () => new Promise((r) => setTimeout(r, TOKEN_CACHE_MAX_AGE_MS + 5));

export async function flushTestRedis(): Promise<void> {
  await withRedis((r) => r.flushdb());
}

export async function withRedis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

// ---- Reading accounts back

/** The whole row (snake_case columns), or undefined once deleted. */
export async function accountRow(id: string): Promise<Row | undefined> {
  return (await query('SELECT * FROM accounts WHERE id = $1', [id]))[0];
}

export const accountRowsOf = (ownerId: string) => query('SELECT * FROM accounts WHERE owner_id = $1', [ownerId]);

/** Every account's id and last check time (all accounts when `ids` is not given). */
export const lastChecks = (ids?: string[]) =>
  ids
    ? query<{ id: string; last_checked_at: Date | null }>('SELECT id, last_checked_at FROM accounts WHERE id = ANY($1)', [ids])
    : query<{ id: string; last_checked_at: Date | null }>('SELECT id, last_checked_at FROM accounts');

export const statusesOf = (ids: string[]) =>
  query<{ id: string; status: string; last_verified_at: Date | null }>('SELECT id, status, last_verified_at FROM accounts WHERE id = ANY($1)', [ids]);

/** How many accounts have each status. */
export async function statusCounts(): Promise<Record<string, number>> {
  const rows = await query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM accounts GROUP BY status');
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export const idsWithStatus = async (status: string) => (await query<{ id: string }>('SELECT id FROM accounts WHERE status = $1', [status])).map((r) => r.id);

/** The sealed columns of every account, in id order. */
export const blobColumns = () =>
  query('SELECT id, owner_id, api_base_url, identity_base_url, secret_enc, secret_key_id, token_enc, token_key_id FROM accounts ORDER BY id');

export const secretColumnsOf = async (id: string) => (await query('SELECT secret_enc, secret_key_id, token_enc, secret_last4 FROM accounts WHERE id = $1', [id]))[0];

/** The token still has more than `seconds` left, by the database's clock. */
export const tokenOutlives = async (id: string, seconds: number) =>
  (await query<{ ok: boolean }>(`SELECT token_expires_at > now() + make_interval(secs => $2) AS ok FROM accounts WHERE id = $1`, [id, seconds]))[0]?.ok === true;

/** Every row of every table of ours, as JSON text prefixed with its table name. */
export async function dumpAllTables(): Promise<string[]> {
  return withPg(async (pg) => {
    const tables = (await pg.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r) => r.tablename as string);
    const out: string[] = [];
    for (const t of tables) out.push(...(await pg.query(`SELECT row_to_json(x)::text AS j FROM "${t}" x`)).rows.map((r) => `${t}: ${r.j}`));
    return out;
  });
}

// ---- History and webhooks

export interface EventRow {
  type: string;
  seq: number;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  owner_id: string;
}

export const eventsOf = (accountId: string) =>
  query<EventRow>('SELECT type, seq, from_status, to_status, reason, owner_id FROM account_events WHERE account_id = $1 ORDER BY seq', [accountId]);

export const deliveriesOf = (accountId: string) =>
  query<{ delivery_attempts: number; delivered_at: Date | null }>('SELECT delivery_attempts, delivered_at FROM account_events WHERE account_id = $1', [accountId]);

// ---- Putting accounts in a state

/** The background check of these accounts (all when no id is given) is due now. */
export async function makeDue(...ids: string[]): Promise<void> {
  if (ids.length) await query('UPDATE accounts SET next_check_at = now() WHERE id = ANY($1)', [ids]);
  else await query('UPDATE accounts SET next_check_at = now()');
}

/** Drops the cached token of an account so the next token call must exchange. */
export async function clearToken(id: string): Promise<void> {
  await query('UPDATE accounts SET token_enc = NULL, token_expires_at = NULL WHERE id = $1', [id]);
  await behindTheTokenCache();
}

/** The account is in active use and its token has `secondsLeft` to live: its renewal (and check) are due now. */
export async function expireToken(id: string, secondsLeft: number): Promise<void> {
  await query(
    `UPDATE accounts SET token_expires_at = now() + make_interval(secs => $2), refresh_at = now(), next_check_at = now(), last_token_request_at = now() WHERE id = $1`,
    [id, secondsLeft],
  );
  await behindTheTokenCache();
}

/** Moves every account of an owner to one creation time (ties for the list's cursor). */
export async function setCreatedAt(ownerId: string, at: string): Promise<void> {
  await query('UPDATE accounts SET created_at = $2 WHERE owner_id = $1', [ownerId, at]);
}

/** Empties accounts and their history (Redis untouched, unlike resetStores). */
export async function deleteAllAccounts(): Promise<void> {
  await query('TRUNCATE accounts, account_events');
}

/** Deletes the row behind the API's back (no `deleted` event). */
export async function deleteAccountRow(id: string): Promise<void> {
  await query('DELETE FROM accounts WHERE id = $1', [id]);
  await behindTheTokenCache();
}

// ---- Tampering, as someone with write access to the database would

export async function setOwner(id: string, ownerId: string): Promise<void> {
  await query('UPDATE accounts SET owner_id = $2 WHERE id = $1', [id, ownerId]);
  await behindTheTokenCache();
}

export async function setSecretBlob(id: string, blob: Buffer): Promise<void> {
  await query('UPDATE accounts SET secret_enc = $2 WHERE id = $1', [id, blob]);
  await behindTheTokenCache();
}

/** Exchanges the sealed secrets of two rows. */
export async function swapSecretBlobs(a: string, b: string): Promise<void> {
  await query(
    `UPDATE accounts x SET secret_enc = y.secret_enc FROM accounts y
      WHERE (x.id, y.id) IN (($1::uuid, $2::uuid), ($2::uuid, $1::uuid))`,
    [a, b],
  );
  await behindTheTokenCache();
}

/** Points a row at other URLs without re-sealing anything. */
export async function setUrls(id: string, urls: Urls): Promise<void> {
  await query('UPDATE accounts SET api_base_url = $2, identity_base_url = $3 WHERE id = $1', [id, urls.apiBaseUrl, urls.identityBaseUrl]);
  await behindTheTokenCache();
}

export async function expireSession(tokenHash: Buffer): Promise<void> {
  await query(`UPDATE connect_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [tokenHash]);
}

// ---- The simulator's side

/** Exchanges the simulator saw for one client id (successful ones unless `any`). */
export function exchangesFor(sim: SimulatorHandle, clientId: string, opts: { since?: number; any?: boolean } = {}) {
  return sim.counters().tokenLog.filter((e) => e.clientId === clientId && (opts.any || e.status === 200) && e.at >= (opts.since ?? 0));
}

/** The worker's circuit breaker for this identity host is open. */
export const breakerIsOpen = async (host: string) => !!(await withRedis((r) => r.get(`bwc:breaker:${host}:open`)));

/** Forgets the idempotency keys of these scopes. */
/** Ages every connect session and Idempotency-Key past its expiry (as if their time had run out long ago). */
export async function expireAllSessionsAndKeys(): Promise<void> {
  await query(`UPDATE connect_sessions SET expires_at = now() - interval '1 hour'`);
  await query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 hour'`);
}

export async function sessionAndKeyCounts(): Promise<{ sessions: number; keys: number }> {
  const [r] = await query<{ sessions: number; keys: number }>(
    `SELECT (SELECT count(*)::int FROM connect_sessions) AS sessions, (SELECT count(*)::int FROM idempotency_keys) AS keys`,
  );
  return r!;
}

export async function deleteIdempotencyKeys(scopes: string[]): Promise<void> {
  await query('DELETE FROM idempotency_keys WHERE scope = ANY($1)', [scopes]);
}

/** Deletes exactly these Redis keys. */
export async function deleteRedisKeys(keys: string[]): Promise<void> {
  if (keys.length) await withRedis((r) => r.del(...keys));
}

/** Deletes the keys of the test Redis database that match `pattern` (a SCAN pattern). */
export async function deleteRedisKeysMatching(pattern: string): Promise<void> {
  await withRedis(async (r) => {
    const keys = await r.keys(pattern);
    if (keys.length) await r.del(...keys);
  });
}
