import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether an Authorization header carries the metrics token. An empty token means /metrics is open. Digests are
 * compared, so the comparison takes the same time whatever the length or content of the guess.
 */
export function metricsAuthorized(authorization: string | undefined, token: string): boolean {
  if (!token) return true;
  const m = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '');
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)); // an empty guess never matches: token is not empty
}
