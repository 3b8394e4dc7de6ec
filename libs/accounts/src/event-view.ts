import type { AccountEvent } from './persistence/account-events.repository';
import { reasonMessage } from './reason-messages';

export type ServedEventType = 'linked' | 'relinked' | 'status_changed' | 'suspended' | 'resumed';

/** One entry of GET /v1/accounts/{id}/events; `id` is also the webhook's id and Webhook-Id header. */
export interface AccountEventView {
  id: string;
  type: ServedEventType;
  from: string | null;
  to: string | null;
  reason: string | null;
  message: string | null;
  at: string;
}

/** The public id of an event, shared by the events API and the webhooks. */
export const eventId = (e: Pick<AccountEvent, 'id'>) => `evt_${e.id}`;

/**
 * `data` of a webhook and the transition part of an event view: statuses, the reason code and its sentence. `to` is
 * null for `account.deleted`: "deleted" is no status (the row keeps it as its marker).
 */
export function eventData(e: AccountEvent): { from: string | null; to: string | null; reason: string | null; message: string | null } {
  return { from: e.fromStatus, to: e.type === 'account.deleted' ? null : e.toStatus, reason: e.reason, message: reasonMessage(e.reason) };
}

export function mapEvent(e: AccountEvent): AccountEventView {
  return { id: eventId(e), type: e.type.replace(/^account\./, '') as ServedEventType, ...eventData(e), at: e.at.toISOString() };
}
