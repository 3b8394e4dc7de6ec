import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AccountJobs, Sweeper, WebhookRelay } from '@app/accounts';
import { AppConfig } from '@app/config';
import { JobItem, JobName, JobProducer, QueueName } from '@app/queue';
import { RedisService } from '@app/redis';
import { QueueRunner } from './queue-runner';

/** A self-rescheduling loop that never overlaps itself and can be stopped and awaited. */
class Loop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly fn: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (e: Error) => void,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.fn()
        .catch(this.onError)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** Starts the queue workers, the Postgres sweep and the webhook relay; on shutdown stops them and drains. */
@Injectable()
export class WorkerRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerRuntime.name);
  private readonly loops: Loop[] = [];
  readonly runners: QueueRunner[] = [];
  lastSweepOkAt = 0;

  constructor(
    private readonly jobs: AccountJobs,
    private readonly sweeper: Sweeper,
    private readonly webhooks: WebhookRelay,
    private readonly producer: JobProducer,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  private handle = async (item: JobItem) => {
    switch (item.name) {
      case JobName.CheckAccount:
        return this.jobs.check(item.data.accountId);
      case JobName.RefreshToken:
        return this.jobs.refresh(item.data.accountId);
      default:
        return { kind: 'skipped' as const, detail: `no handler for ${(item as JobItem).name}` };
    }
  };

  onApplicationBootstrap(): void {
    const accounts = this.producer.queue(QueueName.Accounts);
    this.runners.push(
      new QueueRunner(QueueName.Accounts, this.handle, this.redis, this.config.workerConcurrency, this.config.workerLockMs, async () => {
        const c = await accounts.getJobCounts('wait', 'prioritized');
        return (c.wait ?? 0) + (c.prioritized ?? 0);
      }),
    );
    for (const r of this.runners) r.start();
    const warn = (what: string) => (e: Error) => this.logger.warn(`${what} failed (will retry): ${e.message}`);
    this.loops.push(
      new Loop(async () => {
        await this.sweeper.sweepOnce();
        this.lastSweepOkAt = Date.now();
      }, this.config.sweepIntervalMs, warn('sweep')),
    );
    if (this.webhooks.enabled) this.loops.push(new Loop(() => this.webhooks.runOnce(), Math.min(1000, this.config.sweepIntervalMs), warn('webhook relay')));
    for (const l of this.loops) l.start();
    this.logger.log('worker started');
  }

  /** Before connections close: stop the loops, then let running jobs finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
    await Promise.all(this.runners.map((r) => r.close()));
    this.logger.log('worker drained');
  }
}
