import { createHash } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { AppError } from '@app/common';
import { closeAgent, createGuardedAgent } from './guarded-agent';
import { OutboundPolicy } from './outbound-policy';
import { canonicalizeBaseUrl } from './url-rules';
import { UpstreamPeer, classifyTransportError, parseRetryAfter } from './upstream-errors';

export interface BitwardenClientOptions {
  policy: OutboundPolicy;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxResponseBytes?: number;
  userAgent?: string;
}

export interface ExchangeTokenInput {
  identityBaseUrl: string;
  clientId: string;
  clientSecret: string;
  organizationId: string;
}

export interface TokenResponse {
  accessToken: string;
  expiresIn: number;
  tokenType: string;
  scope: string;
}

export type ServerFlavor = 'bitwarden' | 'vaultwarden';

/**
 * Bitwarden answers one `invalid_client` for three different causes it does not tell apart; a person needs all three
 * and where to find the current key.
 */
export const CREDENTIALS_REJECTED_MESSAGE =
  'Bitwarden rejected the API key. Either the key was rotated, the organization was disabled, or its plan has no API access. ' +
  'An Owner finds the current key in the Admin Console under Settings → Organization info → API key.';

/** What a server says of itself at `GET {api}/config` (unauthenticated). Vaultwarden reports its web vault's version. */
export interface ServerInfo {
  flavor: ServerFlavor;
  version: string | null;
}

/** Vaultwarden answers bad credentials with `error: ""` and one of these messages (docs/BITWARDEN.md, "Errors and how they are mapped"). */
const VAULTWARDEN_REJECTIONS = new Set(['Invalid client_id', 'Incorrect client_secret', 'Malformed client_id']);

/** SDK/server device type; Vaultwarden requires the device fields even for organization keys. */
const DEVICE_TYPE = '21';
const DEVICE_NAME = 'bitwarden-connect';

/** A stable UUID (v5-shaped, from SHA-256) per organization, so Vaultwarden sees one device per linked org. */
export function deviceIdentifierFor(organizationId: string): string {
  const h = createHash('sha256').update(`bitwarden-connect:device:${organizationId.toLowerCase()}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JWT payload when the token is a readable JWT; null for opaque tokens (they are allowed). */
function jwtPayload(token: string): Json | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return isObject(payload) ? payload : null;
  } catch {
    return null;
  }
}

/**
 * The one place that talks to Bitwarden (official or Vaultwarden). Every request goes through the guarded agent,
 * never follows redirects, and has a hard deadline. Errors are contract AppErrors whose messages never carry the
 * secret, the token or the upstream body.
 */
export class BitwardenClient {
  private readonly policy: OutboundPolicy;
  private readonly agent: Agent;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(o: BitwardenClientOptions) {
    this.policy = o.policy;
    this.requestTimeoutMs = o.requestTimeoutMs ?? 10_000;
    this.maxResponseBytes = o.maxResponseBytes ?? 1 << 20;
    this.userAgent = o.userAgent ?? 'bitwarden-connect/0.1';
    this.agent = createGuardedAgent(o.policy, {
      connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
      headersTimeoutMs: this.requestTimeoutMs,
      bodyTimeoutMs: this.requestTimeoutMs,
      maxResponseBytes: this.maxResponseBytes,
    });
  }

  /** OAuth2 client_credentials exchange against `<identity>/connect/token` (docs/BITWARDEN.md, "The token exchange"). */
  async exchangeToken(i: ExchangeTokenInput): Promise<TokenResponse> {
    const base = canonicalizeBaseUrl(i.identityBaseUrl, 'identityBaseUrl', this.policy);
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'api.organization',
      client_id: i.clientId,
      client_secret: i.clientSecret,
      deviceType: DEVICE_TYPE,
      deviceIdentifier: deviceIdentifierFor(i.organizationId),
      deviceName: DEVICE_NAME,
    }).toString();

    const { status, headers, text } = await this.request('identity', `${base}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });

    if (status === 429) throw this.rateLimited('identity', headers.get('retry-after'));
    if (status >= 300 && status < 400) throw this.redirected('identity');
    if (status === 400 || status === 401) {
      if (this.isCredentialRejection(parseJson(text))) {
        throw new AppError('credentials_rejected', CREDENTIALS_REJECTED_MESSAGE, {
          fields: { clientSecret: 'was rejected by Bitwarden' },
        });
      }
      throw new AppError('provider_error', `The Bitwarden identity server refused the token request (HTTP ${status}).`);
    }
    if (status !== 200) {
      throw new AppError('provider_error', `The Bitwarden identity server answered with HTTP ${status} instead of a token.`);
    }

    const json = parseJson(text);
    if (!isObject(json)) throw invalidToken('it is not JSON');
    const { access_token: accessToken, expires_in: expiresIn, token_type: tokenType, scope } = json;
    if (typeof accessToken !== 'string' || accessToken.length === 0) throw invalidToken('access_token is missing');
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) throw invalidToken('expires_in is not a positive number');
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') throw invalidToken('token_type is not Bearer');

    const claims = jwtPayload(accessToken);
    if (claims) {
      const org = i.organizationId.toLowerCase();
      const sub = typeof claims.client_sub === 'string' ? claims.client_sub.toLowerCase() : null;
      const cid = typeof claims.client_id === 'string' && claims.client_id.startsWith('organization.') ? claims.client_id.slice(13).toLowerCase() : null;
      if ((sub !== null && sub !== org) || (cid !== null && cid !== org)) {
        throw new AppError('provider_error', 'The identity server issued a token for a different organization than the client id names.');
      }
    }
    return {
      accessToken,
      expiresIn,
      tokenType: 'Bearer',
      scope: typeof scope === 'string' && scope ? scope : 'api.organization',
    };
  }

  /**
   * Checks that the API URL accepts the token: official servers answer `GET /public/policies`; Vaultwarden has no
   * read-only public endpoint (404) and is recognised by `GET /config` → `server.name` (docs/BITWARDEN.md, "The API probe").
   */
  async probeApi(i: { apiBaseUrl: string; accessToken: string }): Promise<{ flavor: ServerFlavor }> {
    const base = canonicalizeBaseUrl(i.apiBaseUrl, 'apiBaseUrl', this.policy);
    const r = await this.request('api', `${base}/public/policies`, {
      method: 'GET',
      headers: { authorization: `Bearer ${i.accessToken}`, accept: 'application/json' },
    });
    if (r.status === 200) {
      const json = parseJson(r.text);
      if (isObject(json) && json.object === 'list') return { flavor: 'bitwarden' };
      throw new AppError('provider_error', 'The Bitwarden API answered with something that is not a Bitwarden list response.');
    }
    if (r.status === 401 || r.status === 403) {
      throw new AppError('provider_error', 'The API URL did not accept the token issued by the identity URL; check that both URLs belong to the same server.', {
        fields: { apiBaseUrl: 'did not accept the token from the identity URL' },
      });
    }
    if (r.status === 404) {
      const info = await this.serverInfo(base).catch((e: unknown) => {
        if (e instanceof AppError && e.code !== 'provider_error') throw e;
        return null;
      });
      if (info?.flavor === 'vaultwarden') return { flavor: 'vaultwarden' };
      throw new AppError('provider_error', 'The API URL does not serve the Bitwarden public API: check that it is the API address of your Bitwarden server.', {
        fields: { apiBaseUrl: 'does not serve the Bitwarden public API' },
      });
    }
    if (r.status === 429) throw this.rateLimited('api', r.headers.get('retry-after'));
    if (r.status >= 300 && r.status < 400) throw this.redirected('api');
    throw new AppError('provider_error', `The Bitwarden API answered with HTTP ${r.status}.`);
  }

  /**
   * The server's own description (`GET {api}/config`): `server.name == "Vaultwarden"` means Vaultwarden, anything
   * else an official server. Its `environment` URLs are not checked: a Vaultwarden without DOMAIN names localhost.
   */
  async serverInfo(apiBaseUrl: string): Promise<ServerInfo> {
    const base = canonicalizeBaseUrl(apiBaseUrl, 'apiBaseUrl', this.policy);
    const c = await this.request('api', `${base}/config`, { method: 'GET', headers: { accept: 'application/json' } });
    if (c.status === 429) throw this.rateLimited('api', c.headers.get('retry-after'));
    if (c.status >= 300 && c.status < 400) throw this.redirected('api');
    const cfg = c.status === 200 ? parseJson(c.text) : null;
    if (!isObject(cfg)) throw new AppError('provider_error', `The server's configuration (GET /config) answered with HTTP ${c.status}, not a Bitwarden configuration.`);
    const version = typeof cfg.version === 'string' && cfg.version.length <= 64 ? cfg.version : null;
    const flavor: ServerFlavor = isObject(cfg.server) && cfg.server.name === 'Vaultwarden' ? 'vaultwarden' : 'bitwarden';
    return { flavor, version };
  }

  /** Closes pooled connections; gives in-flight requests a moment, then destroys what is left. */
  async close(): Promise<void> {
    await closeAgent(this.agent);
  }

  private isCredentialRejection(json: unknown): boolean {
    if (!isObject(json)) return false;
    if (json.error === 'invalid_client') return true;
    if (json.error !== '' && json.error !== undefined) return false;
    const messages: unknown[] = [json.message];
    if (isObject(json.errorModel)) messages.push(json.errorModel.message);
    if (isObject(json.validationErrors)) {
      for (const v of Object.values(json.validationErrors)) messages.push(...(Array.isArray(v) ? v : [v]));
    }
    return messages.some((m) => typeof m === 'string' && VAULTWARDEN_REJECTIONS.has(m.trim()));
  }

  private rateLimited(peer: UpstreamPeer, retryAfter: string | null): AppError {
    const retryAfterSeconds = parseRetryAfter(retryAfter);
    const who = peer === 'identity' ? 'identity server' : 'API';
    return new AppError('provider_rate_limited', `The Bitwarden ${who} is rate limiting requests; try again in ${retryAfterSeconds} ${retryAfterSeconds === 1 ? 'second' : 'seconds'}.`, {
      retryAfterSeconds,
    });
  }

  private redirected(peer: UpstreamPeer): AppError {
    const who = peer === 'identity' ? 'identity server' : 'API';
    return new AppError('provider_error', `The Bitwarden ${who} answered with a redirect; redirects are not followed, so check the URL.`);
  }

  /** One request with the guarded agent, no redirects, a hard deadline and a capped body. */
  private async request(
    peer: UpstreamPeer,
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const signal = AbortSignal.timeout(this.requestTimeoutMs);
    try {
      const res = await fetch(url, {
        method: init.method,
        headers: { ...init.headers, 'user-agent': this.userAgent },
        body: init.body,
        redirect: 'manual',
        dispatcher: this.agent,
        signal,
      });
      // With redirect 'manual' undici hands back the 3xx itself; an opaque-redirect (status 0) means the same.
      const status = res.type === 'opaqueredirect' || res.status === 0 ? 302 : res.status;
      const text = await this.readCapped(res, peer);
      return { status, headers: res.headers as unknown as Headers, text };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw classifyTransportError(err, peer);
    }
  }

  private async readCapped(res: Awaited<ReturnType<typeof fetch>>, peer: UpstreamPeer): Promise<string> {
    const tooLarge = () =>
      new AppError('provider_error', `The Bitwarden ${peer === 'identity' ? 'identity server' : 'API'} sent a response that is larger than allowed.`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    if (!res.body) return '';
    const chunks: Buffer[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxResponseBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(Buffer.from(value));
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const invalidToken = (why: string) => new AppError('provider_error', `The Bitwarden identity server sent an invalid token response: ${why}.`);
