import { Injectable } from '@nestjs/common';
import { AppError } from '@app/common';
import { AccountEntity } from '@app/database';
import { AccountChecker } from './account-checker.service';
import { AccountSecrets } from './account-secrets';
import { AccountsRepository, TokenState } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { AccountView, mapAccount } from './account.mapper';
import { DistributedLock } from './distributed-lock';
import { UpstreamMetrics } from './upstream.metrics';
import { UpstreamService } from './upstream.service';

export interface TokenView {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  scope: string;
  apiBaseUrl: string;
}

/** Tokens given out must outlive what was asked by this much too, for the caller's own clock and network. */
const SAFETY_MS = 1000;
const LOCK_TTL_MS = 30_000;
const WAIT_FOR_OTHER_MS = 20_000;
/** Sync jobs wait a little for a budget slot rather than fail at once. */
const TOKEN_BUDGET_WAIT_MS = 5000;
/** Writing "last used" on every cache hit would make hits cost a write; once a minute is enough for scheduling. */
const TOUCH_EVERY_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => new AppError('not_found', 'No such account.');
const relinkError = () =>
  new AppError('needs_relink', 'Bitwarden rejected this account\'s credentials. Re-link it with a current API key.');

/**
 * Serves sync jobs a token with at least the asked life left. Single flight at two levels: one promise per
 * account in this process, and a Redis lock across processes; whoever waits re-reads the row afterwards.
 */
@Injectable()
export class TokenService {
  private readonly inflight = new Map<string, Promise<AccountEntity>>();

  constructor(
    private readonly repo: AccountsRepository,
    private readonly accounts: AccountsService,
    private readonly checker: AccountChecker,
    private readonly secrets: AccountSecrets,
    private readonly lock: DistributedLock,
    private readonly upstream: UpstreamService,
    private readonly metrics: UpstreamMetrics,
  ) {}

  async getToken(id: string, minValiditySeconds: number): Promise<TokenView> {
    if (!UUID.test(id)) throw notFound();
    let account: TokenState | null = await this.repo.findTokenState(id.toLowerCase());
    if (!account) throw notFound();
    if (account.status === 'needs_relink') throw relinkError();
    await this.touch(account);
    if (this.usable(account, minValiditySeconds)) {
      this.metrics.tokenRequests.inc({ result: 'hit' });
      return this.view(account);
    }
    this.metrics.tokenRequests.inc({ result: 'miss' });
    // A flight started by a caller who asked for less may end with a token too short for us: then fly once more.
    for (let attempt = 0; attempt < 2; attempt++) {
      account = await this.singleFlight(account.id, () => this.renew(id.toLowerCase(), minValiditySeconds));
      if (this.usable(account, minValiditySeconds)) break;
    }
    if (!this.usable(account, minValiditySeconds)) {
      throw new AppError(
        'provider_error',
        `Bitwarden issues tokens that live less than the ${minValiditySeconds} seconds asked for. Ask for less.`,
      );
    }
    return this.view(account);
  }

  /** A sync job got 401 with our token: drop it and re-verify now. */
  async reportUnauthorized(id: string): Promise<AccountView> {
    const account = await this.accounts.visible({ kind: 'service', name: 'internal' }, id);
    await this.repo.update(account.id, { tokenEnc: null, tokenKeyId: null, tokenExpiresAt: null, tokenScope: null, tokenLifetimeSeconds: null, refreshAt: null });
    const fresh = await this.repo.findById(account.id);
    if (!fresh) throw new AppError('not_found', 'No such account.');
    return mapAccount(await this.accounts.checkNow(fresh));
  }

  private async renew(id: string, minValiditySeconds: number): Promise<AccountEntity> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    for (;;) {
      const lockToken = await this.lock.tryLock(`token-${id}`, LOCK_TTL_MS);
      if (lockToken) {
        try {
          const current = await this.reread(id);
          if (this.usable(current, minValiditySeconds)) return current;
          const result = await this.checker.check(current, 'interactive', TOKEN_BUDGET_WAIT_MS).catch((e) => {
            throw this.upstream.budgetError(e);
          });
          if (result.kind === 'ok') return result.account;
          if (result.kind === 'failed' || result.kind === 'transient') {
            if (result.error.code === 'credentials_rejected') throw relinkError();
            throw result.error;
          }
          continue; // credentials swapped meanwhile: go round with the new ones
        } finally {
          await this.lock.unlock(`token-${id}`, lockToken);
        }
      }
      // Another process is exchanging: wait for its token to land, or for the lock to free up.
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
      const current = await this.reread(id);
      if (this.usable(current, minValiditySeconds)) return current;
      if (current.status === 'needs_relink') throw relinkError();
      if (Date.now() > deadline) {
        throw new AppError('provider_timeout', 'A token exchange for this account is taking too long. Try again.');
      }
    }
  }

  private singleFlight(id: string, fn: () => Promise<AccountEntity>): Promise<AccountEntity> {
    let p = this.inflight.get(id);
    if (!p) {
      p = fn().finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
    return p;
  }

  private async reread(id: string): Promise<AccountEntity> {
    const a = await this.repo.findById(id);
    if (!a) throw notFound();
    return a;
  }

  private usable(a: TokenState, minValiditySeconds: number): boolean {
    return !!a.tokenEnc && !!a.tokenExpiresAt && a.tokenExpiresAt.getTime() - Date.now() >= minValiditySeconds * 1000 + SAFETY_MS;
  }

  private async touch(a: TokenState): Promise<void> {
    const now = Date.now();
    // Short-lived tokens need fresher "last used" marks, or an account in use could look idle to the worker.
    const every = Math.min(TOUCH_EVERY_MS, (a.tokenLifetimeSeconds ?? 3600) * 250);
    if (a.lastTokenRequestAt && now - a.lastTokenRequestAt.getTime() < every) return;
    const lastTokenRequestAt = new Date(now);
    // Becoming "in active use" schedules a renewal ahead of expiry for the cached token.
    const refreshAt =
      a.refreshAt ??
      (a.tokenExpiresAt && a.tokenLifetimeSeconds
        ? this.checker.refreshAtFor(lastTokenRequestAt, { accessToken: '', scope: '', expiresAt: a.tokenExpiresAt, expiresIn: a.tokenLifetimeSeconds }, new Date(now))
        : null);
    await this.repo.reschedule(a.id, { lastTokenRequestAt, refreshAt });
    a.lastTokenRequestAt = lastTokenRequestAt;
  }

  private view(a: TokenState): TokenView {
    return {
      accessToken: this.secrets.openToken({ ...a, tokenEnc: a.tokenEnc as Buffer }),
      tokenType: 'Bearer',
      expiresAt: (a.tokenExpiresAt as Date).toISOString(),
      scope: a.tokenScope ?? 'api.organization',
      apiBaseUrl: a.apiBaseUrl,
    };
  }
}
