// API server: {api}/public/*, /config, /alive, /now; Vaultwarden's much smaller surface.
import { randomUUID } from 'node:crypto';
import { authenticateOfficial, authenticateVaultwarden } from './api-auth';
import { modelStateError, OFFICIAL_VERSION, rocketError, VW_VERSION } from './bodies';
import { normPath, RequestContext } from './context';
import { eventsPage } from './events-page';
import { checkGroupBody } from './group-body';
import { ASPNET_JSON, ROCKET_JSON, send } from './http-util';
import { checkOfficialImport, checkVwImport } from './import-body';
import { checkCloudApi, sendOfficial429 } from './limit-checks';
import { environmentFor } from './realm';

interface PublicRoute {
  name: string;
  methods: string[];
  id?: string;
}

/** The Public API route table (SERVER src/Api/.../Public/Controllers). */
function matchPublic(seg: string[]): PublicRoute | null {
  const [a, b, c, d] = seg;
  if (d !== undefined) return null;
  const items: Record<string, { list: string[]; item: string[]; sub: Record<string, string[]> }> = {
    collections: { list: ['GET'], item: ['GET', 'PUT', 'DELETE'], sub: {} },
    groups: { list: ['GET', 'POST'], item: ['GET', 'PUT', 'DELETE'], sub: { 'member-ids': ['GET', 'PUT'] } },
    members: {
      list: ['GET', 'POST'],
      item: ['GET', 'PUT', 'DELETE'],
      sub: { 'group-ids': ['GET', 'PUT'], reinvite: ['POST'], revoke: ['POST'], restore: ['POST'] },
    },
    policies: { list: ['GET'], item: ['GET', 'PUT'], sub: {} },
  };
  if (a === 'events' && b === undefined) return { name: 'events', methods: ['GET'] };
  if (a === 'organization' && b === 'import' && c === undefined) return { name: 'import', methods: ['POST'] };
  if (a === 'organization' && b === 'subscription' && c === undefined) return { name: 'subscription', methods: ['GET', 'PUT'] };
  const r = items[a];
  if (!r) return null;
  if (b === undefined) return { name: `${a}:list`, methods: r.list };
  if (c === undefined) return { name: `${a}:item`, methods: r.item, id: b };
  if (r.sub[c]) return { name: `${a}:${c}`, methods: r.sub[c], id: b };
  return null;
}

export function handleApi(ctx: RequestContext): void {
  return ctx.route.mode === 'vaultwarden' ? vaultwardenApi(ctx) : officialApi(ctx);
}

function officialApi(ctx: RequestContext): void {
  const { req, res } = ctx;
  // The IP rate-limit middleware (cloud only) runs before routing and auth: 404s and 401s count too and carry the headers.
  const rl = checkCloudApi(ctx);
  if (rl.limited) return sendOfficial429(res, rl.period, rl.retryAfter);
  for (const [k, v] of Object.entries(rl.headers ?? {})) res.setHeader(k, v);
  const p = normPath(ctx.route.subPath);
  const method = req.method ?? 'GET';
  if (method === 'GET' && p === '/config') return send(res, 200, officialConfig(ctx), ASPNET_JSON);
  if (method === 'GET' && (p === '/alive' || p === '/now')) return send(res, 200, JSON.stringify(new Date().toISOString()), ASPNET_JSON);
  if (method === 'GET' && p === '/version') return send(res, 200, { version: OFFICIAL_VERSION }, ASPNET_JSON);
  const seg = p.split('/').slice(1);
  if (seg[0] !== 'public') return send(res, 404, null);
  // Routing happens before authorization: unknown path → 404, known path with another verb → 405 (both empty).
  const route = matchPublic(seg.slice(1));
  if (!route) return send(res, 404, null);
  if (!route.methods.includes(method)) return send(res, 405, null);
  const auth = authenticateOfficial(ctx);
  if (!auth.ok) return auth.status === 401 ? send(res, 401, null, { 'WWW-Authenticate': auth.wwwAuthenticate }) : send(res, 403, null);
  const data = ctx.state.orgs.get(auth.orgId)?.data;
  const list = (items: unknown[]) => send(res, 200, { object: 'list', data: items }, ASPNET_JSON);

  if (route.name === 'events') {
    const page = eventsPage(data?.events ?? [], ctx.query);
    return send(res, page.ok ? 200 : 400, page.body, ASPNET_JSON);
  }
  if (route.name === 'import') {
    const check = checkOfficialImport(ctx.body);
    return check.ok ? send(res, 200, null) : send(res, check.status, check.body, ASPNET_JSON);
  }
  if (route.name === 'subscription') {
    if (!ctx.route.cloud) {
      return send(res, 400, { object: 'error', message: 'Only allowed when not self hosted.', errors: null }, ASPNET_JSON);
    }
    return send(
      res,
      200,
      {
        passwordManager: { seats: 10, maxAutoScaleSeats: null, storage: 1 },
        secretsManager: { seats: null, maxAutoScaleSeats: null, serviceAccounts: null, maxAutoScaleServiceAccounts: null },
      },
      ASPNET_JSON,
    );
  }
  const [resource, kind] = route.name.split(':') as ['collections' | 'groups' | 'members' | 'policies', string];
  const items = (data?.[resource] ?? []) as Array<Record<string, unknown>>;
  if (kind === 'list') {
    if (method === 'GET') return list(items);
    if (resource === 'groups') {
      // POST /public/groups: GroupCreateUpdateRequestModel in, GroupResponseModel out; kept, so later reads see it.
      const check = checkGroupBody(ctx.body);
      if (!check.ok) return send(res, 400, check.body, ASPNET_JSON);
      const group = { object: 'group', id: randomUUID(), ...check.group };
      data?.groups.push(group);
      return send(res, 200, group, ASPNET_JSON);
    }
    // POST create (members): echo what was sent with a fresh id (the simulator does not persist it).
    let sent: Record<string, unknown> = {};
    try {
      sent = JSON.parse(ctx.body.toString('utf8') || '{}');
    } catch {
      return send(res, 400, modelStateError({ $: ['Invalid JSON.'] }), ASPNET_JSON);
    }
    return send(res, 200, { ...sent, object: resource.slice(0, -1), id: randomUUID() }, ASPNET_JSON);
  }
  const item =
    resource === 'policies'
      ? /^\d+$/.test(route.id ?? '')
        ? items.find((i) => i.type === Number(route.id))
        : undefined
      : items.find((i) => String(i.id) === String(route.id).toLowerCase());
  if (!item) return send(res, 404, null);
  if (kind === 'item') {
    if (method === 'DELETE') return send(res, 200, null);
    return send(res, 200, item, ASPNET_JSON);
  }
  if (kind === 'member-ids' || kind === 'group-ids') {
    if (method === 'PUT') return send(res, 200, null);
    const ids =
      kind === 'member-ids'
        ? (data?.members ?? []).slice(0, item === items[0] ? 1 : 0).map((m) => m.id)
        : (data?.groups ?? []).slice(0, item === items[0] ? 1 : 0).map((g) => g.id);
    return send(res, 200, ids, ASPNET_JSON);
  }
  return send(res, 200, null); // reinvite / revoke / restore
}

function officialConfig(ctx: RequestContext): Record<string, unknown> {
  return {
    version: OFFICIAL_VERSION,
    gitHash: 'a1b2c3d4',
    server: null,
    environment: environmentFor(ctx.route),
    featureStates: {},
    push: { pushTechnology: 0, vapidPublicKey: null },
    settings: { disableUserRegistration: false },
    object: 'config',
  };
}

function vaultwardenApi(ctx: RequestContext): void {
  const { req, res } = ctx;
  const p = ctx.route.subPath.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const notFound = () => send(res, 404, rocketError(404), ROCKET_JSON);
  if (method === 'GET' && p === '/config') {
    const env = environmentFor(ctx.route);
    return send(
      res,
      200,
      {
        version: VW_VERSION,
        gitHash: 'deadbeef',
        server: { name: 'Vaultwarden', url: 'https://github.com/dani-garcia/vaultwarden' },
        settings: { disableUserRegistration: false },
        environment: { vault: env.vault, api: env.api, identity: env.identity, notifications: env.notifications, sso: '', cloudRegion: null },
        push: { pushTechnology: 0, vapidPublicKey: null },
        featureStates: {},
        object: 'config',
      },
      ROCKET_JSON,
    );
  }
  if (method === 'GET' && (p === '/alive' || p === '/now')) return send(res, 200, JSON.stringify(new Date().toISOString()), ROCKET_JSON);
  if (method === 'GET' && p === '/version') return send(res, 200, JSON.stringify(VW_VERSION), ROCKET_JSON);
  if (method !== 'POST' || p !== '/public/organization/import') return notFound();
  if (!authenticateVaultwarden(ctx)) return send(res, 401, rocketError(401), ROCKET_JSON);
  const check = checkVwImport(ctx.body);
  if (check !== 'ok') return send(res, check, rocketError(check), ROCKET_JSON);
  return send(res, 200, null);
}
