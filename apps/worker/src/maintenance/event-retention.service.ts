import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AccountEventsRepository } from '@app/accounts';
import { AppConfig } from '@app/config';
import { RedisLock } from '@app/redis';

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
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly events: AccountEventsRepository,
    private readonly lock: RedisLock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.runOnce().catch((e: Error) => this.logger.warn(`event retention failed (will retry): ${e.message}`));
    }, EVERY_MS);
    this.timer.unref();
  }

  /** One round: how many events went, or null when another process held the lock. */
  async runOnce(now = new Date()): Promise<number | null> {
    const before = new Date(now.getTime() - this.config.eventRetentionDays * DAY_MS);
    const held = await this.lock.withLock({ name: 'event-retention', ttlMs: EVERY_MS }, async () => {
      let total = 0;
      for (let i = 0; i < MAX_BATCHES; i++) {
        const n = await this.events.deleteOlderThan(before, BATCH);
        total += n;
        if (n < BATCH) break;
      }
      if (total) this.logger.log({ events: total }, 'deleted account events past retention');
      return total;
    });
    return held.acquired ? held.value : null;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
