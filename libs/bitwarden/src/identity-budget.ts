import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { REDIS_PREFIX, RedisService } from '@app/redis';
import { HostPolicy } from './host-policy';

export type BudgetPriority = 'interactive' | 'background';

export type SlotResult = { ok: true } | { ok: false; waitMs: number };

// One sliding log per (host, rule), kept in Redis so the API and every worker share one budget. Time comes from
// Redis (TIME) so that clocks of different processes cannot disagree. A slot is taken only when every rule has
// room, and then from every rule at once. A paused host (Bitwarden said 429) takes nothing.
// KEYS: pause, log1..logN; ARGV: member, then (windowMs, cap) per rule.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pause = redis.call('PTTL', KEYS[1])
if pause > 0 then return {0, pause} end
local wait = 0
for i = 2, #KEYS do
  local window = tonumber(ARGV[(i - 2) * 2 + 2])
  local cap = tonumber(ARGV[(i - 2) * 2 + 3])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n >= cap then
    local w = window
    if cap > 0 then
      local e = redis.call('ZRANGE', KEYS[i], n - cap, n - cap, 'WITHSCORES')
      w = math.max(1, tonumber(e[2]) + window - now)
    end
    if w > wait then wait = w end
  end
end
if wait > 0 then return {0, wait} end
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[(i - 2) * 2 + 2]))
end
return {1, 0}
`;

/** Background work may not take the last fifth of any window: sync-job and customer demand goes first. */
export function capFor(limit: number, priority: BudgetPriority): number {
  if (priority === 'interactive') return limit;
  const reserve = limit >= 4 ? Math.ceil(limit * 0.2) : limit >= 2 ? 1 : 0;
  return limit - reserve;
}

/** The shared budget of calls towards one Bitwarden host, as its HostPolicy's rules say. */
@Injectable()
export class IdentityBudget {
  constructor(private readonly redis: RedisService) {}

  /** Takes one slot for the host, or says how long to wait for one. */
  async tryAcquire(policy: HostPolicy, priority: BudgetPriority): Promise<SlotResult> {
    const keys = [this.pauseKey(policy.host), ...policy.rules.map((r) => `${REDIS_PREFIX}budget:${policy.host}:${r.windowMs}`)];
    const args = policy.rules.flatMap((r) => [r.windowMs, capFor(r.limit, priority)]);
    const [ok, wait] = (await this.redis.client.eval(ACQUIRE, keys.length, ...keys, `${Date.now()}-${randomUUID()}`, ...args)) as [number, number];
    return ok === 1 ? { ok: true } : { ok: false, waitMs: wait };
  }

  /** Waits (up to maxWaitMs) for a slot; returns the remaining wait when none came in time. */
  async acquire(policy: HostPolicy, priority: BudgetPriority, maxWaitMs: number): Promise<SlotResult> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const r = await this.tryAcquire(policy, priority);
      if (r.ok || Date.now() + r.waitMs > deadline) return r;
      await new Promise((res) => setTimeout(res, Math.min(r.waitMs, 250) + Math.random() * 50));
    }
  }

  /** Bitwarden answered 429: nobody calls that host again until Retry-After has passed. */
  async pause(host: string, seconds: number): Promise<void> {
    await this.redis.client.set(this.pauseKey(host), '1', 'PX', Math.max(1, seconds) * 1000);
  }

  private pauseKey(host: string): string {
    return `${REDIS_PREFIX}pause:${host}`;
  }
}
