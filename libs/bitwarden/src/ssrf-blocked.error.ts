/**
 * Raised by the outbound guard when a connection would reach a forbidden address. It travels inside undici's
 * `TypeError: fetch failed` as `.cause`; the client recognises it by `code` and maps it to `url_not_allowed`.
 * The message names the host the caller supplied, never the resolved address (no blind-SSRF oracle in logs).
 */
export class SsrfBlockedError extends Error {
  readonly code = 'ESSRFBLOCKED';

  constructor(readonly hostname: string) {
    super(`Outbound connection to "${hostname}" was blocked: it is, or resolves to, a non-public address.`);
    this.name = 'SsrfBlockedError';
  }
}

export const isSsrfBlockedError = (e: unknown): e is SsrfBlockedError =>
  e instanceof SsrfBlockedError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ESSRFBLOCKED');
