import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { AccountEntity } from '@app/database';
import { AccountChecker } from '../account-checker.service';
import { AccountsRepository } from '../accounts.repository';
import { DistributedLock } from '../distributed-lock';
import { IdentityBudget } from '../identity-budget';
import { backoffCheck } from '../status-policy';
import { BudgetExhausted } from '../upstream.service';
import { HostBreaker } from './host-breaker';

export type JobOutcome =
  | { kind: 'done'; detail: string }
  | { kind: 'skipped'; detail: string }
  /** Come back at `at` (budget exhausted, host paused): not a failure and no retry attempt is used. */
  | { kind: 'delay'; at: number; detail: string };

/**
 * The worker's two jobs. Both are idempotent: they re-read the account, act only when still needed, and write
 * with a compare-and-set on the credentials version, so a duplicate or a re-run after a crash ends the same way.
 */
@Injectable()
export class AccountJobs {
  private readonly logger = new Logger(AccountJobs.name);

  constructor(
    private readonly repo: AccountsRepository,
    private readonly checker: AccountChecker,
    private readonly breaker: HostBreaker,
    private readonly lock: DistributedLock,
    private readonly config: AppConfig,
  ) {}

  /** The slow check every account gets: re-verify the credentials with a fresh exchange. */
  async check(accountId: string): Promise<JobOutcome> {
    const account = await this.repo.findById(accountId);
    if (!account) return { kind: 'skipped', detail: 'account deleted' };
    return this.exchange(account, 'background');
  }

  /** Renew the token of an account in active use before it runs out. */
  async refresh(accountId: string): Promise<JobOutcome> {
    const account = await this.repo.findById(accountId);
    if (!account) return { kind: 'skipped', detail: 'account deleted' };
    if (account.status === 'needs_relink') {
      await this.repo.reschedule(account.id, { refreshAt: null });
      return { kind: 'skipped', detail: 'needs relink' };
    }
    const lifetime = account.tokenLifetimeSeconds ?? 3600;
    const now = Date.now();
    if (!account.lastTokenRequestAt || now - account.lastTokenRequestAt.getTime() > 2 * lifetime * 1000) {
      await this.repo.reschedule(account.id, { refreshAt: null });
      return { kind: 'skipped', detail: 'no longer in active use' };
    }
    const margin = this.config.refreshMarginFor(lifetime) * 1000;
    if (account.tokenEnc && account.tokenExpiresAt && account.tokenExpiresAt.getTime() - now > margin * 1.1) {
      // Someone renewed it meanwhile (a sync job's exchange): come back when this token nears its end.
      await this.repo.reschedule(account.id, { refreshAt: new Date(account.tokenExpiresAt.getTime() - margin * (1 + 0.1 * Math.random())) });
      return { kind: 'skipped', detail: 'token already renewed' };
    }
    // Same lock as the API's token path, so a sync job and this job never both exchange for one account.
    const lockToken = await this.lock.tryLock(`token-${account.id}`, 30_000);
    if (!lockToken) return { kind: 'delay', at: now + 1000, detail: 'token exchange in progress elsewhere' };
    try {
      const fresh = await this.repo.findById(account.id);
      if (!fresh) return { kind: 'skipped', detail: 'account deleted' };
      return await this.exchange(fresh, 'interactive');
    } finally {
      await this.lock.unlock(`token-${account.id}`, lockToken);
    }
  }

  private async exchange(account: AccountEntity, priority: 'background' | 'interactive'): Promise<JobOutcome> {
    const host = IdentityBudget.hostOf(account.identityBaseUrl);
    const state = await this.breaker.state(host);
    let probing = false;
    if (state.open) {
      probing = await this.breaker.tryProbe(host, state.probeIntervalMs);
      if (!probing) {
        // The host is down: postpone without touching the account's status, and look again after the next probe.
        const at = Date.now() + Math.min(state.probeIntervalMs * (1 + Math.random()), this.config.accountCheckIntervalSeconds * 1000);
        await this.repo.reschedule(account.id, priority === 'background' ? { nextCheckAt: new Date(at) } : { refreshAt: new Date(at) });
        return { kind: 'skipped', detail: `host ${host} is in outage` };
      }
    }
    let result;
    try {
      result = await this.checker.check(account, priority, 0, { recordTransient: false });
    } catch (e) {
      if (e instanceof BudgetExhausted) return { kind: 'delay', at: Date.now() + e.waitMs + Math.random() * 250, detail: 'budget exhausted' };
      throw e;
    }
    if (result.kind === 'superseded') return { kind: 'skipped', detail: 'credentials changed meanwhile' };
    if (result.kind === 'ok') {
      if (probing || state.open) await this.breaker.close(host);
      else await this.breaker.recordSuccess(host);
      return { kind: 'done', detail: 'active' };
    }
    if (result.kind === 'failed') return { kind: 'done', detail: result.error.code }; // a rejection, already recorded
    // A transient failure: a host-wide outage postpones checks instead of degrading every account one by one.
    const e: AppError = result.error;
    if (probing) {
      await this.breaker.probeFailed(host, state.open ? state.probeIntervalMs : 5000, this.config.accountCheckIntervalSeconds * 1000);
      await this.repo.reschedule(account.id, { nextCheckAt: backoffCheck(new Date(), 1, this.config.accountCheckIntervalSeconds) });
      return { kind: 'skipped', detail: `probe of ${host} failed: ${e.code}` };
    }
    const opened = await this.breaker.recordFailure(host);
    if (opened) {
      this.logger.warn({ host, code: e.code }, 'identity host looks down: pausing its checks');
      await this.repo.reschedule(account.id, { nextCheckAt: backoffCheck(new Date(), 1, this.config.accountCheckIntervalSeconds) });
      return { kind: 'skipped', detail: `host ${host} is in outage` };
    }
    await this.checker.recordFailure(account, e);
    if (priority === 'interactive') {
      await this.repo.reschedule(account.id, { refreshAt: backoffCheck(new Date(), account.consecutiveFailures + 1, 60) });
    }
    if (e.code === 'provider_rate_limited') return { kind: 'done', detail: 'rate limited by Bitwarden; host paused' };
    return { kind: 'done', detail: e.code };
  }

}
