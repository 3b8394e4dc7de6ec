import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '@app/common';
import { BitwardenClient } from '@app/bitwarden';
import { BudgetPriority, IdentityBudget } from './identity-budget';
import { UpstreamMetrics } from './upstream.metrics';

export interface Credentials {
  identityBaseUrl: string;
  clientId: string;
  clientSecret: string;
  organizationId: string;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
  expiresAt: Date;
}

export class BudgetExhausted extends Error {
  constructor(readonly waitMs: number) {
    super('identity host budget exhausted');
  }
}

/**
 * Every token exchange passes here: it takes a slot of the identity host's shared budget first, and a 429 from
 * Bitwarden pauses the whole host for its Retry-After.
 */
@Injectable()
export class UpstreamService {
  private readonly logger = new Logger(UpstreamService.name);

  constructor(
    private readonly client: BitwardenClient,
    private readonly budget: IdentityBudget,
    private readonly metrics: UpstreamMetrics,
  ) {}

  /** `maxWaitMs` bounds how long to queue for a budget slot; past it, BudgetExhausted says how long is left. */
  async exchange(c: Credentials, priority: BudgetPriority, maxWaitMs: number): Promise<IssuedToken> {
    const host = IdentityBudget.hostOf(c.identityBaseUrl);
    const slot = await this.budget.acquire(host, priority, maxWaitMs);
    if (!slot.ok) throw new BudgetExhausted(slot.waitMs);
    const started = Date.now();
    try {
      const t = await this.client.exchangeToken(c);
      this.metrics.exchanges.inc({ host, outcome: 'ok' });
      return { accessToken: t.accessToken, expiresIn: t.expiresIn, scope: t.scope, expiresAt: new Date(started + t.expiresIn * 1000) };
    } catch (e) {
      const code = e instanceof AppError ? e.code : 'provider_error';
      this.metrics.exchanges.inc({ host, outcome: code });
      if (e instanceof AppError && e.code === 'provider_rate_limited') {
        await this.budget.pause(host, e.extra.retryAfterSeconds ?? 60).catch(() => undefined);
      }
      this.logger.log({ host, organizationId: c.organizationId, code }, 'token exchange failed');
      throw e;
    } finally {
      this.metrics.exchangeSeconds.observe({ host }, (Date.now() - started) / 1000);
    }
  }

  /** An interactive exchange: a caller who cannot get a budget slot in time gets the contract's 503. */
  async exchangeOrThrow(c: Credentials, maxWaitMs: number): Promise<IssuedToken> {
    try {
      return await this.exchange(c, 'interactive', maxWaitMs);
    } catch (e) {
      throw this.budgetError(e);
    }
  }

  /** BudgetExhausted → 503 provider_rate_limited with the time until a slot frees; anything else unchanged. */
  budgetError(e: unknown): unknown {
    if (!(e instanceof BudgetExhausted)) return e;
    return new AppError('provider_rate_limited', 'Too many token requests to this Bitwarden server right now. Try again later.', {
      retryAfterSeconds: Math.max(1, Math.ceil(e.waitMs / 1000)),
    });
  }

  probe(apiBaseUrl: string, accessToken: string) {
    return this.client.probeApi({ apiBaseUrl, accessToken });
  }
}
