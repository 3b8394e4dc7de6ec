import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { REDIS_PREFIX, RedisService } from '@app/redis';
import { randomUUID } from 'node:crypto';

export type BudgetPriority = 'interactive' | 'background';

// A sliding log per identity host, kept in Redis so the API and every worker share one budget. Time comes from
// Redis (TIME) so that clocks of different processes cannot disagree. Background work may not take the last
// `reserve` slots: sync-job demand goes first. A paused host (Bitwarden said 429) takes nothing.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return {0, pause} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < cap then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
if cap <= 0 then return {0, window} end
local e = redis.call('ZRANGE', KEYS[1], n - cap, n - cap, 'WITHSCORES')
return {0, math.max(1, tonumber(e[2]) + window - now)}
`;

/** Bitwarden counts token requests per client IP per minute; one extra second absorbs network jitter. */
const WINDOW_MS = 61_000;

@Injectable()
export class IdentityBudget {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  static hostOf(identityBaseUrl: string): string {
    return new URL(identityBaseUrl).host;
  }

  private cap(priority: BudgetPriority): number {
    const limit = this.config.identityRateLimitPerMinute;
    const reserve = limit >= 4 ? Math.ceil(limit * 0.2) : limit >= 2 ? 1 : 0;
    return priority === 'interactive' ? limit : limit - reserve;
  }

  /** Takes one token-exchange slot for the host, or says how long to wait for one. */
  async tryAcquire(host: string, priority: BudgetPriority): Promise<{ ok: true } | { ok: false; waitMs: number }> {
    const [ok, wait] = (await this.redis.client.eval(
      ACQUIRE,
      2,
      `${REDIS_PREFIX}budget:${host}`,
      `${REDIS_PREFIX}pause:${host}`,
      WINDOW_MS,
      this.cap(priority),
      `${Date.now()}-${randomUUID()}`,
    )) as [number, number];
    return ok === 1 ? { ok: true } : { ok: false, waitMs: wait };
  }

  /** Waits (up to maxWaitMs) for a slot; returns the remaining wait when none came in time. */
  async acquire(host: string, priority: BudgetPriority, maxWaitMs: number): Promise<{ ok: true } | { ok: false; waitMs: number }> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const r = await this.tryAcquire(host, priority);
      if (r.ok || Date.now() + r.waitMs > deadline) return r;
      await new Promise((res) => setTimeout(res, Math.min(r.waitMs, 250) + Math.random() * 50));
    }
  }

  /** Bitwarden answered 429: nobody calls that host again until Retry-After has passed. */
  async pause(host: string, seconds: number): Promise<void> {
    await this.redis.client.set(`${REDIS_PREFIX}pause:${host}`, '1', 'PX', Math.max(1, seconds) * 1000);
  }
}
