import { CREDENTIALS_REJECTED_MESSAGE } from '@app/bitwarden';

/**
 * The sentence a person reads for each reason code an account's status or event can carry (statusReason, an
 * event's reason). One table, shared by the events API and the webhook payload, so both say the same.
 */
const MESSAGES: Record<string, string> = {
  credentials_rejected: `${CREDENTIALS_REJECTED_MESSAGE} Re-link the account with it.`,
  provider_unreachable: 'The Bitwarden server could not be reached (DNS, connection or TLS failure). Checks continue and the account recovers on its own.',
  provider_error: 'The Bitwarden server answered with an error or an invalid token response. Checks continue and the account recovers on its own.',
  provider_timeout: 'The Bitwarden server did not answer in time. Checks continue and the account recovers on its own.',
  provider_rate_limited: 'The Bitwarden server is limiting the rate of requests. Checks continue once the limit allows.',
};

/** The sentence for `reason`; null when there is no reason, a generic sentence for a code without its own. */
export function reasonMessage(reason: string | null): string | null {
  if (reason === null) return null;
  return MESSAGES[reason] ?? `The last attempt failed (${reason}).`;
}
