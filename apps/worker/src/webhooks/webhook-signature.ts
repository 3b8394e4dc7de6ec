import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook-Signature: `v1=` + hex HMAC-SHA256 over `${timestamp}.${rawBody}` with WEBHOOK_SECRET, where timestamp
 * is the Webhook-Timestamp header (unix seconds). Receivers recompute it and reject stale timestamps (replays).
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's side, as documented in the README (kept here so it is tested). */
export function verifyWebhook(secret: string, headers: { timestamp: string; signature: string }, body: string, toleranceSeconds = 300): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
