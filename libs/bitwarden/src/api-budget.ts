import { Injectable } from '@nestjs/common';
import { REDIS_PREFIX, RedisService } from '@app/redis';
import type { HostPolicy } from './host-policy';
import { BudgetPriority, IdentityBudget, SlotResult } from './identity-budget';
import { ApiCallKind, apiBudgetHost } from './api-policy';

// Fair turns between accounts waiting for the same budget, kept in Redis so that every process takes part.
// q: sorted set of waiting members, scored by a ticket (lower goes first); seen: last heartbeat per member;
// n: how many requests of each member wait. Only the member at the head may take a slot while others wait; once
// it has one it draws a new ticket and goes to the back. A member whose process died stops heart-beating and is
// dropped, so it cannot block the queue.
// KEYS: q, seen, seq, n. ARGV: member, staleMs.
const TURN = `
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
`;

// KEYS: q, seq. ARGV: member. The member was served: to the back of the queue.
const SERVED = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 'XX', redis.call('INCR', KEYS[2]), ARGV[1]) end
return 1
`;

// KEYS: q, seen, n. ARGV: member, delta. A request of the member starts (+1) or stops (-1) waiting.
const COUNT = `
local left = redis.call('HINCRBY', KEYS[3], ARGV[1], tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[3], 120000)
if left <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return left
`;

// What the server itself said remains (X-Rate-Limit-Remaining) until its window resets. KEYS: cap.
// Take: -1 no cap known, 0 one taken, > 0 none left for that many ms.
const CAP_TAKE = `
local v = redis.call('GET', KEYS[1])
if not v then return -1 end
if tonumber(v) <= 0 then return math.max(1, redis.call('PTTL', KEYS[1])) end
redis.call('DECR', KEYS[1])
return 0
`;
const CAP_GIVE_BACK = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end return 1`;
// ARGV: remaining, ttlMs. Only ever lowers a known cap: answers arrive out of order, and calls already sent since
// an answer was counted are not in its number.
const CAP_SET = `
local v = redis.call('GET', KEYS[1])
if v and tonumber(v) <= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
`;

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
  async acquire(policy: HostPolicy, member: string, priority: BudgetPriority, maxWaitMs: number): Promise<SlotResult> {
    const deadline = Date.now() + maxWaitMs;
    const k = this.keys(policy.host);
    if ((await this.redis.client.zcard(k.q)) === 0) {
      const first = await this.take(policy, priority);
      if (first.ok || Date.now() + first.waitMs > deadline) return first;
    }
    await this.redis.client.eval(COUNT, 3, k.q, k.seen, k.n, member, 1);
    try {
      for (;;) {
        const up = (await this.redis.client.eval(TURN, 4, k.q, k.seen, k.seq, k.n, member, STALE_MS)) === 1;
        if (up || Date.now() >= deadline) {
          // At the deadline a waiter tries once out of turn: giving up while a slot is free would help nobody.
          const r = await this.take(policy, priority);
          if (r.ok) {
            await this.redis.client.eval(SERVED, 2, k.q, k.seq, member);
            return r;
          }
          if (!up || Date.now() + r.waitMs > deadline) return r;
          await sleep(Math.min(r.waitMs, 250) + Math.random() * 25);
        } else {
          await sleep(20 + Math.random() * 30);
        }
      }
    } finally {
      await this.redis.client.eval(COUNT, 3, k.q, k.seen, k.n, member, -1).catch(() => undefined);
    }
  }

  /** A 429 from the API host: reads and writes both stop until it has passed. */
  async pause(apiBaseUrl: string, seconds: number): Promise<void> {
    await Promise.all((['read', 'write'] as ApiCallKind[]).map((kind) => this.budget.pause(apiBudgetHost(apiBaseUrl, kind), seconds)));
  }

  /** Bitwarden said how many calls remain until `resetAt`: the budget assumes no more than that until then. */
  async observeRemaining(policy: HostPolicy, remaining: number, resetAt: number | null): Promise<void> {
    const ttl = Math.min(61_000, Math.max(1_000, (resetAt ?? Date.now() + 61_000) - Date.now() + 250));
    await this.redis.client.eval(CAP_SET, 1, this.keys(policy.host).cap, Math.max(0, Math.floor(remaining)), Math.ceil(ttl));
  }

  private async take(policy: HostPolicy, priority: BudgetPriority): Promise<SlotResult> {
    const cap = this.keys(policy.host).cap;
    const capWait = (await this.redis.client.eval(CAP_TAKE, 1, cap)) as number;
    if (capWait > 0) return { ok: false, waitMs: capWait };
    const r = await this.budget.tryAcquire(policy, priority);
    if (!r.ok && capWait === 0) await this.redis.client.eval(CAP_GIVE_BACK, 1, cap);
    return r;
  }

  private keys(host: string) {
    const base = `${REDIS_PREFIX}turns:${host}`;
    return { q: `${base}:q`, seen: `${base}:seen`, seq: `${base}:seq`, n: `${base}:n`, cap: `${REDIS_PREFIX}remaining:${host}` };
  }
}
