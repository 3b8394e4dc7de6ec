import { Injectable } from '@nestjs/common';
import { LuaScript, REDIS_PREFIX, RedisService } from '@app/redis';

const WINDOW_MS = 60_000;
const MIN_FAILURES = 5;
const FAILURE_RATIO = 0.8;
const FIRST_PROBE_MS = 5_000;
const MAX_PROBE_MS = 300_000;

// Counts outcomes per identity host in a fixed one-minute window and opens the breaker when most recent checks of the
// host failed for transient reasons (an outage of the host, not of each account).
const RECORD = new LuaScript(`
local field = ARGV[1]
redis.call('HINCRBY', KEYS[1], field, 1)
-- A fixed window: the expiry is set when the window opens, so steady traffic cannot keep old counts alive.
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local fails = tonumber(redis.call('HGET', KEYS[1], 'fail') or '0')
local oks = tonumber(redis.call('HGET', KEYS[1], 'ok') or '0')
if field == 'fail' and fails >= tonumber(ARGV[3]) and fails >= tonumber(ARGV[4]) * (fails + oks) then
  if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6]) end
  return 1
end
return 0
`);

export type BreakerState = { open: false } | { open: true; probeIntervalMs: number };

/**
 * A circuit breaker per identity host, shared by all workers through Redis. While it is open, background checks
 * of that host are postponed (accounts keep their status) and one probe per interval tests whether the host is back.
 */
@Injectable()
export class HostBreaker {
  constructor(private readonly redis: RedisService) {}

  private keys(host: string) {
    const base = `${REDIS_PREFIX}breaker:${host}`;
    return { stats: `${base}:stats`, open: `${base}:open`, probe: `${base}:probe` };
  }

  /** What operators see: closed, open (checks postponed), or probing (one check is testing the host now). */
  async view(host: string): Promise<'closed' | 'open' | 'probing'> {
    const k = this.keys(host);
    const [open, probe] = await Promise.all([this.redis.client.exists(k.open), this.redis.client.exists(k.probe)]);
    return !open ? 'closed' : probe ? 'probing' : 'open';
  }

  async state(host: string): Promise<BreakerState> {
    const v = await this.redis.client.get(this.keys(host).open);
    return v ? { open: true, probeIntervalMs: Number(v) } : { open: false };
  }

  /** Records a transient failure; true when the host is (now) considered down. */
  async recordFailure(host: string): Promise<boolean> {
    const k = this.keys(host);
    const opened = await RECORD.run(this.redis.client, [k.stats, k.open], ['fail', WINDOW_MS, MIN_FAILURES, FAILURE_RATIO, FIRST_PROBE_MS, 24 * 3600_000]);
    return opened === 1;
  }

  async recordSuccess(host: string): Promise<void> {
    const k = this.keys(host);
    await RECORD.run(this.redis.client, [k.stats, k.open], ['ok', WINDOW_MS, MIN_FAILURES, FAILURE_RATIO, FIRST_PROBE_MS, 24 * 3600_000]);
  }

  /** One caller per probe interval gets to test the host; the others postpone. */
  async tryProbe(host: string, probeIntervalMs: number): Promise<boolean> {
    return (await this.redis.client.set(this.keys(host).probe, '1', 'PX', probeIntervalMs, 'NX')) === 'OK';
  }

  /** The probe failed: wait longer before the next one (never longer than `capMs`, the check interval). */
  async probeFailed(host: string, probeIntervalMs: number, capMs: number): Promise<void> {
    const next = Math.max(FIRST_PROBE_MS, Math.min(MAX_PROBE_MS, capMs, probeIntervalMs * 2));
    await this.redis.client.set(this.keys(host).open, String(next), 'PX', 24 * 3600_000);
  }

  /** The host answered: close the breaker and start counting afresh. */
  async close(host: string): Promise<void> {
    const k = this.keys(host);
    await this.redis.client.del(k.open, k.stats, k.probe);
  }
}
