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

/** How long a write waits for its invalidation to be acknowledged by Redis (normally well under a millisecond). */
export const PUBLISH_WAIT_MS = 250;

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

  /**
   * Tells every listening process (this one included) that `id` changed. Never throws: Redis may be down. Waits at
   * most PUBLISH_WAIT_MS: the write it follows has committed, and a hung Redis must not hold up its answer (the
   * message still goes when Redis answers; meanwhile the listeners' entries age out on their own).
   */
  async publish(name: string, id: string): Promise<boolean> {
    const sent = this.redis.client.publish(invalidationChannel(this.config.redisUrl, name), id).then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PUBLISH_WAIT_MS)));
    try {
      return await Promise.race([sent, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  listen(name: string, listener: ChannelListener): void {
    this.subscriber.subscribe(invalidationChannel(this.config.redisUrl, name), listener);
  }

  isLive(): boolean {
    return this.subscriber.isLive();
  }
}
