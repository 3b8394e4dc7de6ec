import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { ApiBudget } from './api-budget';
import { ApiCallKind, ApiLimits, apiCallKind, apiHostPolicy } from './api-policy';
import { ApiUpstream, UpstreamResponse } from './api-upstream';
import { GatewayMetrics } from './gateway.metrics';
import type { HostPolicy } from './host-policy';
import { BudgetPriority, IdentityBudget, newSlotMember } from './identity-budget';
import { canonicalizeBaseUrl } from './url-rules';
import { parseRetryAfter } from './upstream-errors';
import { OutboundPolicy } from './outbound-policy';

export interface ApiCall {
  apiBaseUrl: string;
  method: string;
  /** `public/...` plus `?query` as the caller sent it; already checked to be a plain relative path. */
  pathAndQuery: string;
  accessToken: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Who takes turns in the budget queue: an account id, or the service itself. */
  member: string;
  priority: BudgetPriority;
  maxWaitMs: number;
  signal: AbortSignal;
}

/** A slot taken: `settle` once its call is answered (IdentityBudget.settle). */
export interface ApiSlot {
  policy: HostPolicy;
  settle: () => Promise<void>;
}

export const apiLimitsOf = (c: AppConfig): ApiLimits => ({ readsPerMinute: c.apiRateLimitReadsPerMinute, writesPerMinute: c.apiRateLimitWritesPerMinute });

const spentError = (waitMs: number) =>
  new AppError('provider_rate_limited', 'Too many calls to this Bitwarden API server right now. Try again later.', {
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });

const header = (h: UpstreamResponse['headers'], name: string): string | null => {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
};

/** X-Rate-Limit-Reset as Bitwarden sends it (ISO 8601 with seven fractional digits, UTC); null when unreadable. */
function parseReset(value: string | null): number | null {
  if (!value) return null;
  const t = Date.parse(value.trim().replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? null : t;
}

/**
 * Every Public API call passes here: a slot of the API host's shared budget first, then the call; a 429 pauses the
 * host (reads and writes) for its Retry-After, and what Bitwarden says remains caps the budget until its reset.
 */
@Injectable()
export class ApiGateway {
  private readonly logger = new Logger(ApiGateway.name);
  private readonly limits: ApiLimits;

  constructor(
    private readonly upstream: ApiUpstream,
    private readonly budget: ApiBudget,
    private readonly metrics: GatewayMetrics,
    private readonly outbound: OutboundPolicy,
    config: AppConfig,
    private readonly identity: IdentityBudget,
  ) {
    this.limits = apiLimitsOf(config);
  }

  policy(apiBaseUrl: string, kind: ApiCallKind): HostPolicy {
    return apiHostPolicy(apiBaseUrl, kind, this.limits);
  }

  /**
   * A slot of the host's budget for one call, or 503 provider_rate_limited with a truthful Retry-After. `ahead`: the
   * service's own interactive probes (a link, a re-link) take the next free slot without waiting their turn behind
   * the accounts' proxied calls, as links and verifies go first.
   */
  async slot(apiBaseUrl: string, kind: ApiCallKind, member: string, priority: BudgetPriority, maxWaitMs: number, ahead = false): Promise<ApiSlot> {
    const policy = this.policy(apiBaseUrl, kind);
    const started = Date.now();
    const slotMember = newSlotMember();
    const r = ahead ? await this.budget.acquireAhead(policy, priority, maxWaitMs, slotMember) : await this.budget.acquire(policy, member, priority, maxWaitMs, slotMember);
    this.metrics.budgetWaitSeconds.observe({ budget: 'api' }, (Date.now() - started) / 1000);
    if (!r.ok) throw spentError(r.waitMs);
    // Once the call is answered (or failed), its log entries are stamped again: see IdentityBudget.settle.
    return { policy, settle: () => this.identity.settle(policy, slotMember).catch(() => undefined) };
  }

  /** Bitwarden answered 429: nobody calls that host until its Retry-After (60 s without one) has passed. */
  async rateLimited(apiBaseUrl: string, retryAfter: string | null): Promise<AppError> {
    const seconds = parseRetryAfter(retryAfter);
    await this.budget.pause(apiBaseUrl, seconds).catch(() => undefined);
    this.logger.log({ hostClass: this.policy(apiBaseUrl, 'read').hostClass, seconds }, 'Bitwarden API rate limited us: host paused');
    return new AppError('provider_rate_limited', `The Bitwarden API is rate limiting requests; try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`, { retryAfterSeconds: seconds });
  }

  /**
   * One relayed call. Resolves with Bitwarden's answer (any status but 429, which throws 503 after pausing the host);
   * throws the contract's error when no answer came (budget, connect, TLS, timeout before the headers).
   */
  async send(c: ApiCall): Promise<UpstreamResponse> {
    const base = canonicalizeBaseUrl(c.apiBaseUrl, 'apiBaseUrl', this.outbound);
    const { policy, settle } = await this.slot(base, apiCallKind(c.method), c.member, c.priority, c.maxWaitMs);
    let res: UpstreamResponse;
    try {
      res = await this.upstream.send({
        method: c.method,
        url: `${base}/${c.pathAndQuery}`,
        headers: { ...c.headers, authorization: `Bearer ${c.accessToken}` },
        body: c.body,
        signal: c.signal,
      });
    } finally {
      // The headers are in (or the call failed): the server has counted it.
      void settle();
    }
    const remaining = Number(header(res.headers, 'x-rate-limit-remaining') ?? NaN);
    if (Number.isFinite(remaining)) {
      // Not awaited: the answer streams on while the cap is written (a cap can only lower what later calls assume).
      void this.budget.observeRemaining(policy, remaining, parseReset(header(res.headers, 'x-rate-limit-reset'))).catch(() => undefined);
    }
    if (res.status === 429) {
      res.body.resume();
      throw await this.rateLimited(base, header(res.headers, 'retry-after'));
    }
    return res;
  }
}
