import { Injectable } from '@nestjs/common';
import { counter, histogram } from '@app/common';

/** Prometheus series for calls to Bitwarden, labelled by host class (us, eu, self-hosted), never by a tenant's host. */
@Injectable()
export class GatewayMetrics {
  readonly exchanges = counter('bwc_token_exchanges_total', 'Token exchanges with Bitwarden by host class and outcome', ['host_class', 'outcome']);
  readonly exchangeSeconds = histogram('bwc_token_exchange_seconds', 'Duration of token exchanges', ['host_class']);
  /** budget: identity (token exchanges) or api (proxied calls and the service's own API probes). */
  readonly budgetWaitSeconds = histogram('bwc_budget_wait_seconds', 'Time spent waiting for a slot of a shared budget', ['budget'], [0, 0.01, 0.1, 0.5, 1, 2.5, 5, 10]);
  /** status_class: 2xx to 5xx of the answer relayed from Bitwarden, error when none came (ours answered). */
  readonly proxyRequests = counter('bwc_proxy_requests_total', 'Calls through the Public API proxy by host class, method and status class', [
    'host_class',
    'method',
    'status_class',
  ]);
  readonly proxyRequestSeconds = histogram('bwc_proxy_request_seconds', 'Duration of calls through the Public API proxy, until the answer ended', ['host_class'], [
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
  ]);
}
