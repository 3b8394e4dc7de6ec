import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { AppError } from '@app/common';
import { AccountEntity } from '@app/database';
import { AccountPatch, AccountsRepository } from './accounts.repository';
import { AccountSecrets } from './account-secrets';
import { BudgetPriority } from './identity-budget';
import { isRejection, nextRegularCheck, rejectedPatch, transientPatch } from './status-policy';
import { IssuedToken, UpstreamService } from './upstream.service';

export type CheckResult =
  | { kind: 'ok'; account: AccountEntity; token: IssuedToken }
  | { kind: 'failed'; account: AccountEntity; error: AppError }
  /** A transient failure the caller chose to handle itself (nothing was written). */
  | { kind: 'transient'; error: AppError }
  | { kind: 'superseded' };

/**
 * Runs a token exchange with an account's stored credentials and records what it proved: the status machine's
 * single writer. The write is a compare-and-set on credentials_version, so an outcome for credentials that were
 * replaced meanwhile is dropped instead of overwriting the new ones' status.
 */
@Injectable()
export class AccountChecker {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly secrets: AccountSecrets,
    private readonly upstream: UpstreamService,
    private readonly config: AppConfig,
  ) {}

  /** Throws BudgetExhausted when no slot came within maxWaitMs; every other failure is recorded and returned. */
  async check(account: AccountEntity, priority: BudgetPriority, maxWaitMs: number, opts: { recordTransient?: boolean } = {}): Promise<CheckResult> {
    const secret = this.secrets.openSecret(account);
    let token: IssuedToken;
    try {
      token = await this.upstream.exchange(
        { identityBaseUrl: account.identityBaseUrl, clientId: account.clientId, clientSecret: secret, organizationId: account.organizationId },
        priority,
        maxWaitMs,
      );
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (opts.recordTransient === false && !isRejection(e)) return { kind: 'transient', error: e };
      return this.recordFailure(account, e);
    }
    const updated = await this.recordSuccess(account, token);
    return updated ? { kind: 'ok', account: updated, token } : { kind: 'superseded' };
  }

  async recordFailure(account: AccountEntity, e: AppError): Promise<CheckResult> {
    const now = new Date();
    const interval = this.config.accountCheckIntervalSeconds;
    const patch = isRejection(e) ? rejectedPatch(account, e, now, interval) : transientPatch(account, e, now, interval);
    const updated = await this.repo.update(account.id, patch, { expectedCredentialsVersion: account.credentialsVersion });
    return updated ? { kind: 'failed', account: updated, error: e } : { kind: 'superseded' };
  }

  recordSuccess(account: AccountEntity, token: IssuedToken): Promise<AccountEntity | null> {
    return this.repo.update(account.id, this.successPatch(account, token, new Date()), {
      expectedCredentialsVersion: account.credentialsVersion,
    });
  }

  successPatch(account: Pick<AccountEntity, 'id' | 'ownerId' | 'apiBaseUrl' | 'lastTokenRequestAt'>, token: IssuedToken, now: Date): AccountPatch {
    const sealed = this.secrets.sealToken(account, token.accessToken);
    return {
      status: 'active',
      statusReason: null,
      lastError: null,
      lastVerifiedAt: now,
      lastCheckedAt: now,
      consecutiveFailures: 0,
      nextCheckAt: nextRegularCheck(now, this.config.accountCheckIntervalSeconds),
      tokenEnc: sealed.enc,
      tokenKeyId: sealed.keyId,
      tokenExpiresAt: token.expiresAt,
      tokenScope: token.scope,
      tokenLifetimeSeconds: token.expiresIn,
      refreshAt: this.refreshAtFor(account.lastTokenRequestAt, token, now),
    };
  }

  /**
   * Accounts whose token was asked for within two token lifetimes are "in active use": their token is renewed
   * ahead of expiry (the refresh margin, less up to 10 % jitter so renewals of many accounts do not bunch up).
   */
  refreshAtFor(lastTokenRequestAt: Date | null, token: IssuedToken, now: Date): Date | null {
    if (!lastTokenRequestAt || now.getTime() - lastTokenRequestAt.getTime() > 2 * token.expiresIn * 1000) return null;
    const margin = this.config.refreshMarginFor(token.expiresIn);
    return new Date(token.expiresAt.getTime() - margin * 1000 * (1 + 0.1 * Math.random()));
  }
}
