import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AccountEventType } from '@app/database';

/** One row of an account's history; also the webhook outbox entry for it. */
export interface AccountEvent {
  id: string;
  accountId: string;
  ownerId: string;
  type: AccountEventType;
  seq: number;
  fromStatus: string | null;
  toStatus: string;
  reason: string | null;
  at: Date;
  deliveryAttempts: number;
}

export interface NewEvent {
  accountId: string;
  ownerId: string;
  type: AccountEventType;
  from: string | null;
  to: string;
  reason: string | null;
}

const COLUMNS = 'id, account_id, owner_id, type, seq, from_status, to_status, reason, at, delivery_attempts';

const fromRow = (r: Record<string, unknown>): AccountEvent => ({
  id: String(r.id),
  accountId: r.account_id as string,
  ownerId: r.owner_id as string,
  type: r.type as AccountEventType,
  seq: r.seq as number,
  fromStatus: r.from_status as string | null,
  toStatus: r.to_status as string,
  reason: r.reason as string | null,
  at: r.at as Date,
  deliveryAttempts: r.delivery_attempts as number,
});

/**
 * The only code that touches account_events: the history of each account and, with next_delivery_at set, the
 * webhook outbox. Events are appended inside the transaction of the change they describe, so none is lost or invented.
 */
@Injectable()
export class AccountEventsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Appends an event in the caller's transaction; `deliver` queues it for webhook delivery. `seq` counts per account (the account's row lock serialises writers). */
  async append(m: EntityManager, e: NewEvent, deliver: boolean): Promise<void> {
    await m.query(
      `INSERT INTO account_events (account_id, owner_id, type, seq, from_status, to_status, reason, next_delivery_at)
       VALUES ($1, $2, $3, (SELECT coalesce(max(seq), 0) + 1 FROM account_events WHERE account_id = $1), $4, $5, $6,
               CASE WHEN $7::boolean THEN now() END)`,
      [e.accountId, e.ownerId, e.type, e.from, e.to, e.reason, deliver],
    );
  }

  /** An account's events, oldest first. */
  async history(accountId: string): Promise<AccountEvent[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(`SELECT ${COLUMNS} FROM account_events WHERE account_id = $1 ORDER BY id`, [accountId]);
    return rows.map(fromRow);
  }

  /**
   * One page of an account's served history, newest first: ids below `beforeId` (the cursor), `deleted` left out
   * (an account that has it is gone and its history is no longer served).
   */
  async page(accountId: string, limit: number, beforeId?: string): Promise<AccountEvent[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT ${COLUMNS} FROM account_events
        WHERE account_id = $1 AND type <> 'account.deleted' AND ($2::bigint IS NULL OR id < $2::bigint)
        ORDER BY id DESC LIMIT $3`,
      [accountId, beforeId ?? null, limit],
    );
    return rows.map(fromRow);
  }

  /**
   * Deletes up to `limit` events of one owner (offboarding); the caller repeats until fewer come back. Events whose
   * webhook is still to be delivered stay, marked to go once delivered (markDelivered): see markOwnerForPurge.
   */
  async deleteForOwner(ownerId: string, limit: number): Promise<number> {
    return this.deleted(
      await this.ds.query(
        `DELETE FROM account_events WHERE id IN (SELECT id FROM account_events
            WHERE owner_id = $1 AND (delivered_at IS NOT NULL OR next_delivery_at IS NULL) LIMIT $2)`,
        [ownerId, limit],
      ),
    );
  }

  /** Marks the owner's events left by deleteForOwner (webhook pending) to be deleted once delivered. */
  async markOwnerForPurge(ownerId: string): Promise<void> {
    await this.ds.query(`UPDATE account_events SET purge_on_delivery = true WHERE owner_id = $1 AND delivered_at IS NULL`, [ownerId]);
  }

  /** Deletes up to `limit` events recorded before `before` (retention; index on at). */
  async deleteOlderThan(before: Date, limit: number): Promise<number> {
    return this.deleted(
      await this.ds.query(`DELETE FROM account_events WHERE id IN (SELECT id FROM account_events WHERE at < $1 ORDER BY at LIMIT $2)`, [before, limit]),
    );
  }

  /** pg returns [rows, rowCount] for DELETE through TypeORM's query(). */
  private deleted(r: unknown): number {
    return Array.isArray(r) && typeof r[1] === 'number' ? r[1] : 0;
  }

  /** Leases due undelivered events (pushes next_delivery_at out) so a crashed relay's events come back on their own. */
  async claimForDelivery(now: Date, leaseUntil: Date, limit: number): Promise<AccountEvent[]> {
    const [rows] = (await this.ds.query(
      `UPDATE account_events SET next_delivery_at = $2
         WHERE id IN (SELECT id FROM account_events WHERE delivered_at IS NULL AND next_delivery_at <= $1
                      ORDER BY next_delivery_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [now, leaseUntil, limit],
    )) as [Array<Record<string, unknown>>, number];
    return rows.map(fromRow).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Undelivered events whose delivery is due now (the webhook backlog); counted on the partial undelivered index. */
  async dueUndelivered(): Promise<number> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT count(*)::int AS n FROM account_events WHERE delivered_at IS NULL AND next_delivery_at <= now()`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Delivered: recorded, or, for an offboarded owner's event, deleted at last. */
  async markDelivered(id: string): Promise<void> {
    await this.ds.query(
      `WITH purged AS (DELETE FROM account_events WHERE id = $1 AND purge_on_delivery RETURNING id)
       UPDATE account_events SET delivered_at = now(), delivery_attempts = delivery_attempts + 1
        WHERE id = $1 AND NOT purge_on_delivery`,
      [id],
    );
  }

  async markFailed(id: string, nextAt: Date): Promise<void> {
    await this.ds.query(`UPDATE account_events SET delivery_attempts = delivery_attempts + 1, next_delivery_at = $2 WHERE id = $1`, [id, nextAt]);
  }
}
