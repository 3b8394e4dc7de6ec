import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AccountJobs, Sweeper } from '@app/accounts';
import { AppConfig } from '@app/config';
import { JobItem, JobName, JobProducer, QueueName } from '@app/queue';
import { RedisService } from '@app/redis';
import { QueueRunner } from './queue-runner';

/** Starts the queue workers and the Postgres sweep; on shutdown stops sweeping, then drains the workers. */
@Injectable()
export class WorkerRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerRuntime.name);
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> = Promise.resolve();
  private stopped = false;
  readonly runners: QueueRunner[] = [];
  lastSweepOkAt = 0;

  constructor(
    private readonly jobs: AccountJobs,
    private readonly sweeper: Sweeper,
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
        return { kind: 'skipped' as const, detail: `no handler for ${item.name}` };
    }
  };

  onApplicationBootstrap(): void {
    const accounts = this.producer.queue(QueueName.Accounts);
    this.runners.push(
      new QueueRunner(QueueName.Accounts, this.handle, this.redis, this.config.workerConcurrency, this.config.workerLockMs, async () => {
        const c = await accounts.getJobCounts('wait', 'prioritized', 'active');
        return (c.wait ?? 0) + (c.prioritized ?? 0);
      }),
    );
    for (const r of this.runners) r.start();
    const tick = () => {
      if (this.stopped) return;
      this.sweeping = this.sweeper
        .sweepOnce()
        .then(() => (this.lastSweepOkAt = Date.now()))
        .catch((e: Error) => this.logger.warn(`sweep failed (will retry): ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.sweepTimer = setTimeout(tick, this.config.sweepIntervalMs);
        });
    };
    tick();
    this.logger.log('worker started');
  }

  /** Before connections close: stop the sweep, then let running jobs finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await this.sweeping;
    await Promise.all(this.runners.map((r) => r.close()));
    this.logger.log('worker drained');
  }
}
