import { AppError } from '@app/common';

export interface ProxyTarget {
  /** `public/...` exactly as the caller sent it (still percent-encoded). */
  path: string;
  /** Everything after `?`, unchanged; empty when there was none. */
  query: string;
}

const PREFIX = /^\/v1\/accounts\/[^/?#]+\/bitwarden(?=\/|\?|$)/;
/** RFC 3986 pchar: unreserved, sub-delims, ':' '@' and percent escapes. */
const PCHAR = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;
// Decoding stops here: a segment encoded deeper than this is refused rather than trusted.
const MAX_DECODES = 4;

const invalid = () =>
  new AppError('validation_failed', 'The Bitwarden path must be a plain relative path that starts with public/.', {
    fields: { path: 'must be a plain relative path starting with public/ (no dot segments, encoded slashes, backslashes or empty segments)' },
  });

/**
 * A segment is plain when no level of its percent-decoding (so %2e, %2E and %252e alike) is a dot segment (also with
 * path parameters, `..;x`) or holds
 * a slash, a backslash or a control character: whoever decodes it next (Bitwarden, a proxy in front of it) then
 * still sees the same path.
 */
function plainSegment(raw: string): boolean {
  if (raw === '' || !PCHAR.test(raw)) return false;
  let s = raw;
  for (let i = 0; i <= MAX_DECODES; i++) {
    // `..;x` counts as `..`: servlet-style front ends strip path parameters before resolving dot segments.
    const bare = s.split(';')[0];
    if (bare === '.' || bare === '..' || /[/\\\u0000-\u001f\u007f]/.test(s)) return false;
    if (!s.includes('%')) return true;
    let next: string;
    try {
      next = decodeURIComponent(s);
    } catch {
      return false;
    }
    if (next === s) return true;
    s = next;
  }
  return false;
}

/** The Bitwarden path and query of a proxy request, from the raw request URL; 400 `validation_failed` otherwise. */
export function proxyTarget(rawUrl: string): ProxyTarget {
  const m = PREFIX.exec(rawUrl);
  if (!m) throw invalid();
  const rest = rawUrl.slice(m[0].length);
  const q = rest.indexOf('?');
  const pathPart = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  if (!pathPart.startsWith('/')) throw invalid();
  const path = pathPart.slice(1);
  const segments = path.split('/');
  if (segments.length < 2 || segments[0] !== 'public' || !segments.every(plainSegment)) throw invalid();
  return { path, query };
}
