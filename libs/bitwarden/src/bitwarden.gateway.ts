import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { ApiGateway, ApiSlot } from './api-gateway';
import { BitwardenClient, ServerFlavor, ServerInfo } from './bitwarden.client';
import { GatewayMetrics } from './gateway.metrics';
import { HostPolicy, identityHostPolicy } from './host-policy';
import { BudgetPriority, IdentityBudget, newSlotMember } from './identity-budget';

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

/**
 * What an exchange came to. `budget`: no slot of the host's shared budget came in time (nothing was sent);
 * `rejected`: Bitwarden refused the credentials; `transient`: anything that may pass (outage, 5xx, 429, timeout).
 * Every failure carries the contract error an interactive caller answers with.
 */
export type ExchangeOutcome =
  | { ok: true; token: IssuedToken }
  | { ok: false; kind: 'budget'; waitMs: number; error: AppError }
  | { ok: false; kind: 'rejected'; error: AppError }
  | { ok: false; kind: 'transient'; error: AppError };

export interface ExchangeOptions {
  priority: BudgetPriority;
  /** How long to queue for a budget slot before giving up with `budget`. */
  maxWaitMs: number;
  /** The server's flavor when known (from its /config): it decides a self-hosted host's rules. */
  flavor?: ServerFlavor | null;
}

/** Links and re-links wait this long for an API budget slot for their probe. */
const PROBE_BUDGET_WAIT_MS = 5_000;
/** The service's own probes and /config reads in the API budget's turns (when they wait their turn at all). */
const PROBE_MEMBER = 'bitwarden-connect:probe';

const budgetError = (waitMs: number) =>
  new AppError('provider_rate_limited', 'Too many token requests to this Bitwarden server right now. Try again later.', {
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });

/**
 * Every token exchange passes here: a slot of the identity host's shared budget first (its HostPolicy says which
 * rules apply), then the exchange; a 429 from Bitwarden pauses the whole host for its Retry-After.
 */
@Injectable()
export class BitwardenGateway {
  private readonly logger = new Logger(BitwardenGateway.name);

  constructor(
    private readonly client: BitwardenClient,
    private readonly budget: IdentityBudget,
    private readonly metrics: GatewayMetrics,
    private readonly config: AppConfig,
    private readonly api: ApiGateway,
  ) {}

  identityPolicy(identityBaseUrl: string, flavor: ServerFlavor | null = null): HostPolicy {
    const c = this.config;
    return identityHostPolicy(identityBaseUrl, flavor, {
      cloudPerMinute: c.identityRateLimitPerMinute,
      cloudPerSecond: c.identityRateLimitPerSecond,
      selfHostedPerMinute: c.selfHostedIdentityRateLimitPerMinute,
      vaultwardenBurst: c.vaultwardenLoginBurst,
      vaultwardenPeriodSeconds: c.vaultwardenLoginPeriodSeconds,
    });
  }

  async exchange(c: Credentials, o: ExchangeOptions): Promise<ExchangeOutcome> {
    const policy = this.identityPolicy(c.identityBaseUrl, o.flavor ?? null);
    const waitStarted = Date.now();
    const member = newSlotMember();
    const slot = await this.budget.acquire(policy, o.priority, o.maxWaitMs, member);
    this.metrics.budgetWaitSeconds.observe({ budget: 'identity' }, (Date.now() - waitStarted) / 1000);
    if (!slot.ok) return { ok: false, kind: 'budget', waitMs: slot.waitMs, error: budgetError(slot.waitMs) };
    const labels = { host_class: policy.hostClass };
    const started = Date.now();
    try {
      const t = await this.client.exchangeToken(c);
      this.metrics.exchanges.inc({ ...labels, outcome: 'ok' });
      return { ok: true, token: { accessToken: t.accessToken, expiresIn: t.expiresIn, scope: t.scope, expiresAt: new Date(started + t.expiresIn * 1000) } };
    } catch (thrown) {
      if (!(thrown instanceof AppError)) throw thrown;
      let e: AppError = thrown;
      this.metrics.exchanges.inc({ ...labels, outcome: e.code });
      if (e.code === 'provider_rate_limited') {
        // Vaultwarden's 429 names no Retry-After: its own period is the truth, and its bucket is empty whatever ours
        // says. Others say how long: the host is paused for exactly that, and the caller told the same.
        const gcra = policy.rules.some((r) => r.kind === 'gcra');
        const seconds = gcra ? policy.defaultPauseSeconds : (e.extra.retryAfterSeconds ?? policy.defaultPauseSeconds);
        await this.budget.pause(policy.host, seconds).catch(() => undefined);
        if (gcra) await this.budget.drain(policy).catch(() => undefined);
        e = new AppError('provider_rate_limited', e.message.replace(/try again in \d+ seconds?/, `try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}`), { retryAfterSeconds: seconds });
      }
      this.logger.log({ hostClass: policy.hostClass, organizationId: c.organizationId, code: e.code }, 'token exchange failed');
      return e.code === 'credentials_rejected' ? { ok: false, kind: 'rejected', error: e } : { ok: false, kind: 'transient', error: e };
    } finally {
      this.metrics.exchangeSeconds.observe(labels, (Date.now() - started) / 1000);
      await this.budget.settle(policy, member).catch(() => undefined);
    }
  }

  /**
   * Checks that the API URL accepts a token (and which server it is); throws the contract's error when not. The
   * probe is a Public API read: it takes a slot of the host's API budget like a proxied GET.
   */
  async probe(apiBaseUrl: string, accessToken: string, o: { priority?: BudgetPriority; maxWaitMs?: number; slot?: ApiSlot } = {}): Promise<{ flavor: ServerFlavor }> {
    const slot = o.slot ?? (await this.api.slot(apiBaseUrl, 'read', PROBE_MEMBER, o.priority ?? 'interactive', o.maxWaitMs ?? PROBE_BUDGET_WAIT_MS));
    try {
      return await this.client.probeApi({ apiBaseUrl, accessToken });
    } catch (e) {
      if (e instanceof AppError && e.code === 'provider_rate_limited') throw await this.api.rateLimited(apiBaseUrl, String(e.extra.retryAfterSeconds ?? ''));
      throw e;
    } finally {
      await slot.settle();
    }
  }

  /**
   * The read slot of an interactive probe, taken before its exchange (next free slot, ahead of proxied calls): when
   * none comes in time the caller answers 503 without having spent an identity slot on a token it could not test.
   */
  probeSlot(apiBaseUrl: string): Promise<ApiSlot> {
    return this.api.slot(apiBaseUrl, 'read', PROBE_MEMBER, 'interactive', PROBE_BUDGET_WAIT_MS, true);
  }

  /** The server's flavor and version from its unauthenticated /config, or null when it does not say. */
  async serverInfo(apiBaseUrl: string, priority: BudgetPriority = 'interactive'): Promise<ServerInfo | null> {
    // Bitwarden counts /config against the API read limit too: it takes a slot, and without one it is not asked.
    const wait = priority === 'interactive' ? PROBE_BUDGET_WAIT_MS : 0;
    const slot = await this.api.slot(apiBaseUrl, 'read', PROBE_MEMBER, priority, wait, priority === 'interactive').catch(() => null);
    if (!slot) return null;
    try {
      return await this.client.serverInfo(apiBaseUrl).catch(() => null);
    } finally {
      await slot.settle();
    }
  }
}
