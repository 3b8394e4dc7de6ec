import { Injectable } from '@nestjs/common';
import { collectProcessMetrics, counter, gauge } from '@app/common';
import { JobName } from '@app/queue';
import type { JobOutcome } from '../jobs/account-jobs.processor';
import { jobOutcomeLabel } from './job-outcome-label';

/**
 * The worker's Prometheus series (names are stable: the dashboard and the alert rules in deploy/ depend on them).
 * No label names an account, an owner or a tenant's host; hosts are counted by class (us, eu, self-hosted).
 */
@Injectable()
export class WorkerMetrics {
  readonly checks = counter('bwc_checks_total', 'Background checks by outcome', ['outcome']);
  readonly refreshes = counter('bwc_refreshes_total', 'Token renewals ahead of expiry by outcome', ['outcome']);
  /** Every worker reports the same totals: aggregate with max(), not sum(). */
  readonly accounts = gauge('bwc_accounts', 'Accounts by status', ['status']);
  readonly checkLag = gauge('bwc_check_lag_seconds', 'Age of the oldest overdue background check (0 when none is overdue)');
  readonly breakerOpenHosts = gauge('bwc_breaker_open_hosts', 'Identity hosts whose circuit breaker is open, by host class', ['host_class']);
  readonly queueJobs = gauge('bwc_queue_jobs', 'Jobs in the accounts queue by state', ['state']);
  readonly webhookDeliveries = counter('bwc_webhook_deliveries_total', 'Webhook delivery attempts by outcome', ['outcome']);
  readonly webhookBacklog = gauge('bwc_webhook_backlog', 'Undelivered account events whose delivery is due');

  constructor() {
    collectProcessMetrics('worker');
  }

  /** A job that ended (thrown: `error`); a delay is counted each time, as it is work the budget turned away. */
  recordJob(name: JobName, outcome: JobOutcome | 'error'): void {
    const label = outcome === 'error' ? 'error' : jobOutcomeLabel(outcome);
    (name === JobName.RefreshToken ? this.refreshes : this.checks).inc({ outcome: label });
  }
}
