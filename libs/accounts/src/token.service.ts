import { Injectable } from '@nestjs/common';
import { AppError } from '@app/common';
import { AccountEntity } from '@app/database';
import { RedisLock, tokenLock } from '@app/redis';
import { accountSuspended } from './account-errors';
import { CLEARED_TOKEN, refreshAtFor, tokenUsable } from './account-rules';
import { AccountMetrics } from './account.metrics';
import { AccountSecrets } from './account-secrets';
import { AccountVerifier } from './account-verifier.service';
import { AccountView, mapAccount } from './account-view';
import { AccountsService, notFound } from './accounts.service';
import { AccountsRepository, TokenState } from './persistence/accounts.repository';
import type { CachedTokenState } from './token-cache';
import { TokenCacheService } from './token-cache.service';

export interface TokenView {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  scope: string;
  apiBaseUrl: string;
}

const WAIT_FOR_OTHER_MS = 20_000;
/** Sync jobs wait a little for a budget slot rather than fail at once. */
const TOKEN_BUDGET_WAIT_MS = 5000;
/** Writing "last used" on every cache hit would make hits cost a write; once a minute is enough for scheduling. */
const TOUCH_EVERY_MS = 60_000;

/** A proxied call needs a token that outlives one call with its retries, not the sync job's longer window. */
const PROXY_MIN_VALIDITY_SECONDS = 60;

/** What the proxy needs to send one call: never leaves the process. */
export interface ProxyCredential {
  accessToken: string;
  apiBaseUrl: string;
}

const suspendedError = () => new AppError('account_suspended', 'This account is suspended: no tokens and no Bitwarden calls until it is resumed.');
// Works before and after `suspended` joins the status vocabulary.
const isSuspended = (status: string) => status === 'suspended';

const relinkError = () => new AppError('needs_relink', "Bitwarden rejected this account's credentials. Re-link it with a current API key.");

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
    private readonly verifier: AccountVerifier,
    private readonly secrets: AccountSecrets,
    private readonly lock: RedisLock,
    private readonly metrics: AccountMetrics,
    private readonly tokenCache: TokenCacheService,
  ) {}

  async getToken(id: string, minValiditySeconds: number): Promise<TokenView> {
    return this.tokenFor(id, minValiditySeconds, await this.lookup(id));
  }

  /** The account's token state: from this process's cache when it holds a fresh enough copy, else from Postgres. */
  private async lookup(id: string): Promise<CachedTokenState> {
    const found = await this.tokenCache.active().through(id, () => this.repo.findTokenState(id));
    if (!found) throw notFound();
    return found;
  }

  private async tokenFor(id: string, minValiditySeconds: number, cached: CachedTokenState): Promise<TokenView> {
    let account: TokenState = cached.state;
    if (account.status === 'needs_relink') throw relinkError();
    if (account.status === 'suspended') throw accountSuspended();
    await this.touch(account);
    if (tokenUsable(account, minValiditySeconds, new Date())) {
      this.metrics.tokenRequests.inc({ result: 'hit' });
      // Opening the blob is most of a hit's own work: once per cached state is enough.
      cached.accessToken ??= this.openToken(account);
      return this.view(account, cached.accessToken);
    }
    this.metrics.tokenRequests.inc({ result: 'miss' });
    // A flight started by a caller who asked for less may end with a token too short for us: then fly once more.
    for (let attempt = 0; attempt < 2; attempt++) {
      account = await this.singleFlight(id, () => this.renew(id, minValiditySeconds));
      if (account.status === 'suspended') throw accountSuspended();
      if (tokenUsable(account, minValiditySeconds, new Date())) break;
    }
    if (!tokenUsable(account, minValiditySeconds, new Date())) {
      throw new AppError('provider_error', `Bitwarden issues tokens that live less than the ${minValiditySeconds} seconds asked for. Ask for less.`);
    }
    return this.view(account);
  }

  /** For the Public API proxy: a usable token and the API URL, or 404 / 409 needs_relink / 409 account_suspended. */
  async proxyCredential(id: string): Promise<ProxyCredential> {
    const cached = await this.lookup(id);
    if (isSuspended(cached.state.status as string)) throw suspendedError();
    if (cached.state.status === 'needs_relink') throw relinkError();
    const t = await this.tokenFor(id, PROXY_MIN_VALIDITY_SECONDS, cached);
    return { accessToken: t.accessToken, apiBaseUrl: t.apiBaseUrl };
  }

  /**
   * Bitwarden refused `rejected` with 401: drop it and obtain a fresh token, once, under the same per-account lock as
   * /token, so that concurrent refusals (in any process) cause one exchange. A rejection of the credentials is 409.
   */
  async replaceRejectedToken(id: string, rejected: string): Promise<ProxyCredential> {
    const account = await this.singleFlight(`replace:${id}`, () => this.replace(id, rejected));
    const t = this.view(account);
    return { accessToken: t.accessToken, apiBaseUrl: t.apiBaseUrl };
  }

  /**
   * The token that replaced `rejected`, waiting out an exchange in progress (in this process or another), but never
   * starting one: null when nobody replaced it.
   */
  async replacementFor(id: string, rejected: string): Promise<ProxyCredential | null> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    const own = this.inflight.get(`replace:${id}`);
    if (own) await own.catch(() => undefined);
    for (;;) {
      const current = await this.reread(id);
      if (tokenUsable(current, 0, new Date())) {
        const t = this.view(current);
        if (t.accessToken !== rejected) return { accessToken: t.accessToken, apiBaseUrl: t.apiBaseUrl };
      }
      const held = await this.lock.withLock(tokenLock(id), async () => true);
      if (held.acquired) {
        const after = await this.reread(id);
        if (!tokenUsable(after, 0, new Date())) return null;
        const t = this.view(after);
        return t.accessToken !== rejected ? { accessToken: t.accessToken, apiBaseUrl: t.apiBaseUrl } : null;
      }
      if (Date.now() > deadline) return null;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
    }
  }

  /** A sync job got 401 with our token: drop it and re-verify now. */
  async reportUnauthorized(id: string): Promise<AccountView> {
    const account = await this.accounts.visible({ kind: 'service', name: 'internal' }, id);
    if (account.status === 'suspended') throw accountSuspended();
    await this.repo.update(account.id, { ...CLEARED_TOKEN });
    const fresh = await this.repo.findById(account.id);
    if (!fresh) throw notFound();
    return mapAccount(await this.accounts.verifyNow(fresh));
  }

  private async renew(id: string, minValiditySeconds: number): Promise<AccountEntity> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    for (;;) {
      const held = await this.lock.withLock(tokenLock(id), async () => {
        const current = await this.reread(id);
        if (tokenUsable(current, minValiditySeconds, new Date())) return current;
        if (current.status === 'suspended') throw accountSuspended();
        const result = await this.verifier.verify(current, { priority: 'interactive', maxWaitMs: TOKEN_BUDGET_WAIT_MS });
        if (result.kind === 'ok') return result.account;
        if (result.kind === 'superseded') return null; // credentials swapped meanwhile: go round with the new ones
        if (result.kind === 'rejected') throw relinkError();
        throw result.error;
      });
      if (held.acquired && held.value) return held.value;
      if (held.acquired) continue;
      // Another process is exchanging: wait for its token to land, or for the lock to free up.
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
      const current = await this.reread(id);
      if (tokenUsable(current, minValiditySeconds, new Date())) return current;
      if (current.status === 'needs_relink') throw relinkError();
      if (current.status === 'suspended') throw accountSuspended();
      if (Date.now() > deadline) throw new AppError('provider_timeout', 'A token exchange for this account is taking too long. Try again.');
    }
  }

  private async replace(id: string, rejected: string): Promise<AccountEntity> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    // Another caller may have replaced it already: then its token is the answer.
    const replaced = (a: AccountEntity) => tokenUsable(a, 0, new Date()) && this.secrets.openToken({ ...a, tokenEnc: a.tokenEnc as Buffer }) !== rejected;
    for (;;) {
      const held = await this.lock.withLock(tokenLock(id), async () => {
        const current = await this.reread(id);
        if (isSuspended(current.status as string)) throw suspendedError();
        if (replaced(current)) return current;
        await this.repo.update(id, { ...CLEARED_TOKEN });
        const result = await this.verifier.verify(current, { priority: 'interactive', maxWaitMs: TOKEN_BUDGET_WAIT_MS });
        if (result.kind === 'ok') return result.account;
        if (result.kind === 'superseded') return null;
        if (result.kind === 'rejected') throw relinkError();
        throw result.error;
      });
      if (held.acquired && held.value) return held.value;
      if (held.acquired) continue;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
      const current = await this.reread(id);
      if (replaced(current)) return current;
      if (current.status === 'needs_relink') throw relinkError();
      if (Date.now() > deadline) throw new AppError('provider_timeout', 'A token exchange for this account is taking too long. Try again.');
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

  private async touch(a: TokenState): Promise<void> {
    const now = new Date();
    // Short-lived tokens need fresher "last used" marks, or an account in use could look idle to the worker.
    const every = Math.min(TOUCH_EVERY_MS, (a.tokenLifetimeSeconds ?? 3600) * 250);
    if (a.lastTokenRequestAt && now.getTime() - a.lastTokenRequestAt.getTime() < every) return;
    // Becoming "in active use" schedules a renewal ahead of expiry for the cached token.
    const refreshAt =
      a.refreshAt ??
      (a.tokenExpiresAt && a.tokenLifetimeSeconds
        ? refreshAtFor(now, { expiresAt: a.tokenExpiresAt, expiresIn: a.tokenLifetimeSeconds }, now, this.verifier.ruleConfig.refreshMarginSeconds, Math.random)
        : null);
    await this.repo.reschedule(a.id, { lastTokenRequestAt: now, refreshAt });
    a.lastTokenRequestAt = now;
  }

  private openToken(a: TokenState): string {
    return this.secrets.openToken({ ...a, tokenEnc: a.tokenEnc as Buffer });
  }

  private view(a: TokenState, accessToken = this.openToken(a)): TokenView {
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresAt: (a.tokenExpiresAt as Date).toISOString(),
      scope: a.tokenScope ?? 'api.organization',
      apiBaseUrl: a.apiBaseUrl,
    };
  }
}
