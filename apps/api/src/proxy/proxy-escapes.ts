import type { IncomingMessage, ServerResponse } from 'node:http';
import { RAW_BODY_PATHS } from '../common/media-type';

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * The router percent-decodes route params and answers a malformed escape (`%zz`) with a bare 400 of its own before
 * the proxy can refuse the path in the contract's shape. For proxy URLs the routed copy gets such a `%` escaped;
 * the proxy judges `req.originalUrl`, which keeps what the caller sent.
 */
export function shieldProxyEscapes(req: IncomingMessage & { originalUrl?: string }, _res: ServerResponse, next: () => void): void {
  const url = req.url ?? '';
  if (RAW_BODY_PATHS.test(url) && BAD_ESCAPE.test(url)) {
    req.originalUrl ??= url;
    req.url = url.replace(new RegExp(BAD_ESCAPE.source, 'g'), '%25');
  }
  next();
}
