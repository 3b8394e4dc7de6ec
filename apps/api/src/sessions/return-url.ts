import { AppError } from '@app/common';

const LOOPBACK = new Set(['localhost', '127.0.0.1']);

const invalid = (problem: string) =>
  new AppError('validation_failed', `returnUrl ${problem}.`, { fields: { returnUrl: problem } });

/**
 * The hosted page navigates the customer to returnUrl, so it is an open redirect unless it is pinned to the hub:
 * its origin must be one the operator already trusts for sessions (CORS_ORIGINS, which AppConfig has reduced to
 * origins), and plain http only on loopback.
 */
export function checkReturnUrl(raw: string, allowedOrigins: string[]): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid('must be an absolute URL');
  }
  const secure = u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
  if (!secure) throw invalid('must be https (http only on localhost or 127.0.0.1)');
  if (u.username || u.password) throw invalid('must not contain a user name or password');
  if (!allowedOrigins.includes(u.origin)) throw invalid('must be on an origin listed in CORS_ORIGINS');
  // Kept as the hub wrote it (a fragment too: the page only adds its query parameters before navigating).
  return raw;
}
