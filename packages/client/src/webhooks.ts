import { createHmac, timingSafeEqual } from 'node:crypto';
import type { components } from './schema';

/** The body of every webhook delivery; `type` tells which event it is. */
export type WebhookEvent = components['schemas']['WebhookEvent'];

/** Why a delivery was refused; never carries the secret or the expected signature. */
export class WebhookVerificationError extends Error {
  constructor(readonly reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' | 'bad_body') {
    super(`webhook refused: ${reason}`);
    this.name = 'WebhookVerificationError';
  }
}

/** Fetch's Headers, or Node's `req.headers` (lower-case names, values possibly repeated). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery as the service signs it: `Webhook-Signature: v1=<hex HMAC-SHA256 of "{Webhook-Timestamp}.{raw
 * body}">` with WEBHOOK_SECRET, compared in constant time, with the timestamp at most `toleranceSeconds` away
 * (replays). Pass the raw body exactly as received: a re-serialized JSON object will not match. Returns the event,
 * or throws WebhookVerificationError.
 */
export function verifyWebhook(secret: string, headers: WebhookHeaders, rawBody: string | Uint8Array, toleranceSeconds = 300): WebhookEvent {
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (!timestamp || !signature) throw new WebhookVerificationError('missing_headers');
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - ts) > toleranceSeconds) throw new WebhookVerificationError('stale_timestamp');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`);
  const given = Buffer.from(signature.trim());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new WebhookVerificationError('bad_signature');
  let event: WebhookEvent;
  try {
    event = JSON.parse(body.toString('utf8')) as WebhookEvent;
  } catch {
    throw new WebhookVerificationError('bad_body');
  }
  const id = header(headers, 'webhook-id');
  if (id !== undefined && id !== event.id) throw new WebhookVerificationError('bad_body');
  return event;
}
