import { ERROR_STATUS } from '@app/common';
import type { JobOutcome } from '../jobs/account-jobs.processor';

/**
 * The bounded `outcome` label of a finished job. The processor's details are sentences for logs (some carry an
 * error code after a colon); a label must come from a closed set, so unknown details become `other` instead of
 * new series.
 */
export function jobOutcomeLabel(o: JobOutcome): string {
  const d = o.detail;
  if (o.kind === 'delay') return d === 'budget exhausted' ? 'budget_delay' : d === 'token exchange in progress elsewhere' ? 'lock_delay' : 'delayed';
  if (o.kind === 'skipped') {
    if (d === 'identity host is in outage') return 'postponed_outage';
    if (d.startsWith('probe of the identity host failed')) return 'probe_failed';
    if (d === 'credentials changed meanwhile') return 'superseded';
    return 'skipped';
  }
  if (d === 'active') return 'active';
  if (d.startsWith('API URL probe failed')) return 'api_probe_failed';
  // A rejection is the only outcome that moves an account to needs_relink.
  if (d === 'credentials_rejected') return 'needs_relink';
  if (d.startsWith('rate limited by Bitwarden')) return 'provider_rate_limited';
  return Object.hasOwn(ERROR_STATUS, d) ? d : 'other';
}
