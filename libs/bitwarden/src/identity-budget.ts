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
  -- A pause and the rules together: the wait a caller is told is the longer of the two, so that it holds.
  local wait = 0
  if pause > 0 then wait = pause end
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

// KEYS: window rule keys. ARGV: member, then each key's windowMs. Stamps the member's entries with the time now.
const SETTLE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[i + 1]))
end
return 1`);

// KEYS: pause. ARGV: ms. Sets the pause unless a longer one is already running.
const PAUSE = new LuaScript(`
if redis.call('PTTL', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[1]))
return 1`);

// KEYS: gcra rule keys. ARGV: per key periodMs, burst. The theoretical arrival time of an empty bucket.
const DRAIN = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local period = tonumber(ARGV[(i - 1) * 2 + 1])
  local burst = tonumber(ARGV[(i - 1) * 2 + 2])
  local full = now + burst * period
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < full then redis.call('SET', KEYS[i], full, 'PX', full - now + period) end
end
return 1`);

/** A unique member for one slot in the window logs. */
export const newSlotMember = (): string => `${Date.now()}-${randomUUID()}`;

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
  async tryAcquire(policy: HostPolicy, priority: BudgetPriority, member: string = newSlotMember()): Promise<SlotResult> {
    const { keys, args } = this.slotCall(policy, priority, member);
    const [ok, wait] = await ACQUIRE.run<[number, number]>(this.redis.client, keys, args);
    return ok === 1 ? { ok: true } : { ok: false, waitMs: wait };
  }

  /** The keys (pause, then the rules') and arguments (member, then the rules') of `acquire` in ACQUIRE_FN. */
  slotCall(policy: HostPolicy, priority: BudgetPriority, member: string = newSlotMember()): { keys: string[]; args: Array<string | number> } {
    return {
      keys: [this.pauseKey(policy.host), ...policy.rules.map((r) => ruleKey(policy.host, r))],
      args: [member, ...policy.rules.flatMap((r) => ruleArgs(r, priority))],
    };
  }

  /**
   * The call of slot `member` is over (answered, failed or timed out): its entries in the window logs are stamped
   * again with the time now. The server counted the call at some moment between our slot and this one, so a log
   * entry that lives a full window from here covers the server's window whatever the delay of connection set-up,
   * TLS, queues or a lost SYN was. Calls still in flight keep their slot-time entry.
   */
  async settle(policy: HostPolicy, member: string): Promise<void> {
    const windows = policy.rules.filter((r): r is Extract<BudgetRule, { kind: 'window' }> => r.kind === 'window');
    if (!windows.length) return;
    await SETTLE.run(this.redis.client, windows.map((r) => ruleKey(policy.host, r)), [member, ...windows.map((r) => r.windowMs)]);
  }

  /**
   * A GCRA host (Vaultwarden) answered 429: its bucket is empty whatever ours says (other logins from our IP, our
   * Redis restarted empty). Assume the same: the next call one period from now, then one per period.
   */
  async drain(policy: HostPolicy): Promise<void> {
    const gcra = policy.rules.filter((r): r is Extract<BudgetRule, { kind: 'gcra' }> => r.kind === 'gcra');
    if (!gcra.length) return;
    await DRAIN.run(this.redis.client, gcra.map((r) => ruleKey(policy.host, r)), gcra.flatMap((r) => [r.periodMs, r.burst]));
  }

  /** Waits (up to maxWaitMs) for a slot; returns the remaining wait when none came in time. */
  async acquire(policy: HostPolicy, priority: BudgetPriority, maxWaitMs: number, member: string = newSlotMember()): Promise<SlotResult> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const r = await this.tryAcquire(policy, priority, member);
      if (r.ok || Date.now() + r.waitMs > deadline) return r;
      await new Promise((res) => setTimeout(res, Math.min(r.waitMs, 250) + Math.random() * 50));
    }
  }

  /** Bitwarden answered 429: nobody calls that host again until its Retry-After (or the policy's pause) has passed. */
  async pause(host: string, seconds: number): Promise<void> {
    // Never shortened: answers to calls in flight arrive in any order, and a '1s' 429 must not cut a '1m' pause.
    await PAUSE.run(this.redis.client, [this.pauseKey(host)], [Math.max(1, seconds) * 1000]);
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
