import createFetchClient, { type Client } from 'openapi-fetch';
import { type BitwardenProxy, proxyFor } from './proxy';
import type { components, paths } from './schema';

export type { components, operations, paths, webhooks } from './schema';
export type { BitwardenProxy, ProxyInit } from './proxy';
export { verifyWebhook, WebhookVerificationError, type WebhookEvent, type WebhookHeaders } from './webhooks';

export type Account = components['schemas']['AccountResponse'];
export type AccountList = components['schemas']['AccountListResponse'];
export type Token = components['schemas']['TokenResponse'];
export type ConnectSession = components['schemas']['SessionResponse'];
export type ErrorCode = components['schemas']['ErrorCode'];
export type ErrorBody = components['schemas']['Error'];

export interface ClientOptions {
  /** Where the service listens, e.g. `https://connect.example.com` (a trailing slash is ignored). */
  baseUrl: string;
  /** A service API key (hub backend, sync jobs) or a connect session token (browser), sent as the bearer. */
  token: string;
  /** A fetch to use instead of the global one (tests, proxies, custom agents). */
  fetch?: typeof fetch;
  /** Headers added to every call (for example X-Request-Id). */
  headers?: Record<string, string>;
}

/** Every route, typed from the OpenAPI document, plus the proxy, whose slashed paths generators cannot build. */
export type BitwardenConnectClient = Client<paths> & {
  /** The Public API proxy of one account: `client.bitwarden(id).get('public/members')`. */
  bitwarden(accountId: string): BitwardenProxy;
};

export function createClient(options: ClientOptions): BitwardenConnectClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const api = createFetchClient<paths>({
    baseUrl,
    headers: { ...options.headers, Authorization: `Bearer ${options.token}` },
    fetch: (request: Request) => fetchImpl(request),
  });
  return Object.assign(api, { bitwarden: (accountId: string) => proxyFor({ baseUrl, token: options.token, fetch: fetchImpl }, accountId) });
}
