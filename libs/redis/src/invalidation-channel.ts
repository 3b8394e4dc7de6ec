import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ChannelListener, RedisSubscriber } from './redis-subscriber';
import { REDIS_PREFIX, RedisService } from './redis.service';

/**
 * Pub/sub channels ignore the database number of the URL, so the channel name carries it: two deployments (or
 * test runs) on one Redis with different databases never hear each other's invalidations.
 */
export function invalidationChannel(redisUrl: string, name: string): string {
  const db = Number(new URL(redisUrl).pathname.slice(1) || 0);
  return `${REDIS_PREFIX}${db}:invalidate:${name}`;
}

/**
 * "Forget what you hold about this id" messages between the processes of the service. Pub/sub is at-most-once:
 * a listener must treat `down` as "anything may have changed" and must not rely on messages alone for a bound on
 * staleness. Payloads are ids, never secrets.
 */
@Injectable()
export class InvalidationChannels {
  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly subscriber: RedisSubscriber,
  ) {}

  /** Tells every listening process (this one included) that `id` changed. Never throws: Redis may be down. */
  async publish(name: string, id: string): Promise<boolean> {
    try {
      await this.redis.client.publish(invalidationChannel(this.config.redisUrl, name), id);
      return true;
    } catch {
      return false;
    }
  }

  listen(name: string, listener: ChannelListener): void {
    this.subscriber.subscribe(invalidationChannel(this.config.redisUrl, name), listener);
  }

  isLive(): boolean {
    return this.subscriber.isLive();
  }
}
