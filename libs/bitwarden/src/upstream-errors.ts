import { AppError } from '@app/common';
import { isSsrfBlockedError } from './ssrf-blocked.error';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT_BODY']);
const UNREACHABLE_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'EPROTO',
]);

/** Every error in a `.cause` chain (undici wraps the real reason in `TypeError: fetch failed`). */
/** Also descends into AggregateError.errors (Happy Eyeballs reports every failed address attempt that way). */
export function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 20) {
    const cur = queue.shift();
    if (cur === undefined || cur === null || out.includes(cur)) continue;
    out.push(cur);
    if (typeof cur !== 'object') continue;
    queue.push((cur as { cause?: unknown }).cause);
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return out;
}

const codeOf = (e: unknown) => (typeof e === 'object' && e !== null ? String((e as { code?: unknown }).code ?? '') : '');
const nameOf = (e: unknown) => (typeof e === 'object' && e !== null ? String((e as { name?: unknown }).name ?? '') : '');

const isTlsCode = (code: string) =>
  code.startsWith('ERR_TLS_') ||
  code.startsWith('ERR_SSL_') ||
  code.startsWith('CERT_') ||
  code.includes('CERT') ||
  code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
  code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
  code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
  code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';

export type UpstreamPeer = 'identity' | 'api';
const PEER: Record<UpstreamPeer, string> = { identity: 'Bitwarden identity server', api: 'Bitwarden API server' };
const FIELD: Record<UpstreamPeer, string> = { identity: 'identityBaseUrl', api: 'apiBaseUrl' };

/**
 * Maps a thrown transport error (fetch rejection or body-read failure) to a contract error.
 * Messages name the class of failure only: never the upstream body, the secret, or the token.
 */
export function classifyTransportError(err: unknown, peer: UpstreamPeer): AppError {
  const chain = causeChain(err);
  const codes = chain.map(codeOf);
  const names = chain.map(nameOf);
  const who = PEER[peer];

  if (chain.some(isSsrfBlockedError)) {
    return new AppError('url_not_allowed', `The ${who} URL points to a loopback, private, link-local, metadata or otherwise non-public address, which is not allowed.`, {
      fields: { [FIELD[peer]]: 'points to a non-public address' },
    });
  }
  if (chain.some((e) => e instanceof AppError)) return chain.find((e) => e instanceof AppError) as AppError;
  if (codes.includes('UND_ERR_RES_EXCEEDED_MAX_SIZE')) {
    return new AppError('provider_error', `The ${who} sent a response that is larger than allowed.`);
  }
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT')) {
    return new AppError('provider_unreachable', `Could not connect to the ${who} in time.`);
  }
  if (codes.some((c) => TIMEOUT_CODES.has(c)) || names.includes('TimeoutError') || names.includes('AbortError')) {
    return new AppError('provider_timeout', `The ${who} did not answer in time.`);
  }
  if (codes.some((c) => c === 'ENOTFOUND' || c.startsWith('EAI_'))) {
    return new AppError('provider_unreachable', `The ${who} host name could not be resolved.`);
  }
  if (codes.some(isTlsCode)) {
    return new AppError('provider_unreachable', `The TLS connection to the ${who} failed (certificate or handshake error).`);
  }
  if (codes.some((c) => UNREACHABLE_CODES.has(c))) {
    return new AppError('provider_unreachable', `Could not connect to the ${who}.`);
  }
  return new AppError('provider_unreachable', `Could not reach the ${who}.`);
}

/** Retry-After in seconds (delta-seconds or HTTP-date), clamped to 1..86400; 60 when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  if (!value) return 60;
  const v = value.trim();
  let secs: number;
  if (/^\d+$/.test(v)) secs = Number(v);
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return 60;
    secs = Math.ceil((at - now) / 1000);
  }
  return Math.min(86_400, Math.max(1, secs));
}
