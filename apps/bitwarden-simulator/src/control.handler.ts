// /__sim/* control endpoints (any host) so an out-of-process simulator can be driven over HTTP.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './http-util';
import type { RealmLimits, SimulatorHandle } from './types';

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

export function handleControl(handle: SimulatorHandle, req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): void {
  const out = (status: number, body: unknown) => send(res, status, body === null ? null : (body as object), JSON_HEADERS);
  let body: Record<string, unknown> = {};
  if (raw.length) {
    try {
      const parsed = JSON.parse(raw.toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed;
      else return out(400, { error: 'Body must be a JSON object.' });
    } catch {
      return out(400, { error: 'Body is not valid JSON.' });
    }
  }
  const m = req.method ?? 'GET';
  const seg = path.replace(/\/+$/, '').split('/').slice(2).map(decodeURIComponent); // after "", "__sim"
  const bool = (k: string) => {
    if (typeof body[k] !== 'boolean') throw new BadInput(`"${k}" must be a boolean.`);
    return body[k] as boolean;
  };
  try {
    if (m === 'POST' && seg.length === 1 && seg[0] === 'orgs') {
      return out(201, handle.createOrg(body as Parameters<SimulatorHandle['createOrg']>[0]));
    }
    if (m === 'POST' && seg.length === 3 && seg[0] === 'orgs') {
      const id = seg[1];
      if (seg[2] === 'rotate') return out(200, { clientSecret: handle.rotateKey(id) });
      if (seg[2] === 'enabled') return (handle.setEnabled(id, bool('enabled')), out(200, { ok: true }));
      if (seg[2] === 'use-api') return (handle.setUseApi(id, bool('useApi')), out(200, { ok: true }));
    }
    if (m === 'POST' && seg.join('/') === 'config') return (handle.configure(body), out(200, { ok: true }));
    if (seg.length === 3 && seg[0] === 'realms' && seg[2] === 'limits') {
      if (m === 'GET') return out(200, handle.realmLimits(seg[1]));
      if (m === 'POST') {
        try {
          return out(200, handle.setRealmLimits(seg[1], body as Partial<RealmLimits>));
        } catch (e) {
          throw new BadInput((e as Error).message);
        }
      }
    }
    if (m === 'POST' && seg.join('/') === 'tokens/revoke') {
      if (body.orgId !== undefined && typeof body.orgId !== 'string') throw new BadInput('"orgId" must be a string.');
      const at = body.at === undefined ? undefined : typeof body.at === 'number' ? body.at : typeof body.at === 'string' ? Date.parse(body.at) : NaN;
      if (at !== undefined && Number.isNaN(at)) throw new BadInput('"at" must be epoch milliseconds or an ISO 8601 date.');
      return (handle.revokeTokensIssuedBefore(body.orgId as string | undefined, at), out(200, { ok: true }));
    }
    if (m === 'POST' && seg.length === 3 && seg[0] === 'realms' && seg[2] === 'mode') {
      if (body.mode !== 'official' && body.mode !== 'vaultwarden') throw new BadInput('"mode" must be "official" or "vaultwarden".');
      return (handle.setRealmMode(seg[1], body.mode), out(200, { ok: true }));
    }
    if (seg.join('/') === 'faults') {
      if (m === 'POST') {
        if (typeof body.kind !== 'string') throw new BadInput('"kind" is required.');
        return (handle.addFault(body as never), out(201, { ok: true }));
      }
      if (m === 'DELETE') return (handle.clearFaults(), out(200, { ok: true }));
    }
    if (m === 'GET' && seg.join('/') === 'counters') return out(200, handle.counters());
    if (m === 'POST' && seg.join('/') === 'counters/reset') return (handle.resetCounters(), out(200, { ok: true }));
    if (m === 'POST' && seg.join('/') === 'reset') return (handle.reset(), out(200, { ok: true }));
    if (m === 'POST' && seg.join('/') === 'tokens/expire') {
      if (typeof body.accessToken !== 'string') throw new BadInput('"accessToken" is required.');
      return (handle.forceExpire(body.accessToken), out(200, { ok: true }));
    }
    return out(404, { error: 'Unknown control endpoint.' });
  } catch (e) {
    if (e instanceof BadInput) return out(400, { error: e.message });
    return out(404, { error: (e as Error).message });
  }
}

class BadInput extends Error {}
