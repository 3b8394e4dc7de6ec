import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { drainInBatches, LockedInterval, RedisLock } from '@app/redis';
import { IdempotencyRepository } from '../idempotency/idempotency.repository';
import { ConnectSessionsRepository } from '../sessions/connect-sessions.repository';

const EVERY_MS = 60_000;
const BATCH = 1000;
/** One round deletes at most this many batches per table, so a huge backlog is worked off over several rounds. */
const MAX_BATCHES = 50;

/**
 * Deletes expired connect sessions and idempotency keys, in the process that owns those tables. Every API
 * process runs the timer; a Redis lock lets one of them work per round.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private readonly interval: LockedInterval<{ sessions: number; keys: number }>;

  constructor(
    private readonly sessions: ConnectSessionsRepository,
    private readonly keys: IdempotencyRepository,
    lock: RedisLock,
  ) {
    this.interval = new LockedInterval(lock, { name: 'purge-expired', ttlMs: EVERY_MS }, EVERY_MS, () => this.purge(new Date()), (e) =>
      this.logger.warn(`purge failed (will retry): ${e.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.interval.start();
  }

  /** One round: returns how many rows went, or null when another process held the lock. */
  async runOnce(): Promise<{ sessions: number; keys: number } | null> {
    const held = await this.interval.runOnce();
    return held.acquired ? held.value : null;
  }

  private async purge(now: Date): Promise<{ sessions: number; keys: number }> {
    const sessions = await drainInBatches((n) => this.sessions.deleteExpired(now, n), BATCH, MAX_BATCHES);
    const keys = await drainInBatches((n) => this.keys.deleteExpired(now, n), BATCH, MAX_BATCHES);
    if (sessions || keys) this.logger.log({ sessions, keys }, 'purged expired connect sessions and idempotency keys');
    return { sessions, keys };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.interval.stop();
  }
}
