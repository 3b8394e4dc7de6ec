// Acting out an injected fault instead of the normal answer.
import { vwError } from './bodies';
import { RequestContext } from './context';
import { IDENTITY_HEADERS, ROCKET_JSON, send, sleep } from './http-util';
import { DEFAULT_LARGE_BYTES, streamLargeList } from './large-body';
import { sendOfficial429 } from './limit-checks';
import type { Fault } from './types';

export const OVERSIZED_BYTES = 5 * 1024 * 1024;
export const DEFAULT_REDIRECT = 'https://attacker.test/connect/token';

export async function applyFault(ctx: RequestContext, fault: Fault, isToken: boolean): Promise<void> {
  const { req, res } = ctx;
  if (fault.delayMs) await sleep(fault.delayMs);
  switch (fault.kind) {
    case '5xx':
      return send(res, fault.status ?? 500, null);
    case 'hang':
      // Never answer; the socket stays open until the client gives up or close() destroys it.
      return;
    case '429': {
      const retryAfter = fault.retryAfterSeconds === null ? null : (fault.retryAfterSeconds ?? 60);
      if (ctx.route.mode === 'vaultwarden') {
        return send(res, 429, vwError('Too many login requests'), retryAfter === null ? ROCKET_JSON : { ...ROCKET_JSON, 'Retry-After': String(retryAfter) });
      }
      return sendOfficial429(res, '1m', retryAfter);
    }
    case 'large':
      return streamLargeList(res, fault.sizeBytes ?? DEFAULT_LARGE_BYTES);
    case 'redirect':
      return send(res, 307, null, { Location: fault.location ?? DEFAULT_REDIRECT });
    case 'non-json':
      return send(res, 200, '<html>maintenance</html>', { 'Content-Type': 'text/html; charset=utf-8' });
    case 'oversized': {
      const pad = 'A'.repeat(OVERSIZED_BYTES);
      const body = isToken
        ? `{"access_token":"${pad}","expires_in":3600,"token_type":"Bearer","scope":"api.organization"}`
        : `{"object":"list","data":[],"padding":"${pad}"}`;
      return send(res, 200, body, IDENTITY_HEADERS);
    }
    case 'bad-token-response':
      return send(res, 200, { token_type: 'Bearer' }, IDENTITY_HEADERS);
    case 'reset':
      req.socket.destroy();
      return;
  }
}
