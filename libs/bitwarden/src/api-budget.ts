import { Injectable } from '@nestjs/common';
import { LuaScript, REDIS_PREFIX, RedisService } from '@app/redis';
import type { HostPolicy } from './host-policy';
import { ACQUIRE_FN, BudgetPriority, IdentityBudget, newSlotMember, SlotResult } from './identity-budget';
import { ApiCallKind, apiBudgetHost } from './api-policy';

// Fair turns between accounts waiting for the same budget, kept in Redis so that every process takes part.
// q: sorted set of waiting members, scored by a ticket (lower goes first); seen: last heartbeat per member;
// n: how many requests of each member wait. Only the member at the head may take a slot while others wait; once
// it has one it draws a new ticket and goes to the back. A member whose process died stops heart-beating and is
// dropped, so it cannot block the queue.
// KEYS: q, seen, seq, n. ARGV: member, staleMs.
const TURN = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
end
redis.call('ZADD', KEYS[2], now, ARGV[1])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], 120000) end
for i = 1, 100 do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == nil or head == ARGV[1] then return 1 end
  local seen = tonumber(redis.call('ZSCORE', KEYS[2], head) or '0')
  if seen >= now - tonumber(ARGV[2]) then return 0 end
  redis.call('ZREM', KEYS[1], head)
  redis.call('ZREM', KEYS[2], head)
  redis.call('HDEL', KEYS[4], head)
end
return 0
`);

// KEYS: q, seq. ARGV: member. The member was served: to the back of the queue.
const SERVED = new LuaScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 'XX', redis.call('INCR', KEYS[2]), ARGV[1]) end
return 1
`);

// KEYS: q, seen, n. ARGV: member, delta. A request of the member starts (+1) or stops (-1) waiting.
const COUNT = new LuaScript(`
local left = redis.call('HINCRBY', KEYS[3], ARGV[1], tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[3], 120000)
if left <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return left
`);

// A slot in one call: what the server itself said remains (X-Rate-Limit-Remaining, until its window resets) must
// allow it, then the rules (ACQUIRE_FN); the cap is spent only with a slot. Modes: 1, the fast path, gives way
// ({2, 0}) when other members are already taking turns, so a newcomer cannot jump the queue; 0, a member whose turn it
// is; 2, ahead: the service's own probe, which registers (a heartbeat per try, forgotten after AHEAD_STALE_MS) so that
// the others let it take the next free slot.
// KEYS: q, cap, ahead, pause, then one key per rule. ARGV: mode, member, then the rules' args.
const TAKE = new LuaScript(`${ACQUIRE_FN}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mode = ARGV[1]
if mode == '2' then
  redis.call('ZADD', KEYS[3], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[3], 60000)
else
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - ${1_000})
  if redis.call('ZCARD', KEYS[3]) > 0 then
    if mode == '1' then return {2, 0} end
    return {0, 50}
  end
end
if mode == '1' and redis.call('ZCARD', KEYS[1]) > 0 then return {2, 0} end
local cap = redis.call('GET', KEYS[2])
if cap and tonumber(cap) <= 0 then return {0, math.max(1, redis.call('PTTL', KEYS[2]))} end
local r = acquire(KEYS[4], {unpack(KEYS, 5)}, ARGV[2], {unpack(ARGV, 3)})
if r[1] == 1 then
  if cap then redis.call('DECR', KEYS[2]) end
  if mode == '2' then redis.call('ZREM', KEYS[3], ARGV[2]) end
end
return r`);
// KEYS: ahead. ARGV: member. An ahead caller gave up: the others need not wait for its heartbeat to go stale.
const AHEAD_DONE = new LuaScript(`return redis.call('ZREM', KEYS[1], ARGV[1])`);
// ARGV: remaining, ttlMs. Only ever lowers a known cap: answers arrive out of order, and calls already sent since
// an answer was counted are not in its number.
const CAP_SET = new LuaScript(`
local v = redis.call('GET', KEYS[1])
if v and tonumber(v) <= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
`);

/** How long a waiting member may go without a heartbeat before the queue forgets it. */
const STALE_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The shared budget of a Public API host: the identity budget's rules and pause (same Lua, own keys), plus turns
 * between accounts so that one busy account cannot starve the others, plus the server's own word on what remains.
 */
@Injectable()
export class ApiBudget {
  constructor(
    private readonly budget: IdentityBudget,
    private readonly redis: RedisService,
  ) {}

  /** Waits up to maxWaitMs for a slot, taking turns with the other members waiting for the same budget. */
  async acquire(policy: HostPolicy, member: string, priority: BudgetPriority, maxWaitMs: number, slotMember?: string): Promise<SlotResult> {
    const deadline = Date.now() + maxWaitMs;
    const k = this.keys(policy.host);
    // The fast path, one call: nobody is taking turns and a slot is free.
    const first = await this.take(policy, priority, 'queue', slotMember);
    if (first !== 'queued' && (first.ok || Date.now() + first.waitMs > deadline)) return first;
    const redis = this.redis.client;
    await COUNT.run(redis, [k.q, k.seen, k.n], [member, 1]);
    try {
      for (;;) {
        const up = (await TURN.run(redis, [k.q, k.seen, k.seq, k.n], [member, STALE_MS])) === 1;
        if (up || Date.now() >= deadline) {
          // At the deadline a waiter tries once out of turn: giving up while a slot is free would help nobody.
          const r = (await this.take(policy, priority, 'turn', slotMember)) as SlotResult;
          if (r.ok) {
            await SERVED.run(redis, [k.q, k.seq], [member]);
            return r;
          }
          if (!up || Date.now() + r.waitMs > deadline) return r;
          await sleep(Math.min(r.waitMs, 250) + Math.random() * 25);
        } else {
          await sleep(20 + Math.random() * 30);
        }
      }
    } finally {
      await COUNT.run(redis, [k.q, k.seen, k.n], [member, -1]).catch(() => undefined);
    }
  }

  /** Waits up to maxWaitMs for the next free slot, ahead of the members taking turns (the service's own probes). */
  async acquireAhead(policy: HostPolicy, priority: BudgetPriority, maxWaitMs: number, slotMember = newSlotMember()): Promise<SlotResult> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const r = (await this.take(policy, priority, 'ahead', slotMember)) as SlotResult;
      if (r.ok) return r;
      if (Date.now() + r.waitMs > deadline) {
        await AHEAD_DONE.run(this.redis.client, [this.keys(policy.host).ahead], [slotMember]).catch(() => undefined);
        return r;
      }
      // Tries at least every 250 ms: each try is the heartbeat that keeps the others waiting.
      await sleep(Math.min(r.waitMs, 250) + Math.random() * 25);
    }
  }

  /** A 429 from the API host: reads and writes both stop until it has passed. */
  async pause(apiBaseUrl: string, seconds: number): Promise<void> {
    await Promise.all((['read', 'write'] as ApiCallKind[]).map((kind) => this.budget.pause(apiBudgetHost(apiBaseUrl, kind), seconds)));
  }

  /** Bitwarden said how many calls remain until `resetAt`: the budget assumes no more than that until then. */
  async observeRemaining(policy: HostPolicy, remaining: number, resetAt: number | null): Promise<void> {
    const ttl = Math.min(61_000, Math.max(1_000, (resetAt ?? Date.now() + 61_000) - Date.now() + 250));
    await CAP_SET.run(this.redis.client, [this.keys(policy.host).cap], [Math.max(0, Math.floor(remaining)), Math.ceil(ttl)]);
  }

  /** One slot, or how long until one; 'queued' in mode 'queue' when other members are taking turns. */
  private async take(policy: HostPolicy, priority: BudgetPriority, mode: 'queue' | 'turn' | 'ahead', slotMember?: string): Promise<SlotResult | 'queued'> {
    const k = this.keys(policy.host);
    const slot = this.budget.slotCall(policy, priority, slotMember);
    const code = mode === 'queue' ? 1 : mode === 'turn' ? 0 : 2;
    const [ok, wait] = await TAKE.run<[number, number]>(this.redis.client, [k.q, k.cap, k.ahead, ...slot.keys], [code, ...slot.args]);
    if (ok === 2) return 'queued';
    return ok === 1 ? { ok: true } : { ok: false, waitMs: wait };
  }

  private keys(host: string) {
    const base = `${REDIS_PREFIX}turns:${host}`;
    return { q: `${base}:q`, seen: `${base}:seen`, seq: `${base}:seq`, n: `${base}:n`, ahead: `${base}:ahead`, cap: `${REDIS_PREFIX}remaining:${host}` };
  }
}
