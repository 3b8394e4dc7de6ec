import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { JobName, JobProducer } from '@app/queue';
import { AccountsRepository } from '../accounts.repository';

const BATCH = 500;
const MAX_BATCHES_PER_SWEEP = 20;

/**
 * Postgres says when each account is due; this turns due rows into jobs. A claimed row is leased (its due time
 * pushed out) rather than cleared, so a job lost to a Redis flush or a crash is claimed again when the lease ends,
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
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP; i++) {
      const due = await this.repo.claimDueChecks(now, leaseUntil, BATCH);
      await this.jobs.addAll(due.map((d) => ({ name: JobName.CheckAccount, data: { accountId: d.id } })));
      checks += due.length;
      if (due.length < BATCH) break;
    }
    if (checks || refreshes) this.logger.debug({ checks, refreshes }, 'sweep queued jobs');
    return { checks, refreshes };
  }
}
