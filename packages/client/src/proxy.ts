/** Options of one proxied call: extra headers (only Content-Type and Accept reach Bitwarden) and a signal. */
export interface ProxyInit {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * The Public API proxy of one account. `path` is relative to the account's Bitwarden API (`public/members`,
 * `public/members/{id}?x=1`) and goes into the URL exactly as given: the proxy refuses encoded slashes, so it is
 * never percent-encoded here. Bitwarden's answers come back as they are (marked `X-Bitwarden-Connect-Upstream: 1`);
 * the service's own errors are JSON `{error: {code, message}}` without that header.
 */
export interface BitwardenProxy {
  get(path: string, init?: ProxyInit): Promise<Response>;
  delete(path: string, init?: ProxyInit): Promise<Response>;
  /** `body` is sent as JSON; a string is sent as it is (with Content-Type: application/json unless given). */
  post(path: string, body?: unknown, init?: ProxyInit): Promise<Response>;
  put(path: string, body?: unknown, init?: ProxyInit): Promise<Response>;
}

export interface ProxyTarget {
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
}

export function proxyFor(target: ProxyTarget, accountId: string): BitwardenProxy {
  // The id is the only part we encode: it is ours, while the path belongs to Bitwarden and must stay verbatim.
  const prefix = `${target.baseUrl}/v1/accounts/${encodeURIComponent(accountId)}/bitwarden/`;
  const send = (method: string, path: string, body: unknown, init: ProxyInit = {}) => {
    const headers: Record<string, string> = { accept: 'application/json', ...lower(init.headers), authorization: `Bearer ${target.token}` };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    return target.fetch(prefix + path, { method, headers, body: payload, signal: init.signal, redirect: 'manual' });
  };
  return {
    get: (path, init) => send('GET', path, undefined, init),
    delete: (path, init) => send('DELETE', path, undefined, init),
    post: (path, body, init) => send('POST', path, body, init),
    put: (path, body, init) => send('PUT', path, body, init),
  };
}

const lower = (h: Record<string, string> = {}) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
