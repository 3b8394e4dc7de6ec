import { Injectable } from '@nestjs/common';
import { counter } from '@app/common';

/** Prometheus series of the Account aggregate (names are stable: dashboards depend on them). */
@Injectable()
export class AccountMetrics {
  readonly tokenRequests = counter('bwc_token_requests_total', 'Token requests from sync jobs by result', ['result']);
  /** Counted where every status change is recorded: AccountsRepository.update. */
  readonly statusChanges = counter('bwc_account_status_changes_total', 'Account status transitions', ['from', 'to']);
}
