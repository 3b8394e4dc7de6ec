import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { AppConfig } from '@app/config';
import { AppError } from '@app/common';

/** Key prefix of everything this service keeps in Redis (ids and counters only: never secrets or tokens). */
export const REDIS_PREFIX = 'bwc:';

/** How long a request-path Redis command may take before it fails. */
export const REQUEST_COMMAND_TIMEOUT_MS = 2000;

/**
 * Owns the Redis connections. `client` fails fast when Redis is down (no offline queue) so request paths answer
 * 503 instead of hanging; BullMQ gets its own connections from `bullConnection()`.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis;

  constructor(private readonly config: AppConfig) {
    this.client = new Redis(config.redisUrl, {
      ...this.baseOptions(),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      // A Redis that stops answering (paused, a full network buffer) must not hang a request path: every command
      // gives up after this long, and the caller answers 503 unavailable.
      commandTimeout: REQUEST_COMMAND_TIMEOUT_MS,
    });
    this.client.on('error', (e: Error) => this.logger.debug(`redis: ${e.message}`));
  }

  baseOptions() {
    return {
      connectTimeout: 2000,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
    };
  }

  /** Options for BullMQ queues and workers (BullMQ requires maxRetriesPerRequest: null for workers). */
  bullConnection(forWorker: boolean): BullRedisOptions {
    const u = new URL(this.config.redisUrl);
    return {
      ...this.baseOptions(),
      host: u.hostname,
      port: Number(u.port || 6379),
      username: u.username || undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
      db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
      tls: u.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
      enableOfflineQueue: forWorker,
    };
  }

  isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** Runs a Redis operation on a request path, turning a Redis outage into the contract's 503 `unavailable`. */
  async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('unavailable', 'The service cannot reach its Redis store right now. Try again shortly.');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
  }
}
