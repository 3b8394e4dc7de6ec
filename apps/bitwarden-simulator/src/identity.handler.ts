// Identity server: POST {identity}/connect/token (and Vaultwarden's), discovery, JWKS, alive/now.
import { rocketError, vwError } from './bodies';
import { parseDotnetGuid, parseOfficialClient, vwField } from './client-credentials';
import { normPath, RequestContext } from './context';
import { IDENTITY_HEADERS, mediaType, ROCKET_JSON, send } from './http-util';
import { publicJwk } from './jwt';
import { checkCloudToken, sendOfficial429, sendVaultwarden429, vaultwardenLoginAllowed } from './limit-checks';
import { issuerFor } from './realm';
import type { OrgRecord } from './state';
import { issueToken } from './token-issuer';

const FORM = 'application/x-www-form-urlencoded';
/** Grants Duende knows; the org client allows none of them but client_credentials. */
const KNOWN_GRANTS = new Set([
  'password',
  'authorization_code',
  'implicit',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:openid:params:grant-type:ciba',
  'webauthn',
]);

export function handleIdentity(ctx: RequestContext): void {
  const p = normPath(ctx.route.subPath);
  const vw = ctx.route.mode === 'vaultwarden';
  if (p === '/connect/token') return vw ? vwToken(ctx) : officialToken(ctx);
  if (ctx.req.method === 'GET' && (p === '/alive' || p === '/now')) {
    return send(ctx.res, 200, JSON.stringify(new Date().toISOString()), vw ? ROCKET_JSON : { 'Content-Type': 'application/json; charset=utf-8' });
  }
  if (!vw && ctx.req.method === 'GET' && p === '/.well-known/openid-configuration') return discovery(ctx);
  if (!vw && ctx.req.method === 'GET' && p === '/.well-known/openid-configuration/jwks') {
    return send(ctx.res, 200, { keys: [publicJwk(ctx.state.keyFor(ctx.route.realm))] }, IDENTITY_HEADERS);
  }
  // Vaultwarden has no discovery document (its tokens are only for itself).
  return vw ? send(ctx.res, 404, rocketError(404), ROCKET_JSON) : send(ctx.res, 404, null);
}

function findOrg(ctx: RequestContext, orgId: string): OrgRecord | undefined {
  const org = ctx.state.orgs.get(orgId);
  return org && org.realm === ctx.route.realm ? org : undefined;
}

function officialToken(ctx: RequestContext): void {
  const { req, res, route, state } = ctx;
  // The IP rate-limit middleware runs before everything else, and only in cloud (not when SelfHosted); what it
  // lets through carries its X-Rate-Limit-* headers.
  const rl = checkCloudToken(ctx);
  if (rl.limited) return sendOfficial429(res, rl.period, rl.retryAfter);
  const headers = { ...IDENTITY_HEADERS, ...rl.headers };
  const err = (code: string) => send(res, 400, { error: code }, headers);
  // 1. HTTP shape.
  if (req.method !== 'POST' || mediaType(req) !== FORM) return err('invalid_request');
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  // 2. Client credentials (Basic first, then the form).
  const client = parseOfficialClient(req, form);
  if (!client) return err('invalid_request');
  // 3. Client resolution: exact "organization." prefix, then a .NET-parsable GUID.
  const dot = client.clientId.indexOf('.');
  if (dot === -1 || client.clientId.slice(0, dot) !== 'organization') return err('invalid_client');
  const orgId = parseDotnetGuid(client.clientId.slice(dot + 1));
  const org = orgId ? findOrg(ctx, orgId) : undefined;
  if (!org) return err('invalid_client');
  // OrganizationClientProvider calls .First() on the key list before Enabled is checked → unhandled → 500, empty body.
  if (org.secret === null) return send(res, 500, null, rl.headers ?? {});
  if (!(org.enabled && org.useApi)) return err('invalid_client');
  if (client.secret === null || client.secret !== org.secret) return err('invalid_client');
  // 4. Grant type.
  const grant = findCi(form, 'grant_type');
  if (grant === null || grant.trim() === '') return err('unsupported_grant_type');
  if (grant !== 'client_credentials') {
    if (grant === 'refresh_token') return err(findCi(form, 'refresh_token')?.trim() ? 'invalid_grant' : 'invalid_request');
    return err(KNOWN_GRANTS.has(grant) ? 'unauthorized_client' : 'unsupported_grant_type');
  }
  // 5. Scope: absent → all allowed scopes; otherwise exactly {api.organization}.
  const scope = findCi(form, 'scope');
  if (scope !== null && scope.trim() !== '') {
    const scopes = new Set(scope.split(' ').filter(Boolean));
    if (scopes.size !== 1 || !scopes.has('api.organization')) return err('invalid_scope');
  }
  // 6. Success.
  const token = issueToken(state, route, org);
  state.countTokenSuccess(route.realm);
  send(res, 200, token, headers);
}

function findCi(form: URLSearchParams, name: string): string | null {
  for (const [k, v] of form) if (k.toLowerCase() === name) return v;
  return null;
}

function vwToken(ctx: RequestContext): void {
  const { req, res, route, state } = ctx;
  const err = (message: string, status = 400) => send(res, status, vwError(message), ROCKET_JSON);
  // Rocket: only the POST route exists; a non-form body forwards with 415; a missing grant_type fails the form guard (422).
  if (req.method !== 'POST') return send(res, 404, rocketError(404), ROCKET_JSON);
  if (mediaType(req) !== FORM && mediaType(req) !== 'multipart/form-data') return send(res, 415, rocketError(415), ROCKET_JSON);
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const grant = vwField(form, 'grant_type');
  if (grant === null) return send(res, 422, rocketError(422), ROCKET_JSON);
  if (grant !== 'client_credentials') return err('Invalid type');
  for (const f of ['client_id', 'client_secret', 'scope', 'device_identifier', 'device_name', 'device_type']) {
    if (vwField(form, f) === null) return err(`${f} cannot be blank`);
  }
  // _api_key_login: the login rate limit runs before the scope check (Vaultwarden limits self-hosted too).
  if (!vaultwardenLoginAllowed(ctx)) return sendVaultwarden429(res);
  const clientId = vwField(form, 'client_id') as string;
  const scope = vwField(form, 'scope');
  if (scope === 'api') {
    // The user-key path: an org id is "Malformed"; there are no simulated users.
    return err(clientId.startsWith('user.') ? 'Invalid client_id' : 'Malformed client_id');
  }
  if (scope !== 'api.organization') return err('Scope not supported');
  if (!clientId.startsWith('organization.')) return err('Malformed client_id');
  // Vaultwarden compares the uuid as a string (case-sensitive) and ignores enabled/plan state.
  const org = findOrg(ctx, clientId.slice('organization.'.length));
  if (!org || org.secret === null) return err('Invalid client_id');
  if (vwField(form, 'client_secret') !== org.secret) return err('Incorrect client_secret');
  const token = issueToken(state, route, org);
  state.countTokenSuccess(route.realm);
  send(res, 200, token, ROCKET_JSON);
}

function discovery(ctx: RequestContext): void {
  // Bitwarden rewrites every endpoint to the *internal* identity URL (http://identity:5000 when self-hosted).
  const base = ctx.route.cloud ? ctx.route.baseUrl : 'http://identity:5000';
  send(
    ctx.res,
    200,
    {
      issuer: issuerFor(ctx.route),
      jwks_uri: `${base}/.well-known/openid-configuration/jwks`,
      authorization_endpoint: `${base}/connect/authorize`,
      token_endpoint: `${base}/connect/token`,
      device_authorization_endpoint: `${base}/connect/deviceauthorization`,
      frontchannel_logout_supported: true,
      frontchannel_logout_session_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      scopes_supported: ['api', 'api.organization', 'api.installation', 'internal', 'api.push', 'api.licensing', 'api.secrets', 'offline_access'],
      claims_supported: [],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', 'implicit', 'password', 'urn:ietf:params:oauth:grant-type:device_code', 'webauthn'],
      response_types_supported: ['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'],
      response_modes_supported: ['form_post', 'query', 'fragment'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
      code_challenge_methods_supported: ['plain', 'S256'],
      request_parameter_supported: true,
    },
    IDENTITY_HEADERS,
  );
}
