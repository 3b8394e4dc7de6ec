import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AccountsRepository } from '@app/accounts';
import { AppConfig } from '@app/config';
import { JobItem, JobName, JobProducer, QueueName } from '@app/queue';
import { RedisService } from '@app/redis';
import { AccountJobsProcessor, JobOutcome } from '../jobs/account-jobs.processor';
import { Sweeper } from '../jobs/sweeper.service';
import { WorkerMetrics } from '../ops/worker.metrics';
import { WebhookRelay } from '../webhooks/webhook-relay.service';
import { QueueRunner } from './queue-runner';

type Handlers = { [N in JobName]: (item: Extract<JobItem, { name: N }>) => Promise<JobOutcome> };

/** A job name that reaches the worker without a handler (a newer producer, a typo) is a bug: refuse to start. */
export function assertEveryJobHasAHandler(handlers: Partial<Record<string, unknown>>): void {
  const missing = Object.values(JobName).filter((n) => typeof handlers[n] !== 'function');
  if (missing.length) throw new Error(`no handler for job name(s): ${missing.join(', ')}`);
}

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
    private readonly jobs: AccountJobsProcessor,
    private readonly sweeper: Sweeper,
    private readonly webhooks: WebhookRelay,
    private readonly producer: JobProducer,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly accounts: AccountsRepository,
    private readonly metrics: WorkerMetrics,
  ) {
    assertEveryJobHasAHandler(this.handlers);
  }

  private readonly handlers: Handlers = {
    [JobName.CheckAccount]: (item) => this.jobs.check(item.data.accountId),
    [JobName.RefreshToken]: (item) => this.jobs.refresh(item.data.accountId),
  };

  private handle = async (item: JobItem): Promise<JobOutcome> => {
    const handler = this.handlers[item.name] as ((i: JobItem) => Promise<JobOutcome>) | undefined;
    // A job of a name this build does not know (a newer producer during a rolling deploy): fail it loudly.
    if (!handler) throw new Error(`no handler for job name ${String(item.name)}`);
    try {
      const outcome = await handler(item);
      this.metrics.recordJob(item.name, outcome);
      return outcome;
    } catch (e) {
      this.metrics.recordJob(item.name, 'error');
      throw e;
    }
  };

  /**
   * ACCOUNT_CHECK_INTERVAL_SECONDS is a promise ("at least this often"): checks scheduled under a longer interval
   * are pulled in at boot, before the first sweep, so lowering it holds for accounts already scheduled. What the
   * budget cannot absorb at once shows as bwc_check_lag_seconds. A failure (Postgres not up yet) does not stop boot.
   */
  private async clampSchedule(): Promise<void> {
    try {
      const moved = await this.accounts.clampChecks(this.config.accountCheckIntervalSeconds);
      if (moved) this.logger.log({ accounts: moved, intervalSeconds: this.config.accountCheckIntervalSeconds }, 'checks brought within the check interval');
    } catch (e) {
      this.logger.warn(`bringing checks within the check interval failed: ${(e as Error).message}`);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.clampSchedule();
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
