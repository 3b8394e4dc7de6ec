import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Agent, fetch } from 'undici';
import { AppConfig } from '@app/config';
import { canonicalizeBaseUrl, createGuardedAgent, OutboundPolicy } from '@app/bitwarden';
import { OutboxEvent, WebhookOutboxRepository } from './webhook-outbox.repository';
import { signWebhook } from './webhook-signature';

const BATCH = 50;
const LEASE_MS = 30_000;
const TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 3600_000;

/** The body a receiver gets: ids and statuses only, never a secret or a token. */
export function webhookPayload(e: OutboxEvent) {
  return {
    id: `evt_${e.id}`,
    type: e.type,
    createdAt: e.at.toISOString(),
    accountId: e.accountId,
    ownerId: e.ownerId,
    sequence: e.seq,
    data: { from: e.fromStatus, to: e.toStatus, reason: e.reason },
  };
}

/**
 * Relays the outbox to WEBHOOK_URL: at-least-once, retried with exponential backoff, each request signed, and sent
 * through the same SSRF guard as calls to Bitwarden (redirects are not followed).
 */
@Injectable()
export class WebhookRelay implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookRelay.name);
  private agent: Agent | null = null;

  constructor(
    private readonly outbox: WebhookOutboxRepository,
    private readonly policy: OutboundPolicy,
    private readonly config: AppConfig,
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

  async runOnce(now = new Date()): Promise<number> {
    if (!this.enabled) return 0;
    const problem = this.urlProblem();
    if (problem) {
      this.logger.error({ problem }, 'WEBHOOK_URL is not allowed: events stay in the outbox');
      return 0;
    }
    const events = await this.outbox.claimDue(now, new Date(now.getTime() + LEASE_MS), BATCH);
    let delivered = 0;
    // In order per batch: receivers also get a per-account sequence number to order by.
    for (const e of events) if (await this.deliver(e)) delivered++;
    return delivered;
  }

  private async deliver(e: OutboxEvent): Promise<boolean> {
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
          'webhook-id': `evt_${e.id}`,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(this.config.webhookSecret, timestamp, body),
        },
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        await this.outbox.delivered(e.id);
        return true;
      }
      throw new Error(`receiver answered ${res.status}`);
    } catch (err) {
      const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(20, e.deliveryAttempts)) * (0.8 + 0.4 * Math.random());
      await this.outbox.failed(e.id, new Date(Date.now() + delay));
      this.logger.warn({ event: `evt_${e.id}`, attempt: e.deliveryAttempts + 1, err: (err as Error).message }, 'webhook delivery failed');
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
