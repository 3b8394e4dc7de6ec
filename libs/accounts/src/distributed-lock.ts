import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { REDIS_PREFIX, RedisService } from '@app/redis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** A Redis lock (SET NX PX with an owner token) so only one process at a time exchanges a token for an account. */
@Injectable()
export class DistributedLock {
  constructor(private readonly redis: RedisService) {}

  async tryLock(name: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.client.set(`${REDIS_PREFIX}lock:${name}`, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  async unlock(name: string, token: string): Promise<void> {
    await this.redis.client.eval(RELEASE, 1, `${REDIS_PREFIX}lock:${name}`, token).catch(() => undefined);
  }
}
