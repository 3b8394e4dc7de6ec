import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AccountEventsRepository, AccountsRepository } from '@app/accounts';
import { HostBreaker, hostClassOf, hostOf } from '@app/bitwarden';
import { ACCOUNT_STATUSES } from '@app/common';
import { AppConfig } from '@app/config';
import { JobProducer, QueueName } from '@app/queue';
import { lagThresholdSeconds, RateLimitedWarning } from './lag-warning';
import { WorkerMetrics } from './worker.metrics';

const SAMPLE_MS = 5_000;
/** The list of identity hosts changes only when an account of a new server is linked: re-read it now and then. */
const HOSTS_MS = 60_000;
const HOST_CLASSES = ['us', 'eu', 'self-hosted'] as const;
/** Counting by status scans the table: once a minute is plenty for a share that alerts over a quarter of an hour. */
const STATUS_MS = 60_000;

/**
 * Gauges that are read from the stores rather than counted as things happen: the check lag, the queue, the open
 * breakers and the webhook backlog. Sampled on a timer with cheap indexed queries, so a scrape never waits on
 * Postgres and many scrapers cost nothing more.
 */
@Injectable()
export class OpsSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OpsSampler.name);
  private readonly lagWarning = new RateLimitedWarning(60_000);
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private hosts: { at: number; list: string[] } = { at: -Infinity, list: [] };
  private statusesAt = -Infinity;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly events: AccountEventsRepository,
    private readonly breaker: HostBreaker,
    private readonly jobs: JobProducer,
    private readonly metrics: WorkerMetrics,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.running = this.sampleOnce()
        .catch((e: Error) => this.logger.warn(`sampling the worker gauges failed (will retry): ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, SAMPLE_MS).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One round of every gauge; each part on its own, so a Redis outage still leaves the lag (Postgres) current. */
  async sampleOnce(): Promise<void> {
    const parts = await Promise.allSettled([this.sampleLag(), this.sampleQueue(), this.sampleBreakers(), this.sampleBacklog(), this.sampleStatuses()]);
    const failed = parts.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async sampleLag(): Promise<void> {
    const lag = await this.accounts.checkLagSeconds();
    this.metrics.checkLag.set(lag);
    const interval = this.config.accountCheckIntervalSeconds;
    if (lag > lagThresholdSeconds(interval) && this.lagWarning.shouldWarn(Date.now())) {
      this.logger.warn(
        { lagSeconds: Math.round(lag), intervalSeconds: interval },
        'background checks are behind ACCOUNT_CHECK_INTERVAL_SECONDS: demand exceeds the identity budget or the worker',
      );
    }
  }

  private async sampleQueue(): Promise<void> {
    const c = await this.jobs.queue(QueueName.Accounts).getJobCounts('wait', 'prioritized', 'delayed', 'active');
    this.metrics.queueJobs.set({ state: 'waiting' }, c.wait ?? 0);
    this.metrics.queueJobs.set({ state: 'prioritized' }, c.prioritized ?? 0);
    this.metrics.queueJobs.set({ state: 'delayed' }, c.delayed ?? 0);
    this.metrics.queueJobs.set({ state: 'active' }, c.active ?? 0);
  }

  private async sampleBreakers(): Promise<void> {
    if (Date.now() - this.hosts.at > HOSTS_MS) {
      this.hosts = { at: Date.now(), list: (await this.accounts.identityHosts()).map((h) => h.identityBaseUrl) };
    }
    const open = new Map<string, number>(HOST_CLASSES.map((c) => [c, 0]));
    const views = await Promise.all(this.hosts.list.map(async (url) => ({ cls: hostClassOf(url), view: await this.breaker.view(hostOf(url)) })));
    for (const { cls, view } of views) if (view !== 'closed') open.set(cls, (open.get(cls) ?? 0) + 1);
    for (const [cls, n] of open) this.metrics.breakerOpenHosts.set({ host_class: cls }, n);
  }

  private async sampleStatuses(): Promise<void> {
    if (Date.now() - this.statusesAt < STATUS_MS) return;
    this.statusesAt = Date.now();
    const counts = await this.accounts.countByStatus();
    for (const status of ACCOUNT_STATUSES) this.metrics.accounts.set({ status }, counts[status] ?? 0);
  }

  private async sampleBacklog(): Promise<void> {
    this.metrics.webhookBacklog.set(await this.events.dueUndelivered());
  }
}
