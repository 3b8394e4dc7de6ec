// startSimulator: one http(s) server that plays every realm, routed by the Host header.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { peekClientId } from './client-credentials';
import { normPath, RequestContext } from './context';
import { handleControl } from './control.handler';
import { rocketError } from './bodies';
import { applyFault } from './faults';
import { readBody, ROCKET_JSON, send, sleep } from './http-util';
import { handleIdentity } from './identity.handler';
import { handleApi } from './public-api.handler';
import { resolveRoute } from './realm';
import { SimState } from './state';
import { issueToken } from './token-issuer';
import type { SimulatorHandle, SimulatorOptions } from './types';

function pem(v: string | Buffer): string | Buffer {
  if (Buffer.isBuffer(v) || v.includes('-----BEGIN')) return v;
  return readFileSync(v);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const state = new SimState();
  // Cloud realms get their keys up front so the first token request is not slowed by key generation.
  state.keyFor('us');
  state.keyFor('eu');
  const tls = options.tls ? { cert: pem(options.tls.cert), key: pem(options.tls.key) } : null;
  const scheme: 'http' | 'https' = tls ? 'https' : 'http';
  const sockets = new Set<Socket>();
  let handle!: SimulatorHandle;

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, null);
    });
  };

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    if (path === '/__sim' || path.startsWith('/__sim/')) return handleControl(handle, req, res, path, body);

    const hostHeader = req.headers.host ?? (req.socket as { servername?: string }).servername ?? '127.0.0.1';
    const route = resolveRoute(hostHeader, path, scheme, (r) => state.modeOf(r));
    const forwarded = req.headers['x-connecting-ip'];
    const ctx: RequestContext = {
      req,
      res,
      body,
      query: url.searchParams,
      route,
      state,
      clientIp: (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? req.socket.remoteAddress ?? 'unknown',
    };
    if (route.service === null) {
      return route.mode === 'vaultwarden' ? send(res, 404, rocketError(404), ROCKET_JSON) : send(res, 404, null);
    }
    res.on('finish', () => {
      if (res.statusCode === 429) state.countTooManyRequests(route.realm);
    });
    const isToken = route.service === 'identity' && normPath(route.subPath) === '/connect/token';
    if (isToken) {
      const entry = state.countTokenRequest(route.realm, route.hostname, peekClientId(req, body));
      res.on('finish', () => {
        entry.status = res.statusCode;
      });
    } else if (route.service === 'api') {
      state.countApiRequest(route.realm);
    }
    const latency = state.config.latencyMs + (route.service === 'api' ? state.config.apiLatencyMs : 0);
    if (latency > 0) await sleep(latency);
    const fault = state.takeFault(isToken ? 'token' : route.service === 'api' ? 'api' : 'identity-other', route.realm);
    if (fault) return applyFault(ctx, fault, isToken);
    return route.service === 'identity' ? handleIdentity(ctx) : handleApi(ctx);
  }

  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, onRequest) : http.createServer(onRequest);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  handle = {
    port,
    url: `${scheme}://${urlHost}:${port}`,
    createOrg: (o) => state.createOrg(o),
    rotateKey: (orgId) => state.rotateKey(orgId),
    setEnabled: (orgId, enabled) => {
      state.org(orgId).enabled = enabled;
    },
    setUseApi: (orgId, useApi) => {
      state.org(orgId).useApi = useApi;
    },
    configure: (c) => state.configure(c),
    setRealmMode: (realm, mode) => {
      state.realmModes.set(realm.toLowerCase(), mode);
    },
    addFault: (f) => state.addFault(f),
    clearFaults: () => {
      state.faults = [];
    },
    counters: () => state.counters(),
    resetCounters: () => state.resetCounters(),
    reset: () => state.reset(),
    forceExpire: (token) => {
      state.forcedExpired.add(token);
    },
    realmLimits: (realm) => state.realmLimits(realm),
    setRealmLimits: (realm, limits) => state.setRealmLimits(realm, limits),
    revokeTokensIssuedBefore: (orgId, at) => state.revokeTokensIssuedBefore(orgId, at === undefined ? Date.now() : at instanceof Date ? at.getTime() : at),
    mintToken: (orgId, claims) => {
      const org = state.org(orgId);
      const host = org.realm === 'us' ? 'identity.bitwarden.com' : org.realm === 'eu' ? 'identity.bitwarden.eu' : org.realm;
      const route = resolveRoute(host, '/identity', scheme, (r) => state.modeOf(r));
      return issueToken(state, route, org, claims ?? {}).access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Hung requests would keep server.close() waiting forever: destroy every socket first.
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return handle;
}
