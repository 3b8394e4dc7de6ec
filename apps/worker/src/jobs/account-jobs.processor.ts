import { Injectable, Logger } from '@nestjs/common';
import { AccountRules, AccountsRepository, AccountVerifier } from '@app/accounts';
import { HostBreaker, hostOf } from '@app/bitwarden';
import { AppConfig } from '@app/config';
import { AccountEntity } from '@app/database';
import { RedisLock, tokenLock } from '@app/redis';

export type JobOutcome =
  | { kind: 'done'; detail: string }
  | { kind: 'skipped'; detail: string }
  /** Come back at `at` (budget exhausted, lock held elsewhere): not a failure and no retry attempt is used. */
  | { kind: 'delay'; at: number; detail: string };

/**
 * The worker's two jobs. Both are idempotent: they re-read the account, act only when still needed, and write
 * with a compare-and-set on the credentials version, so a duplicate or a re-run after a crash ends the same way.
 */
@Injectable()
export class AccountJobsProcessor {
  private readonly logger = new Logger(AccountJobsProcessor.name);

  constructor(
    private readonly repo: AccountsRepository,
    private readonly verifier: AccountVerifier,
    private readonly breaker: HostBreaker,
    private readonly lock: RedisLock,
    private readonly config: AppConfig,
  ) {}

  /** The slow check every account gets: re-verify the credentials with a fresh exchange. */
  async check(accountId: string): Promise<JobOutcome> {
    const account = await this.repo.findById(accountId);
    if (!account) return { kind: 'skipped', detail: 'account deleted' };
    // Queued before the suspension: a suspended account is never checked (resume makes its own exchange).
    if (account.status === 'suspended') return { kind: 'skipped', detail: 'suspended' };
    return this.exchange(account, 'background');
  }

  /** Renew the token of an account in active use before it runs out. */
  async refresh(accountId: string): Promise<JobOutcome> {
    const account = await this.repo.findById(accountId);
    if (!account) return { kind: 'skipped', detail: 'account deleted' };
    if (account.status === 'suspended') return { kind: 'skipped', detail: 'suspended' };
    if (account.status === 'needs_relink') {
      await this.repo.reschedule(account.id, { refreshAt: null });
      return { kind: 'skipped', detail: 'needs relink' };
    }
    const lifetime = account.tokenLifetimeSeconds ?? 3600;
    const now = new Date();
    const margin = this.verifier.ruleConfig.refreshMarginSeconds;
    if (!AccountRules.isInActiveUse(account.lastTokenRequestAt, lifetime, now)) {
      await this.repo.reschedule(account.id, { refreshAt: null });
      return { kind: 'skipped', detail: 'no longer in active use' };
    }
    if (AccountRules.renewedMeanwhile(account, lifetime, margin, now)) {
      // Someone renewed it meanwhile (a sync job's exchange): come back when this token nears its end.
      await this.repo.reschedule(account.id, { refreshAt: AccountRules.nextRenewalOf(account.tokenExpiresAt as Date, lifetime, margin, Math.random) });
      return { kind: 'skipped', detail: 'token already renewed' };
    }
    // The API's token path takes the same lock, so a sync job and this job never both exchange for one account.
    const held = await this.lock.withLock(tokenLock(account.id), async () => {
      const fresh = await this.repo.findById(account.id);
      if (!fresh) return { kind: 'skipped', detail: 'account deleted' } as const;
      if (fresh.status === 'suspended') return { kind: 'skipped', detail: 'suspended' } as const;
      return this.exchange(fresh, 'interactive');
    });
    return held.acquired ? held.value : { kind: 'delay', at: Date.now() + 1000, detail: 'token exchange in progress elsewhere' };
  }

  /**
   * The decision tree of one background exchange: breaker open (probe or postpone), budget spent (delay), success
   * (close or feed the breaker), rejection (recorded), transient failure (probe failed, breaker opened, or recorded).
   */
  private async exchange(account: AccountEntity, priority: 'background' | 'interactive'): Promise<JobOutcome> {
    const host = hostOf(account.identityBaseUrl);
    const interval = this.config.accountCheckIntervalSeconds;
    const state = await this.breaker.state(host);
    let probing = false;
    if (state.open) {
      probing = await this.breaker.tryProbe(host, state.probeIntervalMs);
      if (!probing) {
        // The host is down: postpone without touching the account's status, and look again after the next probe.
        const at = new Date(Date.now() + Math.min(state.probeIntervalMs * (1 + Math.random()), interval * 1000));
        await this.repo.reschedule(account.id, priority === 'background' ? { nextCheckAt: at } : { refreshAt: at });
        return { kind: 'skipped', detail: 'identity host is in outage' };
      }
    }
    const result = await this.verifier.verify(account, { priority, maxWaitMs: 0, recordTransient: false });
    switch (result.kind) {
      case 'budget':
        return { kind: 'delay', at: Date.now() + result.waitMs + Math.random() * 250, detail: 'budget exhausted' };
      case 'superseded':
        return { kind: 'skipped', detail: 'credentials changed meanwhile' };
      case 'ok':
        if (probing || state.open) await this.breaker.close(host);
        else await this.breaker.recordSuccess(host);
        if (priority === 'background' && AccountRules.serverRecheckDue(result.account.serverCheckedAt, new Date())) {
          const after = await this.verifier.reprobe(result.account, result.token);
          if (after?.apiError) return { kind: 'done', detail: `API URL probe failed: ${after.apiError.code}` };
        }
        return { kind: 'done', detail: 'active' };
      case 'rejected':
        return { kind: 'done', detail: result.error.code };
      case 'transient':
        break;
    }
    // A transient failure: a host-wide outage postpones checks instead of degrading every account one by one.
    const e = result.error;
    const postponed = () => AccountRules.backoffCheck(new Date(), 1, interval, Math.random);
    if (probing) {
      await this.breaker.probeFailed(host, state.open ? state.probeIntervalMs : 5000, interval * 1000);
      await this.repo.reschedule(account.id, { nextCheckAt: postponed() });
      return { kind: 'skipped', detail: `probe of the identity host failed: ${e.code}` };
    }
    if (await this.breaker.recordFailure(host)) {
      this.logger.warn({ host, code: e.code }, 'identity host looks down: pausing its checks');
      await this.repo.reschedule(account.id, { nextCheckAt: postponed() });
      return { kind: 'skipped', detail: 'identity host is in outage' };
    }
    await this.verifier.recordFailure(account, e);
    if (priority === 'interactive') {
      await this.repo.reschedule(account.id, { refreshAt: AccountRules.backoffCheck(new Date(), account.consecutiveFailures + 1, 60, Math.random) });
    }
    if (e.code === 'provider_rate_limited') return { kind: 'done', detail: 'rate limited by Bitwarden; host paused' };
    return { kind: 'done', detail: e.code };
  }
}
