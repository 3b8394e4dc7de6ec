import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LuaScript, REDIS_PREFIX, RedisService } from '@app/redis';
import { BudgetRule, HostPolicy } from './host-policy';

export type BudgetPriority = 'interactive' | 'background';

export type SlotResult = { ok: true } | { ok: false; waitMs: number };

// The shared budget of one host, kept in Redis so the API and every worker share it, timed by Redis (TIME) so that
// the clocks of different processes cannot disagree. A slot is taken only when every rule has room, and then from
// every rule at once; a paused host (it answered 429) gives none.
// acquire(pauseKey, ruleKeys, member, args), with per rule in args: kind (1 window, 2 gcra), a, b
//   window: a = windowMs, b = cap          (a sorted-set log of the calls in the window)
//   gcra:   a = periodMs, b = tolerance ms (a theoretical arrival time; tolerance = (burst allowed - 1) * period)
// Returns {1, 0} for a slot taken, {0, ms to wait} for none. A function, so that the API budget's one-call fast
// path can run it after its own checks.
export const ACQUIRE_FN = `
local function acquire(pauseKey, ruleKeys, member, args)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local pause = redis.call('PTTL', pauseKey)
  if pause > 0 then return {0, pause} end
  local wait = 0
  local tats = {}
  for i = 1, #ruleKeys do
    local kind = tonumber(args[(i - 1) * 3 + 1])
    local a = tonumber(args[(i - 1) * 3 + 2])
    local b = tonumber(args[(i - 1) * 3 + 3])
    local w = 0
    if kind == 1 then
      redis.call('ZREMRANGEBYSCORE', ruleKeys[i], '-inf', now - a)
      local n = redis.call('ZCARD', ruleKeys[i])
      if n >= b then
        w = a
        if b > 0 then
          local e = redis.call('ZRANGE', ruleKeys[i], n - b, n - b, 'WITHSCORES')
          w = math.max(1, tonumber(e[2]) + a - now)
        end
      end
    else
      local tat = tonumber(redis.call('GET', ruleKeys[i]) or '0')
      if tat < now then tat = now end
      if b < 0 then w = a elseif tat - now > b then w = tat - now - b end
      tats[i] = tat
    end
    if w > wait then wait = w end
  end
  if wait > 0 then return {0, wait} end
  for i = 1, #ruleKeys do
    local kind = tonumber(args[(i - 1) * 3 + 1])
    local a = tonumber(args[(i - 1) * 3 + 2])
    if kind == 1 then
      redis.call('ZADD', ruleKeys[i], now, member)
      redis.call('PEXPIRE', ruleKeys[i], a)
    else
      local next = tats[i] + a
      redis.call('SET', ruleKeys[i], next, 'PX', next - now + a)
    end
  end
  return {1, 0}
end
`;
// KEYS: pause, then one key per rule. ARGV: member, then the rules' args.
const ACQUIRE = new LuaScript(`${ACQUIRE_FN}
return acquire(KEYS[1], {unpack(KEYS, 2)}, ARGV[1], {unpack(ARGV, 2)})`);

/** Background work may not take the last fifth of any rule: links, verifies, tokens and proxied calls go first. */
export function capFor(limit: number, priority: BudgetPriority): number {
  if (priority === 'interactive') return limit;
  const reserve = limit >= 4 ? Math.ceil(limit * 0.2) : limit >= 2 ? 1 : 0;
  return limit - reserve;
}

const ruleKey = (host: string, r: BudgetRule) => `${REDIS_PREFIX}budget:${host}:${r.kind === 'window' ? `w${r.windowMs}` : `g${r.periodMs}`}`;

function ruleArgs(r: BudgetRule, priority: BudgetPriority): Array<string | number> {
  if (r.kind === 'window') return [1, r.windowMs, capFor(r.limit, priority)];
  // A burst of b allows b calls at once: the next arrival may be at most (b - 1) periods ahead of now.
  return [2, r.periodMs, (capFor(r.burst, priority) - 1) * r.periodMs];
}

/** The shared budget of calls towards one Bitwarden host, as its HostPolicy's rules say. */
@Injectable()
export class IdentityBudget {
  constructor(private readonly redis: RedisService) {}

  /** Takes one slot for the host, or says how long to wait for one. */
  async tryAcquire(policy: HostPolicy, priority: BudgetPriority): Promise<SlotResult> {
    const { keys, args } = this.slotCall(policy, priority);
    const [ok, wait] = await ACQUIRE.run<[number, number]>(this.redis.client, keys, args);
    return ok === 1 ? { ok: true } : { ok: false, waitMs: wait };
  }

  /** The keys (pause, then the rules') and arguments (member, then the rules') of `acquire` in ACQUIRE_FN. */
  slotCall(policy: HostPolicy, priority: BudgetPriority): { keys: string[]; args: Array<string | number> } {
    return {
      keys: [this.pauseKey(policy.host), ...policy.rules.map((r) => ruleKey(policy.host, r))],
      args: [`${Date.now()}-${randomUUID()}`, ...policy.rules.flatMap((r) => ruleArgs(r, priority))],
    };
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

  /** Bitwarden answered 429: nobody calls that host again until its Retry-After (or the policy's pause) has passed. */
  async pause(host: string, seconds: number): Promise<void> {
    await this.redis.client.set(this.pauseKey(host), '1', 'PX', Math.max(1, seconds) * 1000);
  }

  /** What operators see of a host's budget: its first rule's limit and use, and how long it stays paused. */
  async usage(policy: HostPolicy): Promise<{ limit: number; usedLastMinute: number; pausedUntil: Date | null }> {
    const first = policy.rules[0];
    const pausedMs = await this.redis.client.pttl(this.pauseKey(policy.host));
    const pausedUntil = pausedMs > 0 ? new Date(Date.now() + pausedMs) : null;
    if (!first) return { limit: 0, usedLastMinute: 0, pausedUntil };
    if (first.kind === 'window') {
      const [t] = await this.redis.client.time();
      const used = await this.redis.client.zcount(ruleKey(policy.host, first), Number(t) * 1000 - 60_000, '+inf');
      return { limit: first.limit, usedLastMinute: used, pausedUntil };
    }
    // GCRA: how far the next arrival runs ahead of now, in periods, is how much of the burst is spent.
    const [t] = await this.redis.client.time();
    const tat = Number((await this.redis.client.get(ruleKey(policy.host, first))) ?? 0);
    const ahead = Math.max(0, tat - Number(t) * 1000);
    return { limit: first.burst, usedLastMinute: Math.min(first.burst, Math.ceil(ahead / first.periodMs)), pausedUntil };
  }

  private pauseKey(host: string): string {
    return `${REDIS_PREFIX}pause:${host}`;
  }
}
