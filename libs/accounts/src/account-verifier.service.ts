import { Injectable } from '@nestjs/common';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { BitwardenGateway, BudgetPriority, IssuedToken } from '@app/bitwarden';
import { AccountEntity, LastError } from '@app/database';
import { apiProblemState, provenState, rejectedState, RuleConfig, transientState } from './account-rules';
import { AccountSecrets } from './account-secrets';
import { AccountPatch, AccountsRepository } from './persistence/accounts.repository';

export type VerifyResult =
  | { kind: 'ok'; account: AccountEntity; token: IssuedToken }
  /** Bitwarden rejected the credentials; recorded (needs_relink). */
  | { kind: 'rejected'; account: AccountEntity; error: AppError }
  /** A failure that may pass; `account` is the recorded row, or null when the caller asked to decide itself. */
  | { kind: 'transient'; account: AccountEntity | null; error: AppError }
  /** No budget slot came in time: nothing was sent and nothing written. */
  | { kind: 'budget'; waitMs: number; error: AppError }
  /** The credentials were replaced meanwhile: this outcome was for old ones and is dropped. */
  | { kind: 'superseded' };

export interface VerifyOptions {
  priority: BudgetPriority;
  maxWaitMs: number;
  /** false: a transient failure is returned unrecorded, for callers (the worker's breaker) that decide themselves. */
  recordTransient?: boolean;
  /** The outcome resumes a suspended account (one `resumed` event); without it a suspended account stays so. */
  resume?: boolean;
}

export const ruleConfig = (c: AppConfig): RuleConfig => ({
  checkIntervalSeconds: c.accountCheckIntervalSeconds,
  refreshMarginSeconds: c.tokenRefreshMarginSeconds,
});

/**
 * Runs a token exchange with an account's stored credentials and records what it proved: the status machine's
 * single writer. The write is a compare-and-set on credentials_version, so an outcome for credentials that were
 * replaced meanwhile is dropped instead of overwriting the new ones' status.
 */
@Injectable()
export class AccountVerifier {
  private readonly rules: RuleConfig;

  constructor(
    private readonly repo: AccountsRepository,
    private readonly secrets: AccountSecrets,
    private readonly gateway: BitwardenGateway,
    config: AppConfig,
  ) {
    this.rules = ruleConfig(config);
  }

  async verify(account: AccountEntity, o: VerifyOptions): Promise<VerifyResult> {
    const outcome = await this.gateway.exchange(
      {
        identityBaseUrl: account.identityBaseUrl,
        clientId: account.clientId,
        clientSecret: this.secrets.openSecret(account),
        organizationId: account.organizationId,
      },
      { ...o, flavor: account.serverFlavor },
    );
    if (outcome.ok) {
      const updated = await this.repo.update(account.id, this.provenPatch(account, outcome.token, new Date()), {
        expectedCredentialsVersion: account.credentialsVersion,
        resume: o.resume,
      });
      return updated ? { kind: 'ok', account: updated, token: outcome.token } : { kind: 'superseded' };
    }
    if (outcome.kind === 'budget') return outcome;
    if (outcome.kind === 'transient' && o.recordTransient === false) return { kind: 'transient', account: null, error: outcome.error };
    return this.recordFailure(account, outcome.error, o.resume);
  }

  /** Records a failed exchange (rejection or transient) with the rules' state. */
  async recordFailure(account: AccountEntity, e: AppError, resume = false): Promise<VerifyResult> {
    const now = new Date();
    const rejected = e.code === 'credentials_rejected';
    const patch = rejected ? rejectedState(account, e, now, this.rules, Math.random) : transientState(account, e, now, this.rules, Math.random);
    const updated = await this.repo.update(account.id, patch, { expectedCredentialsVersion: account.credentialsVersion, resume });
    if (!updated) return { kind: 'superseded' };
    return rejected ? { kind: 'rejected', account: updated, error: e } : { kind: 'transient', account: updated, error: e };
  }

  /** The columns of an account just proven with `token`: the rules' state plus the sealed token. */
  provenPatch(account: Pick<AccountEntity, 'id' | 'ownerId' | 'apiBaseUrl' | 'lastTokenRequestAt'> & { apiError?: LastError | null }, token: IssuedToken, now: Date): AccountPatch {
    const sealed = this.secrets.sealToken(account, token.accessToken);
    return { ...provenState(account.lastTokenRequestAt, token, now, this.rules, Math.random, account.apiError ?? null), tokenEnc: sealed.enc, tokenKeyId: sealed.keyId };
  }

  /**
   * The daily look at the server behind a working key: its /config (flavor, version) and a probe of the API URL
   * with the fresh token. A probe that fails for a reason of the server (not a rate limit) marks the account degraded
   * with that reason; only a later successful probe clears it.
   */
  async reprobe(account: AccountEntity, token: IssuedToken): Promise<AccountEntity | null> {
    const now = new Date();
    // Background work: it takes API budget only when there is room left for sync jobs, and skips otherwise.
    const info = await this.gateway.serverInfo(account.apiBaseUrl, 'background');
    try {
      const probed = await this.gateway.probe(account.apiBaseUrl, token.accessToken, { priority: 'background', maxWaitMs: 0 });
      const recovered = account.apiError && account.status === 'degraded' ? { status: 'active' as const, statusReason: null, lastError: null } : {};
      return this.repo.update(
        account.id,
        { serverFlavor: probed.flavor, serverVersion: info?.flavor === probed.flavor ? info.version : account.serverVersion, serverCheckedAt: now, apiError: null, ...recovered },
        { expectedCredentialsVersion: account.credentialsVersion },
      );
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'provider_rate_limited') return null;
      return this.repo.update(account.id, apiProblemState(e, now), { expectedCredentialsVersion: account.credentialsVersion });
    }
  }

  get ruleConfig(): RuleConfig {
    return this.rules;
  }
}
