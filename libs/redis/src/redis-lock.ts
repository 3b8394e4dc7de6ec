import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { REDIS_PREFIX, RedisService } from './redis.service';
import { LuaScript } from './lua-script';

const RELEASE = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`);
const RENEW = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`);

/**
 * A named lock and how long it lives without its holder: a crashed holder frees it after `ttlMs`. With `renewEveryMs`
 * a live holder keeps extending it, so the TTL can be short (a crash frees the lock soon) while the work takes longer.
 */
export interface LockSpec {
  name: string;
  ttlMs: number;
  renewEveryMs?: number;
}

/**
 * The lock under which one process at a time exchanges a token for an account (API token path, worker renewals,
 * proxy refreshes). Outlives an exchange (OUTBOUND_TIMEOUT_MS) comfortably.
 */
export const tokenLock = (accountId: string): LockSpec => ({ name: `token-${accountId}`, ttlMs: 10_000, renewEveryMs: 3_000 });

/** The lock that serialises credential changes (link onto an existing account, re-link) of one account. */
export const credentialsLock = (accountId: string): LockSpec => ({ name: `credentials-${accountId}`, ttlMs: 10_000, renewEveryMs: 3_000 });

export type LockResult<T> = { acquired: true; value: T } | { acquired: false };

/** A Redis lock (SET NX PX with an owner token, released only by its owner). */
@Injectable()
export class RedisLock {
  constructor(private readonly redis: RedisService) {}

  /** Runs `fn` holding the lock, or returns `{acquired: false}` at once when someone else holds it. */
  async withLock<T>(spec: LockSpec, fn: () => Promise<T>): Promise<LockResult<T>> {
    const key = `${REDIS_PREFIX}lock:${spec.name}`;
    const owner = randomUUID();
    let taken: string | null;
    try {
      taken = await this.redis.client.set(key, owner, 'PX', spec.ttlMs, 'NX');
    } catch (e) {
      // Timed out on our side, but a hung Redis still holds the SET in its socket and runs it once it answers: the
      // release, sent after it on the same connection, then runs right after it, so no lock is left without a holder.
      void RELEASE.run(this.redis.client, [key], [owner]).catch(() => undefined);
      throw e;
    }
    if (taken !== 'OK') return { acquired: false };
    const renewal = spec.renewEveryMs
      ? setInterval(() => void RENEW.run(this.redis.client, [key], [owner, spec.ttlMs]).catch(() => undefined), spec.renewEveryMs)
      : null;
    try {
      return { acquired: true, value: await fn() };
    } finally {
      if (renewal) clearInterval(renewal);
      await RELEASE.run(this.redis.client, [key], [owner]).catch(() => undefined);
    }
  }

  /** Like withLock, but waits up to `waitMs` for a holder to finish before giving up. */
  async withLockWaiting<T>(spec: LockSpec, waitMs: number, fn: () => Promise<T>): Promise<LockResult<T>> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const r = await this.withLock(spec, fn);
      if (r.acquired || Date.now() >= deadline) return r;
      await new Promise((res) => setTimeout(res, 25 + Math.random() * 50));
    }
  }
}
