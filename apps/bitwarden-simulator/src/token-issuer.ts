// Builds access tokens the way each server does (official/Duende, Vaultwarden).
import { randomBytes } from 'node:crypto';
import { signJwt } from './jwt';
import { issuerFor, Route } from './realm';
import type { OrgRecord, SimState } from './state';

export interface IssuedToken {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  scope: 'api.organization';
}

/** `overrides` (tests only, via mintToken) replace claims; an undefined value removes the claim. */
export function issueToken(state: SimState, route: Route, org: OrgRecord, overrides: Record<string, unknown> = {}): IssuedToken {
  const now = Math.floor(Date.now() / 1000);
  const life = state.config.tokenLifetimeSeconds;
  const key = state.keyFor(route.realm);
  const clientId = `organization.${org.id}`;
  let jwt: string;
  if (route.mode === 'vaultwarden') {
    // OrgApiKeyLoginJwtClaims: no iat, no jti; sub is the api-key row uuid; jsonwebtoken's default header.
    jwt = signJwt(
      { typ: 'JWT', alg: 'RS256' },
      apply({ nbf: now, exp: now + life, iss: issuerFor(route), sub: org.keyRowId, client_id: clientId, client_sub: org.id, scope: ['api.organization'] }, overrides),
      key,
    );
  } else {
    jwt = signJwt(
      { alg: 'RS256', kid: key.kid, typ: 'at+jwt' },
      apply({
        iss: issuerFor(route),
        nbf: now,
        iat: now,
        exp: now + life,
        scope: ['api.organization'],
        client_id: clientId,
        client_sub: org.id,
        client_type: 'Organization',
        jti: randomBytes(16).toString('hex').toUpperCase(),
      }, overrides),
      key,
    );
  }
  state.noteIssued(jwt, org.id);
  // Field order as Duende/Vaultwarden write it; no refresh_token, no id_token.
  return { access_token: jwt, expires_in: life, token_type: 'Bearer', scope: 'api.organization' };
}

function apply(claims: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out = { ...claims };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
