import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { AppConfig } from '@app/config';
import { ACCOUNT_COLUMNS, accountFromRow } from './account-row';
import { AccountEntity, AccountEventEntity, AccountEventType, AccountStatus, Region } from '@app/database';

export interface ListFilter {
  ownerId?: string;
  status?: AccountStatus;
  region?: Region;
  limit: number;
  after?: { createdAt: Date; id: string };
}

export type AccountPatch = Partial<Omit<AccountEntity, 'id' | 'ownerId' | 'createdAt'>>;

/** What the token path needs of an account: read on every sync-job call, so it is kept to these columns. */
export type TokenState = Pick<
  AccountEntity,
  'id' | 'ownerId' | 'status' | 'apiBaseUrl' | 'tokenEnc' | 'tokenExpiresAt' | 'tokenScope' | 'tokenLifetimeSeconds' | 'lastTokenRequestAt' | 'refreshAt'
>;

export const isUniqueViolation = (e: unknown) => e instanceof QueryFailedError && (e as { code?: string }).code === '23505';

/** The only code that reads or writes the accounts and account_events tables. */
@Injectable()
export class AccountsRepository {
  constructor(
    @InjectRepository(AccountEntity) private readonly accounts: Repository<AccountEntity>,
    @InjectRepository(AccountEventEntity) private readonly events: Repository<AccountEventEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async findById(id: string): Promise<AccountEntity | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
    return rows[0] ? accountFromRow(rows[0]) : null;
  }

  /** The token path's read: one indexed row, a fixed column list, no entity hydration. */
  async findTokenState(id: string): Promise<TokenState | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, owner_id, status, api_base_url, token_enc, token_expires_at, token_scope, token_lifetime_seconds,
              last_token_request_at, refresh_at
         FROM accounts WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id as string,
      ownerId: r.owner_id as string,
      status: r.status as TokenState['status'],
      apiBaseUrl: r.api_base_url as string,
      tokenEnc: r.token_enc as Buffer | null,
      tokenExpiresAt: r.token_expires_at as Date | null,
      tokenScope: r.token_scope as string | null,
      tokenLifetimeSeconds: r.token_lifetime_seconds as number | null,
      lastTokenRequestAt: r.last_token_request_at as Date | null,
      refreshAt: r.refresh_at as Date | null,
    };
  }

  findByNaturalKey(ownerId: string, identityBaseUrl: string, organizationId: string): Promise<AccountEntity | null> {
    return this.accounts.findOneBy({ ownerId, identityBaseUrl, organizationId });
  }

  /** Newest first; keyset on (created_at, id) so a page is an index range scan at any depth and stable under inserts. */
  async list(f: ListFilter): Promise<AccountEntity[]> {
    const params: unknown[] = [];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.ownerId !== undefined) where.push(`owner_id = ${bind(f.ownerId)}`);
    if (f.status !== undefined) where.push(`status = ${bind(f.status)}`);
    if (f.region !== undefined) where.push(`region = ${bind(f.region)}`);
    if (f.after) where.push(`(created_at, id) < (${bind(f.after.createdAt)}, ${bind(f.after.id)})`);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${bind(f.limit)}`,
      params,
    );
    return rows.map(accountFromRow);
  }

  /** Inserts the account and its first history event in one transaction. Throws a unique violation on a duplicate. */
  async insert(account: AccountEntity): Promise<AccountEntity> {
    return this.dataSource.transaction(async (m) => {
      await m.insert(AccountEntity, account);
      await this.recordEvent(m, account, 'account.linked', null, account.status, null);
      return (await m.findOneByOrFail(AccountEntity, { id: account.id })) as AccountEntity;
    });
  }

  /**
   * Applies a patch, writing a history event when the status changes. With `expectedCredentialsVersion` it is a
   * compare-and-set: it returns null (writing nothing) when the credentials were swapped in the meantime.
   */
  async update(
    id: string,
    patch: AccountPatch,
    opts: { expectedCredentialsVersion?: number; relinked?: boolean } = {},
  ): Promise<AccountEntity | null> {
    // Fast path for the common write (a check or renewal that leaves the status as it was): one conditional
    // UPDATE, no lock, no history row. Anything else (a status change, a re-link, a lost CAS) takes the
    // transaction below, which decides with the row locked.
    if (patch.status !== undefined && !opts.relinked) {
      const qb = this.accounts
        .createQueryBuilder()
        .update(AccountEntity)
        .set({ ...patch, updatedAt: new Date() })
        .where('id = :id', { id })
        .andWhere('status = :status', { status: patch.status });
      if (opts.expectedCredentialsVersion !== undefined) qb.andWhere('credentials_version = :v', { v: opts.expectedCredentialsVersion });
      if ((await qb.execute()).affected === 1) return this.findById(id);
    }
    return this.dataSource.transaction(async (m) => {
      const current = await m
        .createQueryBuilder(AccountEntity, 'a')
        .setLock('pessimistic_write')
        .where('a.id = :id', { id })
        .getOne();
      if (!current) return null;
      if (opts.expectedCredentialsVersion !== undefined && current.credentialsVersion !== opts.expectedCredentialsVersion) return null;
      await m.update(AccountEntity, { id }, { ...patch, updatedAt: new Date() });
      if (opts.relinked) await this.recordEvent(m, current, 'account.relinked', current.status, patch.status ?? current.status, null);
      if (patch.status && patch.status !== current.status) {
        await this.recordEvent(m, current, 'account.status_changed', current.status, patch.status, patch.statusReason ?? null);
      }
      return m.findOneBy(AccountEntity, { id });
    });
  }

  /** Writes scheduling columns only (no history, no updated_at): the worker's bookkeeping. */
  async reschedule(id: string, patch: Pick<AccountPatch, 'nextCheckAt' | 'refreshAt' | 'lastTokenRequestAt'>): Promise<void> {
    await this.accounts.update({ id }, patch);
  }

  async delete(id: string): Promise<AccountEntity | null> {
    return this.dataSource.transaction(async (m) => {
      const current = await m.findOneBy(AccountEntity, { id });
      if (!current) return null;
      await m.delete(AccountEntity, { id });
      await this.recordEvent(m, current, 'account.deleted', current.status, 'deleted', null);
      return current;
    });
  }

  history(accountId: string): Promise<AccountEventEntity[]> {
    return this.events.find({ where: { accountId }, order: { id: 'ASC' } });
  }

  /**
   * Claims up to `limit` accounts whose check is due and leases them until `leaseUntil`, so that a lost job
   * (Redis flush, crash) is simply claimed again once the lease runs out. SKIP LOCKED lets several sweepers run.
   */
  async claimDueChecks(now: Date, leaseUntil: Date, limit: number): Promise<Array<{ id: string; identityBaseUrl: string }>> {
    const rows: Array<{ id: string; identity_base_url: string }> = await this.dataSource.query(
      `UPDATE accounts SET next_check_at = $2
         WHERE id IN (SELECT id FROM accounts WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id, identity_base_url`,
      [now, leaseUntil, limit],
    ).then((r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as Array<{ id: string; identity_base_url: string }>);
    return rows.map((r) => ({ id: r.id, identityBaseUrl: r.identity_base_url }));
  }

  /** Same lease pattern for token renewals of accounts in active use. */
  async claimDueRefreshes(now: Date, leaseUntil: Date, limit: number): Promise<Array<{ id: string }>> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `UPDATE accounts SET refresh_at = $2
         WHERE id IN (SELECT id FROM accounts WHERE refresh_at <= $1 ORDER BY refresh_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [now, leaseUntil, limit],
    ).then((r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as Array<{ id: string }>);
    return rows;
  }

  /**
   * The history row doubles as the webhook outbox entry: written in the same transaction as the change it
   * describes, so no event is lost or invented. `seq` counts per account (the row lock serialises writers).
   */
  private async recordEvent(m: EntityManager, a: AccountEntity, type: AccountEventType, from: string | null, to: string, reason: string | null): Promise<void> {
    await m.query(
      `INSERT INTO account_events (account_id, owner_id, type, seq, from_status, to_status, reason, next_delivery_at)
       VALUES ($1, $2, $3, (SELECT coalesce(max(seq), 0) + 1 FROM account_events WHERE account_id = $1), $4, $5, $6,
               CASE WHEN $7::boolean THEN now() END)`,
      [a.id, a.ownerId, type, from, to, reason, !!this.config.webhookUrl],
    );
  }
}
