import { Injectable } from '@nestjs/common';
import { counter, histogram } from '@app/common';

/** Prometheus series for calls to Bitwarden, labelled by host class (us, eu, self-hosted), never by a tenant's host. */
@Injectable()
export class GatewayMetrics {
  readonly exchanges = counter('bwc_token_exchanges_total', 'Token exchanges with Bitwarden by host class and outcome', ['host_class', 'outcome']);
  readonly exchangeSeconds = histogram('bwc_token_exchange_seconds', 'Duration of token exchanges', ['host_class']);
  readonly budgetWaitSeconds = histogram('bwc_budget_wait_seconds', 'Time spent waiting for a slot of a shared budget', ['budget'], [0, 0.01, 0.1, 0.5, 1, 2.5, 5, 10]);
}
