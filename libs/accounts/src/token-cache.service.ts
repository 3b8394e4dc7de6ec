import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InvalidationChannels } from '@app/redis';
import { TokenCache } from './token-cache';

const CHANNEL = 'account-token';

/**
 * The process's TokenCache and its invalidation over Redis pub/sub. The cache works only while this process is
 * subscribed: on any sign of a lost subscription it is emptied and stays off until subscribed again, because
 * messages published meanwhile are gone for good. Listening starts with the first token request, so processes
 * that serve none (the worker) open no subscriber connection.
 */
@Injectable()
export class TokenCacheService implements OnApplicationShutdown {
  readonly cache = new TokenCache();
  private listening = false;

  constructor(private readonly channels: InvalidationChannels) {}

  /** The cache, once this process listens for invalidations (until then, and while Redis is away, it is off). */
  active(): TokenCache {
    if (!this.listening) {
      this.listening = true;
      this.channels.listen(CHANNEL, {
        message: (id) => this.cache.invalidate(id),
        up: () => this.cache.drop(true),
        down: () => this.cache.drop(false),
      });
    }
    return this.cache;
  }

  /**
   * Called by every write that can make a cached token state wrong, after it committed: this process forgets at
   * once, the others when the message arrives (or, if it is lost, when their entry ages out).
   */
  async invalidate(id: string): Promise<void> {
    this.cache.invalidate(id);
    await this.channels.publish(CHANNEL, id);
  }

  onApplicationShutdown(): void {
    // Decrypted tokens do not outlive the application.
    this.cache.drop(false);
  }
}
