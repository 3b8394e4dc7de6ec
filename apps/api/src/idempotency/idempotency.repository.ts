import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '@app/accounts';

export interface StoredKey {
  requestHash: string;
  statusCode: number | null;
  responseBody: unknown;
  /** The connect session whose request holds the claim or made the answer; null for a service key. */
  sessionId: string | null;
  expiresAt: Date;
}

const affected = (r: unknown): number => (Array.isArray(r) && typeof r[1] === 'number' ? r[1] : 0);

/**
 * The only code that touches idempotency_keys. A row is an in-flight claim (no status yet, `expires_at` is its
 * lease) or a finished response (`expires_at` is when it is forgotten).
 */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Claims the key for this request (of `sessionId`, null for a service key) with a lease; false when a row already exists. */
  async claim(scope: string, requestHash: string, leaseUntil: Date, sessionId: string | null = null): Promise<boolean> {
    try {
      await this.ds.query(`INSERT INTO idempotency_keys (scope, request_hash, expires_at, session_id) VALUES ($1, $2, $3, $4)`, [
        scope,
        requestHash,
        leaseUntil,
        sessionId,
      ]);
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async find(scope: string): Promise<StoredKey | null> {
    const [r]: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT request_hash, status_code, response_body, session_id, expires_at FROM idempotency_keys WHERE scope = $1`,
      [scope],
    );
    return r
      ? {
          requestHash: r.request_hash as string,
          statusCode: r.status_code as number | null,
          responseBody: r.response_body,
          sessionId: (r.session_id as string | null) ?? null,
          expiresAt: r.expires_at as Date,
        }
      : null;
  }

  /** Takes over an in-flight claim whose lease ran out (its holder died), compare-and-set on that lease. */
  async takeOver(scope: string, expiredLease: Date, leaseUntil: Date, sessionId: string | null = null): Promise<boolean> {
    const r = await this.ds.query(
      `UPDATE idempotency_keys SET expires_at = $3, session_id = $4 WHERE scope = $1 AND status_code IS NULL AND expires_at = $2`,
      [scope, expiredLease, leaseUntil, sessionId],
    );
    return affected(r) === 1;
  }

  /** Extends the lease of a claim that is still running. */
  async renew(scope: string, leaseUntil: Date): Promise<void> {
    await this.ds.query(`UPDATE idempotency_keys SET expires_at = $2 WHERE scope = $1 AND status_code IS NULL`, [scope, leaseUntil]);
  }

  async complete(scope: string, statusCode: number, responseBody: unknown, keepUntil: Date): Promise<void> {
    await this.ds.query(`UPDATE idempotency_keys SET status_code = $2, response_body = $3, expires_at = $4 WHERE scope = $1`, [
      scope,
      statusCode,
      JSON.stringify(responseBody),
      keepUntil,
    ]);
  }

  async release(scope: string): Promise<void> {
    await this.ds.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND status_code IS NULL`, [scope]);
  }

  /** Forgets one key whose time is up (a finished response older than 24 h). */
  async forgetIfExpired(scope: string): Promise<void> {
    await this.ds.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND expires_at < now()`, [scope]);
  }

  /** Forgets finished responses past their 24 h and abandoned claims, at most `limit` rows per call (index on expires_at). */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    const r = await this.ds.query(
      `DELETE FROM idempotency_keys WHERE scope IN (SELECT scope FROM idempotency_keys WHERE expires_at < $1 LIMIT $2)`,
      [now, limit],
    );
    return affected(r);
  }
}
