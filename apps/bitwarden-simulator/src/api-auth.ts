// Bearer-token validation as the APIs do it: ASP.NET JwtBearer (official) and Vaultwarden's PublicToken guard.
import { RequestContext } from './context';
import { invariantDate } from './http-util';
import { decodeJwt, verifyRs256 } from './jwt';
import { issuerFor } from './realm';

export type AuthResult =
  | { ok: true; orgId: string }
  | { ok: false; status: 401; wwwAuthenticate: string }
  | { ok: false; status: 403 };

const invalid = (description?: string): AuthResult => ({
  ok: false,
  status: 401,
  wwwAuthenticate: description ? `Bearer error="invalid_token", error_description="${description}"` : 'Bearer error="invalid_token"',
});

export function authenticateOfficial(ctx: RequestContext): AuthResult {
  // Bitwarden's TokenRetrieval: Authorization "Bearer " (any case), else ?access_token= when the header is absent.
  const header = ctx.req.headers.authorization;
  let token: string | null = null;
  if (!header || header.trim() === '') token = ctx.query.get('access_token');
  else if (/^bearer /i.test(header)) token = header.slice(7).trim();
  // No token at all: JwtBearer's plain challenge.
  if (!token) return { ok: false, status: 401, wwwAuthenticate: 'Bearer' };
  const jwt = decodeJwt(token);
  if (!jwt) return invalid();
  const key = ctx.state.keyFor(ctx.route.realm);
  if (jwt.header.kid !== undefined && jwt.header.kid !== key.kid) return invalid('The signature key was not found');
  if (!verifyRs256(jwt, key)) return invalid('The signature is invalid');
  const now = Math.floor(Date.now() / 1000);
  const skew = ctx.state.config.clockSkewSeconds;
  const { nbf, exp, iss, iat } = jwt.payload as { nbf?: number; exp?: number; iss?: string; iat?: number };
  if (typeof exp !== 'number') return invalid('The token has no expiration');
  if (typeof nbf === 'number' && nbf > now + skew) return invalid(`The token is not valid before '${invariantDate(nbf)}'`);
  if (exp + skew < now || ctx.state.forcedExpired.has(token)) return invalid(`The token expired at '${invariantDate(exp)}'`);
  if (iss !== issuerFor(ctx.route)) return invalid(`The issuer '${String(iss)}' is invalid`);
  // revokeTokensIssuedBefore (a simulator control; the real API cannot revoke): the plain invalid_token challenge.
  if (ctx.state.isRevoked(token, String(jwt.payload.client_sub), typeof iat === 'number' ? iat : nbf)) return invalid();
  if (jwt.header.typ !== 'at+jwt') return invalid();
  // [Authorize("Organization")]: the scope claim must contain api.organization, else 403.
  const scope = jwt.payload.scope;
  const scopes = Array.isArray(scope) ? scope : typeof scope === 'string' ? [scope] : [];
  if (!scopes.includes('api.organization')) return { ok: false, status: 403 };
  const clientId = jwt.payload.client_id;
  const orgId = jwt.payload.client_sub;
  if (typeof clientId !== 'string' || !clientId.startsWith('organization.') || typeof orgId !== 'string') return { ok: false, status: 403 };
  return { ok: true, orgId };
}

/** Vaultwarden PublicToken guard; every failure is a bare 401. */
export function authenticateVaultwarden(ctx: RequestContext): string | null {
  const header = ctx.req.headers.authorization;
  if (!header) return null;
  const token = header.split('Bearer ').pop() ?? '';
  const jwt = decodeJwt(token);
  if (!jwt || !verifyRs256(jwt, ctx.state.keyFor(ctx.route.realm))) return null;
  const { nbf, exp, iss, sub, client_id: clientId, client_sub: clientSub } = jwt.payload as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  if (typeof nbf !== 'number' || typeof exp !== 'number' || now < nbf || now > exp) return null;
  if (ctx.state.forcedExpired.has(token)) return null;
  if (iss !== issuerFor(ctx.route)) return null;
  if (ctx.state.isRevoked(token, String(clientSub), nbf)) return null;
  if (typeof clientId !== 'string' || !clientId.startsWith('organization.')) return null;
  const org = ctx.state.orgs.get(clientId.slice('organization.'.length));
  if (!org || org.realm !== ctx.route.realm || org.secret === null) return null;
  if (org.id !== clientSub || org.keyRowId !== sub) return null;
  return org.id;
}
