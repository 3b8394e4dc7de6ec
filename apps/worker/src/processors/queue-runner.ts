import { Logger } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { RedisService } from '@app/redis';
import { BULL_PREFIX, JobItem, QueueName } from '@app/queue';
import { JobOutcome } from '../jobs/account-jobs.processor';

export type Handler = (item: JobItem) => Promise<JobOutcome>;


/**
 * One BullMQ worker for a queue, with the things BullMQ leaves to us: typed dispatch, "come back later" without
 * spending an attempt, a watchdog that rebuilds the worker when jobs stop flowing (BullMQ #4585: after a Redis
 * outage the blocking connection can stay in "reconnecting" for ever while pings succeed), and a draining close.
 */
export class QueueRunner {
  private readonly logger: Logger;
  private worker: Worker | null = null;
  private lastActivity = Date.now();
  private watchdog: NodeJS.Timeout | null = null;
  private closing = false;
  processed = 0;

  constructor(
    private readonly queue: QueueName,
    private readonly handler: Handler,
    private readonly redis: RedisService,
    private readonly concurrency: number,
    /** A job's lock; an exchange times out well before it (OUTBOUND_TIMEOUT_MS), so only a dead worker loses it. */
    private readonly lockMs: number,
    private readonly pendingCount: () => Promise<number>,
  ) {
    this.logger = new Logger(`QueueRunner:${queue}`);
  }

  start(): void {
    this.worker = this.build();
    this.watchdog = setInterval(() => void this.checkFlow(), 5_000);
    this.watchdog.unref();
  }

  get lastActivityAt(): number {
    return this.lastActivity;
  }

  private build(): Worker {
    const w = new Worker(
      this.queue,
      async (job: Job, token?: string) => {
        this.lastActivity = Date.now();
        const outcome = await this.handler({ name: job.name, data: job.data } as JobItem);
        this.lastActivity = Date.now();
        this.processed++;
        if (outcome.kind === 'delay') {
          await job.moveToDelayed(outcome.at, token);
          throw new DelayedError();
        }
        return outcome.detail;
      },
      {
        connection: this.redis.bullConnection(true),
        prefix: BULL_PREFIX,
        concurrency: this.concurrency,
        lockDuration: this.lockMs,
        stalledInterval: this.lockMs,
        maxStalledCount: 2,
        drainDelay: 5,
      },
    );
    w.on('error', (e) => this.logger.warn(`worker error: ${e.message}`));
    w.on('failed', (job, e) => this.logger.warn({ job: job?.name, id: job?.id, err: e.message }, 'job failed'));
    return w;
  }

  /** Jobs are waiting but none has run for a while: the worker is wedged, so replace it. */
  private async checkFlow(): Promise<void> {
    if (this.closing || !this.worker) return;
    if (Date.now() - this.lastActivity < 30_000) return;
    const pending = await this.pendingCount().catch(() => 0);
    if (pending === 0) {
      this.lastActivity = Date.now();
      return;
    }
    this.logger.error({ pending }, 'jobs are waiting but none ran for 30 s: rebuilding the worker');
    const old = this.worker;
    this.worker = this.build();
    this.lastActivity = Date.now();
    await old.close(true).catch(() => undefined);
  }

  /** Stops taking jobs and waits for the running ones (bounded: a stuck job is recovered as stalled later). */
  async close(timeoutMs = 25_000): Promise<void> {
    this.closing = true;
    if (this.watchdog) clearInterval(this.watchdog);
    const w = this.worker;
    if (!w) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([w.close(), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
}
