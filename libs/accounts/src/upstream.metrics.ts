import { Injectable } from '@nestjs/common';
import { Counter, Histogram, register } from 'prom-client';

const counter = (name: string, help: string, labelNames: string[]) =>
  (register.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames });
const histogram = (name: string, help: string, labelNames: string[]) =>
  (register.getSingleMetric(name) as Histogram<string>) ??
  new Histogram({ name, help, labelNames, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

/** Prometheus series for calls to Bitwarden (names are stable: dashboards depend on them). */
@Injectable()
export class UpstreamMetrics {
  readonly exchanges = counter('bwc_token_exchanges_total', 'Token exchanges with Bitwarden by identity host and outcome', ['host', 'outcome']);
  readonly exchangeSeconds = histogram('bwc_token_exchange_seconds', 'Duration of token exchanges', ['host']);
  readonly tokenRequests = counter('bwc_token_requests_total', 'Token requests from sync jobs by result', ['result']);
  readonly statusChanges = counter('bwc_account_status_changes_total', 'Account status transitions', ['from', 'to']);
}
