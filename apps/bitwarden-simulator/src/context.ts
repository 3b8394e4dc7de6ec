// What every handler gets for one request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from './realm';
import type { SimState } from './state';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  query: URLSearchParams;
  route: Route;
  state: SimState;
  /** X-Connecting-IP (the official RealIpHeader) or the socket address. */
  clientIp: string;
}

/** Service-relative path, lowercased, without a trailing slash (ASP.NET routing is case-insensitive). */
export function normPath(p: string): string {
  const s = p.toLowerCase().replace(/\/+$/, '');
  return s === '' ? '/' : s;
}
