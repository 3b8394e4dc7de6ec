import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { JobName, JobProducer, QueueName } from '@app/queue';
import { AccountsRepository } from '@app/accounts';

const BATCH = 500;
const MAX_BATCHES_PER_SWEEP = 20;
/** At most this many check jobs wait in Redis at once (renewals, which serve sync jobs, are never held back). */
const MAX_QUEUED = 5000;

/**
 * Postgres says when each account is due; this turns due rows into jobs. A claimed row is leased (a check's lease is
 * kept beside its due time, which stays as it was so the check lag stays true; a renewal's due time is pushed out)
 * rather than cleared, so a job lost to a Redis flush or a crash is claimed again when the lease ends,
 * and BullMQ's job ids keep a still-pending job from being added twice.
 */
@Injectable()
export class Sweeper {
  private readonly logger = new Logger(Sweeper.name);

  constructor(
    private readonly repo: AccountsRepository,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  leaseMs(): number {
    return Math.min(120_000, Math.max(5_000, (this.config.accountCheckIntervalSeconds * 1000) / 4));
  }

  private async queuedChecks(): Promise<number> {
    const c = await this.jobs.queue(QueueName.Accounts).getJobCounts('wait', 'prioritized', 'delayed', 'active');
    return (c.wait ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0);
  }

  async sweepOnce(now = new Date()): Promise<{ checks: number; refreshes: number }> {
    const leaseUntil = new Date(now.getTime() + this.leaseMs());
    let checks = 0;
    let refreshes = 0;
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP; i++) {
      const due = await this.repo.claimDueRefreshes(now, leaseUntil, BATCH);
      await this.jobs.addAll(due.map((d) => ({ name: JobName.RefreshToken, data: { accountId: d.id } })));
      refreshes += due.length;
      if (due.length < BATCH) break;
    }
    // Back-pressure: claim background checks only while the queue is short. Unclaimed rows simply stay due in
    // Postgres, so a backlog waits there instead of growing in Redis.
    const room = MAX_QUEUED - (await this.queuedChecks());
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP && checks < room; i++) {
      const want = Math.min(BATCH, room - checks);
      const due = await this.repo.claimDueChecks(now, leaseUntil, want);
      await this.jobs.addAll(due.map((d) => ({ name: JobName.CheckAccount, data: { accountId: d.id } })));
      checks += due.length;
      if (due.length < want) break;
    }
    if (checks || refreshes) this.logger.debug({ checks, refreshes }, 'sweep queued jobs');
    return { checks, refreshes };
  }
}
