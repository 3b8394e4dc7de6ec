import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Agent, fetch } from 'undici';
import { AppConfig, ConfigError } from '@app/config';
import { AccountEvent, AccountEventsRepository, eventData, eventId } from '@app/accounts';
import { canonicalizeBaseUrl, causeChain, createGuardedAgent, isSsrfBlockedError, OutboundPolicy } from '@app/bitwarden';
import { WorkerMetrics } from '../ops/worker.metrics';
import { signWebhook } from './webhook-signature';

const BATCH = 50;
const LEASE_MS = 30_000;
const TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 3600_000;

/**
 * Why a delivery failed, for the log: the SSRF guard's verdict or the transport's, never undici's bare
 * "fetch failed", and never the URL (it may carry a token in its path).
 */
function deliveryProblem(err: unknown): string {
  const blocked = causeChain(err).find(isSsrfBlockedError);
  if (blocked) return `refused by the outbound address guard: ${blocked.message}`;
  if (err instanceof Error && err.name === 'TimeoutError') return 'the receiver did not answer in time';
  const code = causeChain(err)
    .map((c) => (typeof c === 'object' && c !== null ? (c as { code?: unknown }).code : undefined))
    .find((c): c is string => typeof c === 'string');
  return code ? `connection failed (${code})` : (err as Error).message;
}

/** The body a receiver gets: ids, statuses, a reason and its sentence; never a secret or a token. */
export function webhookPayload(e: AccountEvent) {
  return {
    id: eventId(e),
    type: e.type,
    createdAt: e.at.toISOString(),
    accountId: e.accountId,
    ownerId: e.ownerId,
    sequence: e.seq,
    data: eventData(e),
  };
}

/**
 * Relays the outbox to WEBHOOK_URL: at-least-once, retried with exponential backoff, each request signed, and sent
 * through the same SSRF guard as calls to Bitwarden (redirects are not followed).
 */
@Injectable()
export class WebhookRelay implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookRelay.name);
  private agent: Agent | null = null;

  constructor(
    private readonly outbox: AccountEventsRepository,
    private readonly policy: OutboundPolicy,
    private readonly config: AppConfig,
    private readonly metrics: WorkerMetrics,
  ) {}

  get enabled(): boolean {
    return !!this.config.webhookUrl;
  }

  /**
   * The webhook URL obeys the same URL rules as Bitwarden URLs (https, or http only for an allowed host; no
   * userinfo, query or fragment); its address is checked at connect time by the guarded agent.
   */
  private urlProblem(): string | null {
    try {
      canonicalizeBaseUrl(this.config.webhookUrl, 'apiBaseUrl', this.policy);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** A WEBHOOK_URL that breaks the URL rules stops the worker at boot rather than leaving events in the outbox. */
  onModuleInit(): void {
    const problem = this.enabled ? this.urlProblem() : null;
    if (problem) throw new ConfigError([`WEBHOOK_URL ${problem}`]);
  }

  async runOnce(now = new Date()): Promise<number> {
    if (!this.enabled) return 0;
    const events = await this.outbox.claimForDelivery(now, new Date(now.getTime() + LEASE_MS), BATCH);
    let delivered = 0;
    // In order per batch: receivers also get a per-account sequence number to order by.
    for (const e of events) if (await this.deliver(e)) delivered++;
    return delivered;
  }

  private async deliver(e: AccountEvent): Promise<boolean> {
    const body = JSON.stringify(webhookPayload(e));
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await fetch(this.config.webhookUrl, {
        method: 'POST',
        body,
        redirect: 'manual',
        dispatcher: this.dispatcher(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'bitwarden-connect-webhooks/1',
          'webhook-id': eventId(e),
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(this.config.webhookSecret, timestamp, body),
        },
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        await this.outbox.markDelivered(e.id);
        this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
        return true;
      }
      throw new Error(`receiver answered ${res.status}`);
    } catch (err) {
      const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(20, e.deliveryAttempts)) * (0.8 + 0.4 * Math.random());
      this.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      await this.outbox.markFailed(e.id, new Date(Date.now() + delay));
      this.logger.warn({ event: `evt_${e.id}`, attempt: e.deliveryAttempts + 1, err: deliveryProblem(err) }, 'webhook delivery failed');
      return false;
    }
  }

  private dispatcher(): Agent {
    return (this.agent ??= createGuardedAgent(this.policy, { connectTimeoutMs: 5000, headersTimeoutMs: TIMEOUT_MS, bodyTimeoutMs: TIMEOUT_MS, maxResponseBytes: 64 * 1024 }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent?.close().catch(() => undefined);
  }
}
