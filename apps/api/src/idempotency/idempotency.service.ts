import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppError } from '@app/common';
import { IdempotencyRepository } from './idempotency.repository';

export interface StoredResponse<T> {
  status: number;
  body: T;
}

/** A remembered answer as a repeat finds it: with the connect session whose request made it (null: a service key). */
export interface RememberedResponse<T> extends StoredResponse<T> {
  sessionId: string | null;
}

export interface RunOptions<T> {
  /** The connect session making this request, stored with its claim and answer; null (default) for a service key. */
  sessionId?: string | null;
  /**
   * Whether a remembered answer may be given to this caller. When not, the request runs as if no key had matched:
   * nothing is claimed, stored or changed, and its own answer goes to the caller only.
   */
  mayReplay?: (stored: RememberedResponse<T>) => Promise<boolean>;
}

/** How long a response is remembered. */
const KEEP_MS = 24 * 3600 * 1000;
/** An in-flight claim lives this long unless its request renews it: a crashed process frees its key this soon. */
export const LEASE_MS = 10_000;
const RENEW_EVERY_MS = 3_000;
/** A repeat waits this long for the first request to finish before answering 503. */
const WAIT_MS = 30_000;

/** Answers that may pass are not final: validation (nothing ran), credentials, and this service's own rate limit. */
const NOT_FINAL_4XX = new Set([400, 401, 403, 429]);

/**
 * Is this answer final, and so remembered for its key? Every 2xx, and every 4xx but 400, 401, 403 and 429 (a
 * rejected secret, a refusal, a conflict: the same request would get the same answer). A 5xx is transient.
 */
export const isFinalStatus = (status: number): boolean =>
  (status >= 200 && status < 300) || (status >= 400 && status < 500 && !NOT_FINAL_4XX.has(status));

/** A stable fingerprint of a JSON body (keys sorted), so the same body in another key order still matches. */
export function fingerprint(parts: unknown[]): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(parts.map(canon))).digest('hex');
}

/**
 * Idempotency-Key handling: the first request with a key runs, later ones with the same key and body get its
 * response (waiting while it is still running, so a double submit makes one upstream exchange), and the same key
 * with another body is 422. Final answers are remembered for 24 h, failures included (see isFinalStatus); a
 * transient one (a thrown error, a 5xx, a 429) releases the key, so a retry runs again. A running request holds its
 * key by a short lease that it renews; if its process dies, the lease runs out and a retry runs the request itself.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly repo: IdempotencyRepository) {}

  async run<T>(scope: string, requestHash: string, fn: () => Promise<StoredResponse<T>>, opts: RunOptions<T> = {}): Promise<StoredResponse<T>> {
    const sessionId = opts.sessionId ?? null;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (await this.repo.claim(scope, requestHash, this.lease(), sessionId)) break;
      const existing = await this.repo.find(scope);
      if (!existing) continue; // released between our insert and read: claim again
      if (existing.requestHash !== requestHash) {
        throw new AppError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
      }
      if (existing.statusCode !== null) {
        if (existing.expiresAt.getTime() >= Date.now()) {
          const stored = { status: existing.statusCode, body: existing.responseBody as T, sessionId: existing.sessionId };
          if (!opts.mayReplay || (await opts.mayReplay(stored))) return { status: stored.status, body: stored.body };
          return fn(); // not this caller's to see: judged afresh, the remembered answer stays as it is
        }
        await this.repo.forgetIfExpired(scope);
        continue;
      }
      if (existing.expiresAt.getTime() < Date.now() && (await this.repo.takeOver(scope, existing.expiresAt, this.lease(), sessionId))) break;
      if (Date.now() > deadline) throw new AppError('unavailable', 'The first request with this Idempotency-Key is still running. Try again shortly.');
      await new Promise((r) => setTimeout(r, 100));
    }
    const renewal = setInterval(() => void this.repo.renew(scope, this.lease()).catch(() => undefined), RENEW_EVERY_MS);
    try {
      const res = await fn();
      if (isFinalStatus(res.status)) await this.repo.complete(scope, res.status, res.body, new Date(Date.now() + KEEP_MS));
      else await this.repo.release(scope).catch(() => undefined);
      return res;
    } catch (e) {
      await this.repo.release(scope).catch(() => undefined);
      throw e;
    } finally {
      clearInterval(renewal);
    }
  }

  private lease(): Date {
    return new Date(Date.now() + LEASE_MS);
  }
}
