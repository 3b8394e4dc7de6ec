import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AccountEventsRepository } from '@app/accounts';
import { AppConfig } from '@app/config';
import { drainInBatches, LockedInterval, RedisLock } from '@app/redis';

const EVERY_MS = 10 * 60_000;
const BATCH = 1000;
/** One round deletes at most this many batches, so a large backlog is worked off over several rounds, never in one lock. */
const MAX_BATCHES = 50;
const DAY_MS = 86_400_000;

/**
 * Deletes account events older than EVENT_RETENTION_DAYS. Every worker runs the timer; a Redis lock lets one
 * of them work per round. Undelivered webhook events go too: past retention, nobody may rely on them.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRetention.name);
  private readonly interval: LockedInterval<number>;

  constructor(
    private readonly events: AccountEventsRepository,
    lock: RedisLock,
    private readonly config: AppConfig,
  ) {
    this.interval = new LockedInterval(lock, { name: 'event-retention', ttlMs: EVERY_MS }, EVERY_MS, () => this.purge(new Date()), (e) =>
      this.logger.warn(`event retention failed (will retry): ${e.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.interval.start();
  }

  /** One round: how many events went, or null when another process held the lock. */
  async runOnce(): Promise<number | null> {
    const held = await this.interval.runOnce();
    return held.acquired ? held.value : null;
  }

  private async purge(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.eventRetentionDays * DAY_MS);
    const total = await drainInBatches((n) => this.events.deleteOlderThan(before, n), BATCH, MAX_BATCHES);
    if (total) this.logger.log({ events: total }, 'deleted account events past retention');
    return total;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.interval.stop();
  }
}
