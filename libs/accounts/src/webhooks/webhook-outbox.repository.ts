import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface OutboxEvent {
  id: string;
  accountId: string;
  ownerId: string;
  type: string;
  seq: number;
  fromStatus: string | null;
  toStatus: string;
  reason: string | null;
  at: Date;
  deliveryAttempts: number;
}

/** The webhook outbox is account_events itself: rows with next_delivery_at set and not yet delivered. */
@Injectable()
export class WebhookOutboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Leases due events (pushes next_delivery_at out) so a crashed relay's events come back on their own. */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<OutboxEvent[]> {
    const [rows] = (await this.ds.query(
      `UPDATE account_events SET next_delivery_at = $2
         WHERE id IN (SELECT id FROM account_events WHERE delivered_at IS NULL AND next_delivery_at <= $1
                      ORDER BY next_delivery_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id, account_id, owner_id, type, seq, from_status, to_status, reason, at, delivery_attempts`,
      [now, leaseUntil, limit],
    )) as [Array<Record<string, unknown>>, number];
    return rows
      .map((r) => ({
        id: String(r.id),
        accountId: r.account_id as string,
        ownerId: r.owner_id as string,
        type: r.type as string,
        seq: r.seq as number,
        fromStatus: r.from_status as string | null,
        toStatus: r.to_status as string,
        reason: r.reason as string | null,
        at: r.at as Date,
        deliveryAttempts: r.delivery_attempts as number,
      }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async delivered(id: string): Promise<void> {
    await this.ds.query(`UPDATE account_events SET delivered_at = now(), delivery_attempts = delivery_attempts + 1 WHERE id = $1`, [id]);
  }

  async failed(id: string, nextAt: Date): Promise<void> {
    await this.ds.query(`UPDATE account_events SET delivery_attempts = delivery_attempts + 1, next_delivery_at = $2 WHERE id = $1`, [id, nextAt]);
  }
}
