import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '@app/common';

/**
 * Paths whose bodies are relayed as they are rather than read as JSON (the Bitwarden Public API proxy), so any
 * media type may pass there.
 */
export const RAW_BODY_PATHS = /^\/v1\/accounts\/[^/?]+\/bitwarden(\/|\?|$)/;

/** A request carries a body when it says so with a non-zero length or a transfer encoding. */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** `application/json`, with no charset or a UTF-8 one; type and parameter names in any case. */
export function isJsonMediaType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(';');
  if (type.trim().toLowerCase() !== 'application/json') return false;
  for (const p of params) {
    const at = p.indexOf('=');
    if (at < 0) return false;
    if (p.slice(0, at).trim().toLowerCase() !== 'charset') continue;
    const charset = p.slice(at + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8') return false;
  }
  return true;
}

/**
 * Refuses a body that is not JSON before any parser sees it: otherwise a form or text body reaches the handler as
 * `{}` or undefined and fails later in a way that names the wrong cause. Requests without a body pass (a POST to
 * verify takes none).
 */
export function requireJsonBodies(req: IncomingMessage, _res: ServerResponse, next: (err?: unknown) => void): void {
  if (!hasBody(req) || isJsonMediaType(req.headers['content-type']) || RAW_BODY_PATHS.test(req.url ?? '')) return next();
  next(new AppError('unsupported_media_type', 'The request body must be JSON, sent as Content-Type: application/json.'));
}
