import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { AccountStatus, Region } from '@app/common';
import { AccountEntity, inTransaction } from '@app/database';
import { keepSuspended, suspendedState, VISIBLE_FIELDS } from '../account-rules';
import { AccountMetrics } from '../account.metrics';
import { ACCOUNT_COLUMNS, accountFromRow } from './account-row';
import { AccountEventsRepository, NewEvent } from './account-events.repository';
import { TokenCacheService } from '../token-cache.service';

export interface ListFilter {
  ownerId?: string;
  status?: AccountStatus;
  region?: Region;
  flavor?: 'bitwarden' | 'vaultwarden';
  organizationId?: string;
  limit: number;
  after?: { createdAt: Date; id: string };
}

export type AccountPatch = Partial<Omit<AccountEntity, 'id' | 'ownerId' | 'createdAt' | 'createdBySessionId'>>;

/** What the token path needs of an account: read on every sync-job call, so it is kept to these columns. */
export type TokenState = Pick<
  AccountEntity,
  'id' | 'ownerId' | 'status' | 'apiBaseUrl' | 'tokenEnc' | 'tokenExpiresAt' | 'tokenScope' | 'tokenLifetimeSeconds' | 'lastTokenRequestAt' | 'refreshAt'
>;

/** Whether account events are queued for webhook delivery (WEBHOOK_URL set); decided by the module that builds this. */
export const DELIVER_EVENTS = Symbol('DELIVER_EVENTS');

export const isUniqueViolation = (e: unknown) => e instanceof QueryFailedError && (e as { code?: string }).code === '23505';

type Row = Record<string, unknown>;

/**
 * Besides the status, the columns of TokenState whose change can make a cached token state wrong (the schedule
 * columns cannot; key rotation re-seals the same token, so it cannot either).
 */
const TOKEN_FIELDS = ['apiBaseUrl', 'tokenEnc', 'tokenExpiresAt', 'tokenScope', 'tokenLifetimeSeconds'] as const;
const touchesToken = (p: AccountPatch) => TOKEN_FIELDS.some((f) => f in p);
/** pg returns [rows, rowCount] for UPDATE … RETURNING through TypeORM's query(); plain rows for SELECT. */
const rowsOf = (r: unknown): Row[] => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as Row[];

/**
 * The only code that reads or writes the accounts table (key rotation's repository is the second writer, of the
 * blob columns only, by compare-and-set). Every read goes through ACCOUNT_COLUMNS and accountFromRow; every write
 * returns the row through the same path. Status changes append their event in the same transaction.
 */
@Injectable()
export class AccountsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly events: AccountEventsRepository,
    private readonly metrics: AccountMetrics,
    @Inject(DELIVER_EVENTS) private readonly deliverEvents: boolean,
    private readonly tokenCache: TokenCacheService,
  ) {}

  async findById(id: string, m: EntityManager = this.ds.manager): Promise<AccountEntity | null> {
    const rows: Row[] = await m.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
    return rows[0] ? accountFromRow(rows[0]) : null;
  }

  /** The token path's read: one indexed row, a fixed column list, no entity hydration. */
  async findTokenState(id: string): Promise<TokenState | null> {
    const rows: Row[] = await this.ds.query(
      `SELECT id, owner_id, status, api_base_url, token_enc, token_expires_at, token_scope, token_lifetime_seconds,
              last_token_request_at, refresh_at
         FROM accounts WHERE id = $1`,
      [id],
    );
    return rows[0] ? accountFromRow(rows[0]) : null;
  }

  async findByNaturalKey(ownerId: string, identityBaseUrl: string, organizationId: string): Promise<AccountEntity | null> {
    const rows: Row[] = await this.ds.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE owner_id = $1 AND identity_base_url = $2 AND organization_id = $3`,
      [ownerId, identityBaseUrl, organizationId],
    );
    return rows[0] ? accountFromRow(rows[0]) : null;
  }

  /** Newest first; keyset on (created_at, id) so a page is an index range scan at any depth and stable under inserts. */
  async list(f: ListFilter): Promise<AccountEntity[]> {
    const params: unknown[] = [];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.ownerId !== undefined) where.push(`owner_id = ${bind(f.ownerId)}`);
    if (f.status !== undefined) where.push(`status = ${bind(f.status)}`);
    if (f.region !== undefined) where.push(`region = ${bind(f.region)}`);
    if (f.flavor !== undefined) where.push(`server_flavor = ${bind(f.flavor)}`);
    if (f.organizationId !== undefined) where.push(`organization_id = ${bind(f.organizationId)}`);
    if (f.after) where.push(`(created_at, id) < (${bind(f.after.createdAt)}, ${bind(f.after.id)})`);
    const rows: Row[] = await this.ds.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${bind(f.limit)}`,
      params,
    );
    return rows.map(accountFromRow);
  }

  /** Every identity base URL that has accounts, with the server flavor its accounts report (null when none knows). */
  async identityHosts(): Promise<Array<{ identityBaseUrl: string; flavor: 'bitwarden' | 'vaultwarden' | null }>> {
    const rows: Row[] = await this.ds.query(
      `SELECT identity_base_url, max(server_flavor) AS flavor FROM accounts GROUP BY identity_base_url ORDER BY identity_base_url`,
    );
    return rows.map((r) => ({ identityBaseUrl: r.identity_base_url as string, flavor: (r.flavor as 'bitwarden' | 'vaultwarden' | null) ?? null }));
  }

  /** Inserts the account and its `linked` event in one transaction. Throws a unique violation on a duplicate. */
  async insert(account: AccountEntity): Promise<AccountEntity> {
    return inTransaction(this.ds, async (m) => {
      await m.insert(AccountEntity, account);
      await this.append(m, account, { type: 'account.linked', from: null, to: account.status, reason: null });
      return (await this.findById(account.id, m)) as AccountEntity;
    });
  }

  /**
   * Applies a patch, writing one history event when the status changes (a re-link or a resume is that one event,
   * never followed by a status_changed). With `expectedCredentialsVersion` it is a compare-and-set: it returns null
   * (writing nothing) when the credentials were swapped in the meantime. A suspended account keeps its status,
   * schedule and (absent) token unless `resume` is set. updated_at moves only when a visible field changes value.
   */
  async update(
    id: string,
    patch: AccountPatch,
    opts: { expectedCredentialsVersion?: number; relinked?: boolean; resume?: boolean } = {},
  ): Promise<AccountEntity | null> {
    // Fast path for the common write (a check or renewal that leaves the status as it was): one conditional
    // UPDATE, no lock, no history row. Anything else (a status change, a re-link, a resume, a lost CAS, a
    // suspended row) takes the transaction below, which decides with the row locked.
    if (patch.status !== undefined && !opts.relinked && !opts.resume) {
      const qb = this.patchQuery(this.ds.manager, id, patch).andWhere('status = :status', { status: patch.status }).returning(ACCOUNT_COLUMNS);
      if (opts.expectedCredentialsVersion !== undefined) qb.andWhere('credentials_version = :v', { v: opts.expectedCredentialsVersion });
      const written = await qb.execute();
      if (written.affected === 1) {
        // The status stayed what it was: only a new or cleared token matters to the token caches.
        if (touchesToken(patch)) await this.tokenCache.invalidate(id);
        return accountFromRow((written.raw as Row[])[0] as Row);
      }
    }
    let changed = false;
    const updated = await inTransaction(this.ds, async (m) => {
      const [row] = rowsOf(await m.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE`, [id]));
      if (!row) return null;
      const current = accountFromRow(row);
      if (opts.expectedCredentialsVersion !== undefined && current.credentialsVersion !== opts.expectedCredentialsVersion) return null;
      const resuming = current.status === 'suspended' && !!opts.resume;
      const write: AccountPatch = resuming ? { ...patch, suspendedAt: null } : current.status === 'suspended' ? keepSuspended(patch) : patch;
      if (Object.keys(write).length) await this.patchQuery(m, id, write).execute();
      const to = write.status ?? current.status;
      if (opts.relinked) await this.append(m, current, { type: 'account.relinked', from: current.status, to, reason: write.statusReason ?? null });
      else if (resuming) await this.append(m, current, { type: 'account.resumed', from: current.status, to, reason: write.statusReason ?? null });
      else if (to !== current.status) await this.append(m, current, { type: 'account.status_changed', from: current.status, to, reason: write.statusReason ?? null });
      if (to !== current.status) this.metrics.statusChanges.inc({ from: current.status, to });
      changed = to !== current.status || touchesToken(write) || !!opts.relinked || resuming;
      return this.findById(id, m);
    });
    // After the commit, so that whoever re-reads on hearing it reads the new row.
    if (changed) await this.tokenCache.invalidate(id);
    return updated;
  }

  /**
   * Suspends the account: status suspended, token destroyed, nothing due. Idempotent: an account already suspended
   * is returned as it is, with no second event. Null when there is no such account.
   */
  async suspend(id: string, now: Date): Promise<AccountEntity | null> {
    const suspended = await inTransaction(this.ds, async (m) => {
      const [row] = rowsOf(await m.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE`, [id]));
      if (!row) return null;
      const current = accountFromRow(row);
      if (current.status === 'suspended') return current;
      await this.patchQuery(m, id, suspendedState(now)).execute();
      await this.append(m, current, { type: 'account.suspended', from: current.status, to: 'suspended', reason: null });
      this.metrics.statusChanges.inc({ from: current.status, to: 'suspended' });
      return this.findById(id, m);
    });
    if (suspended) await this.tokenCache.invalidate(id);
    return suspended;
  }

  /** An UPDATE of `patch` whose updated_at moves only if one of the visible fields it sets takes a new value. */
  private patchQuery(m: EntityManager, id: string, patch: AccountPatch) {
    const meta = this.ds.getMetadata(AccountEntity);
    const changed: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const field of VISIBLE_FIELDS) {
      if (!(field in patch)) continue;
      const column = meta.findColumnWithPropertyName(field)?.databaseName as string;
      const value = (patch as Record<string, unknown>)[field];
      params[`vis_${field}`] = field === 'lastError' && value !== null ? JSON.stringify(value) : value;
      changed.push(field === 'lastError' ? `${column} IS DISTINCT FROM CAST(:vis_${field} AS jsonb)` : `${column} IS DISTINCT FROM :vis_${field}`);
    }
    const set: Record<string, unknown> = { ...patch };
    if (changed.length) set.updatedAt = () => `CASE WHEN ${changed.join(' OR ')} THEN now() ELSE updated_at END`;
    return m.createQueryBuilder().update(AccountEntity).set(set).where('id = :id').setParameters(params);
  }

  /** Writes scheduling columns only (no history, no updated_at): the worker's bookkeeping. A suspended account has no schedule. */
  async reschedule(id: string, patch: Pick<AccountPatch, 'nextCheckAt' | 'refreshAt' | 'lastTokenRequestAt'>): Promise<void> {
    await this.ds.createQueryBuilder().update(AccountEntity).set(patch).where('id = :id', { id }).andWhere(`status <> 'suspended'`).execute();
  }

  /** The ids of every account of an owner (offboarding). */
  async idsOfOwner(ownerId: string): Promise<string[]> {
    const rows: Row[] = await this.ds.query(`SELECT id FROM accounts WHERE owner_id = $1`, [ownerId]);
    return rows.map((r) => r.id as string);
  }

  /** Deletes the row (secret and cached token go with it) and records `deleted`; the history stays. */
  async delete(id: string): Promise<AccountEntity | null> {
    const gone = await inTransaction(this.ds, async (m) => {
      const [row] = rowsOf(await m.query(`DELETE FROM accounts WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`, [id]));
      if (!row) return null;
      const gone = accountFromRow(row);
      await this.append(m, gone, { type: 'account.deleted', from: gone.status, to: 'deleted', reason: null });
      return gone;
    });
    if (gone) await this.tokenCache.invalidate(id);
    return gone;
  }

  /**
   * Claims up to `limit` accounts whose check is due and leases them until `leaseUntil`, so that a lost job
   * (Redis flush, crash) is simply claimed again once the lease runs out. The lease is kept beside next_check_at (which
   * keeps saying when the check was due, for the lag) and holds only for the due time it was taken for. SKIP LOCKED lets
   * several sweepers run.
   */
  async claimDueChecks(now: Date, leaseUntil: Date, limit: number): Promise<Array<{ id: string; identityBaseUrl: string }>> {
    const rows = rowsOf(
      await this.ds.query(
        `UPDATE accounts SET check_lease_until = $2, check_leased_due = next_check_at
           WHERE id IN (SELECT id FROM accounts
                         WHERE next_check_at <= $1
                           AND (check_lease_until IS NULL OR check_lease_until <= $1 OR check_leased_due IS DISTINCT FROM next_check_at)
                         ORDER BY next_check_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, identity_base_url`,
        [now, leaseUntil, limit],
      ),
    );
    return rows.map((r) => ({ id: r.id as string, identityBaseUrl: r.identity_base_url as string }));
  }

  /** Same lease pattern for token renewals of accounts in active use. */
  async claimDueRefreshes(now: Date, leaseUntil: Date, limit: number): Promise<Array<{ id: string }>> {
    const rows = rowsOf(
      await this.ds.query(
        `UPDATE accounts SET refresh_at = $2
           WHERE id IN (SELECT id FROM accounts WHERE refresh_at <= $1 ORDER BY refresh_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [now, leaseUntil, limit],
      ),
    );
    return rows.map((r) => ({ id: r.id as string }));
  }

  /**
   * Seconds since the oldest overdue background check was due (0 when none is): how far the promise of
   * ACCOUNT_CHECK_INTERVAL_SECONDS is behind. By the database's clock; one step of the next_check_at index.
   */
  async checkLagSeconds(): Promise<number> {
    const rows: Row[] = await this.ds.query(
      `SELECT coalesce(extract(epoch FROM now() - min(next_check_at)), 0)::float8 AS lag FROM accounts WHERE next_check_at < now()`,
    );
    return Number(rows[0]?.lag ?? 0);
  }

  /** How many accounts have each status (for the operators' gauge; a scan of the table, so sampled rarely). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows: Row[] = await this.ds.query(`SELECT status, count(*)::int AS n FROM accounts GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status as string, r.n as number]));
  }

  /**
   * Brings every scheduled check to at most one interval after the account's last check (its creation if never
   * checked), so a lowered ACCOUNT_CHECK_INTERVAL_SECONDS holds for accounts scheduled under the old one. Suspended
   * accounts have no schedule and keep none. Returns how many were moved.
   */
  async clampChecks(intervalSeconds: number): Promise<number> {
    const r = await this.ds.query(
      `UPDATE accounts SET next_check_at = coalesce(last_checked_at, created_at) + make_interval(secs => $1)
        WHERE next_check_at > coalesce(last_checked_at, created_at) + make_interval(secs => $1) AND status <> 'suspended'`,
      [intervalSeconds],
    );
    return Array.isArray(r) && typeof r[1] === 'number' ? r[1] : 0;
  }

  private append(m: EntityManager, a: Pick<AccountEntity, 'id' | 'ownerId'>, e: Omit<NewEvent, 'accountId' | 'ownerId'>): Promise<void> {
    return this.events.append(m, { accountId: a.id, ownerId: a.ownerId, ...e }, this.deliverEvents);
  }
}
