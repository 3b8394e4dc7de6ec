import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RedisLock } from '@app/redis';
import { IdempotencyRepository } from '../idempotency/idempotency.repository';
import { ConnectSessionsRepository } from '../sessions/connect-sessions.repository';

const EVERY_MS = 60_000;
const BATCH = 1000;
/** One batch loop per run at most this long, so a huge backlog is worked off over several runs, never in one lock. */
const MAX_BATCHES = 50;

/**
 * Deletes expired connect sessions and idempotency keys, in the process that owns those tables. Every API
 * process runs the timer; a Redis lock lets one of them work per round.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sessions: ConnectSessionsRepository,
    private readonly keys: IdempotencyRepository,
    private readonly lock: RedisLock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.runOnce().catch((e: Error) => this.logger.warn(`purge failed (will retry): ${e.message}`));
    }, EVERY_MS);
    this.timer.unref();
  }

  /** One round: returns how many rows went, or null when another process held the lock. */
  async runOnce(now = new Date()): Promise<{ sessions: number; keys: number } | null> {
    const held = await this.lock.withLock({ name: 'purge-expired', ttlMs: EVERY_MS }, async () => {
      const sessions = await this.drain((n) => this.sessions.deleteExpired(now, n));
      const keys = await this.drain((n) => this.keys.deleteExpired(now, n));
      if (sessions || keys) this.logger.log({ sessions, keys }, 'purged expired connect sessions and idempotency keys');
      return { sessions, keys };
    });
    return held.acquired ? held.value : null;
  }

  private async drain(batch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await batch(BATCH);
      total += n;
      if (n < BATCH) break;
    }
    return total;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
