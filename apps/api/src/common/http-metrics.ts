import type { IncomingMessage, ServerResponse } from 'node:http';
import { histogram } from '@app/common';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Get-or-create, like every metric here: exported so the metric-name check can register it without an HTTP server. */
export const httpRequestSeconds = () =>
  histogram('bwc_http_request_seconds', 'Duration of HTTP requests to the API by method, route template and status class', ['method', 'route', 'status_class'], [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
  ]);

/** Nest mounts its middleware as catch-all routes, so a request no controller took carries one of these. */
const CATCH_ALL = /^\/(\{\*\w*\}|\*\w*|\(\.\*\))$/;

type RoutedRequest = IncomingMessage & { baseUrl?: string; route?: { path?: unknown } };

/**
 * The route template Express matched (`/v1/accounts/:id/verify`), never the raw path: ids in a label would be an
 * unbounded number of series and would name tenants' accounts. Requests no route took (unknown paths, and bodies
 * refused by the middleware in front of the router) are `unmatched`.
 */
export function routeLabel(req: RoutedRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string' || CATCH_ALL.test(path)) return 'unmatched';
  return `${req.baseUrl ?? ''}${path}` || '/';
}

/**
 * Express middleware, mounted before everything else so that early refusals are timed too. It observes when the
 * answer is finished, since only then the route is known; a request the client abandoned is not counted.
 * /metrics itself is left out: scrapes would otherwise dominate the series they are reading.
 */
export function httpMetrics(req: RoutedRequest, res: ServerResponse, next: () => void): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const route = routeLabel(req);
    if (route === '/metrics') return;
    const method = METHODS.has(req.method ?? '') ? (req.method as string) : 'other';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    httpRequestSeconds().observe({ method, route, status_class: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
  });
  next();
}
