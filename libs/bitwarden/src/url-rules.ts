import { AppError } from '@app/common';
import { OutboundPolicy } from './outbound-policy';

export type UrlField = 'apiBaseUrl' | 'identityBaseUrl';
import type { Region } from '@app/common';
export type { Region };

const FIELD_LABEL: Record<UrlField, string> = { apiBaseUrl: 'API URL', identityBaseUrl: 'identity URL' };

const bad = (field: UrlField, problem: string) =>
  new AppError('unsupported_url', `The ${FIELD_LABEL[field]} (${field}) is not supported: it ${problem}.`, {
    fields: { [field]: problem },
  });

// Other parsers read `\`, embedded whitespace and control characters differently from WHATWG (docs/SECURITY.md, "5.4 The outbound address guard"),
// so such input is refused before parsing instead of being "fixed".
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\\\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u2060\ufeff]/;

/**
 * Canonicalises a user-supplied base URL (`unsupported_url` in docs/API.md, "Errors"): WHATWG parse, https only (http only for
 * hosts the operator allowlisted), no userinfo/query/fragment, lower-case host, default port and trailing slashes
 * dropped. The result never ends in '/'. Address checks (url_not_allowed) happen in OutboundPolicy, not here.
 */
export function canonicalizeBaseUrl(raw: string, field: UrlField, policy: OutboundPolicy): string {
  if (typeof raw !== 'string') throw bad(field, 'must be a string');
  const s = raw.trim();
  if (s === '') throw bad(field, 'is empty');
  if (s.length > 2048) throw bad(field, 'is too long');
  if (FORBIDDEN_CHARS.test(s)) throw bad(field, 'contains a backslash, whitespace or a control character');

  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw bad(field, 'is not an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad(field, 'must use https');
  if (!u.hostname) throw bad(field, 'has no host');
  if (u.username || u.password || /^[a-z][a-z0-9+.-]*:\/*[^/?#]*@/i.test(s)) throw bad(field, 'must not contain a user name or password');
  // A bare '?' or '#' leaves u.search / u.hash empty, so look at the raw text too.
  if (u.search || s.includes('?')) throw bad(field, 'must not contain a query');
  if (u.hash || s.includes('#')) throw bad(field, 'must not contain a fragment');

  let host = u.hostname.toLowerCase();
  if (host.endsWith('.') && !host.startsWith('[')) host = host.slice(0, -1); // FQDN form 'example.com.' → 'example.com'
  if (!host || host.endsWith('.')) throw bad(field, 'has an invalid host');
  if (u.protocol === 'http:' && !policy.isHostAllowed(host)) {
    throw bad(field, 'must use https (http is only accepted for hosts in OUTBOUND_ALLOWED_HOSTS)');
  }
  u.hostname = host;

  // WHATWG already drops the scheme's default port; keep the explicit check for clarity.
  const port = u.port && !((u.protocol === 'https:' && u.port === '443') || (u.protocol === 'http:' && u.port === '80')) ? `:${u.port}` : '';
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${host}${port}${path}`;
}

const CLOUD: Record<'us' | 'eu', { api: string; identity: string }> = {
  us: { api: 'https://api.bitwarden.com', identity: 'https://identity.bitwarden.com' },
  eu: { api: 'https://api.bitwarden.eu', identity: 'https://identity.bitwarden.eu' },
};

const isCloudHost = (host: string) => /(^|\.)bitwarden\.(com|eu)$/.test(host.replace(/\.$/, ''));

const mismatch = (why: string) =>
  new AppError('region_mismatch', `The API URL and the identity URL do not belong to one region: ${why}.`, {
    fields: { apiBaseUrl: why, identityBaseUrl: why },
  });

/**
 * Decides the region of a canonical URL pair (`region_mismatch` in docs/BITWARDEN.md, "Region rules"): the exact US pair, the exact EU pair,
 * or one self-hosted origin serving `<prefix>/api` and `<prefix>/identity`. Anything mixing a Bitwarden cloud host
 * with something else is refused, so a secret meant for one place is never sent to a look-alike.
 */
export function resolveRegion(apiBaseUrl: string, identityBaseUrl: string): Region {
  for (const region of ['us', 'eu'] as const) {
    if (apiBaseUrl === CLOUD[region].api && identityBaseUrl === CLOUD[region].identity) return region;
  }
  let api: URL;
  let identity: URL;
  try {
    api = new URL(apiBaseUrl);
    identity = new URL(identityBaseUrl);
  } catch {
    throw mismatch('one of them is not a valid URL');
  }
  if (isCloudHost(api.hostname) || isCloudHost(identity.hostname)) {
    throw mismatch('Bitwarden cloud must use the exact US pair (api.bitwarden.com + identity.bitwarden.com) or EU pair (api.bitwarden.eu + identity.bitwarden.eu)');
  }
  if (api.origin !== identity.origin) throw mismatch('a self-hosted server must use one origin (scheme, host and port) for both');
  const apiPath = api.pathname.replace(/\/+$/, '');
  const idPath = identity.pathname.replace(/\/+$/, '');
  if (!apiPath.endsWith('/api') || !idPath.endsWith('/identity')) {
    throw mismatch('a self-hosted server must use <server>/api and <server>/identity');
  }
  if (apiPath.slice(0, -'/api'.length) !== idPath.slice(0, -'/identity'.length)) {
    throw mismatch('the /api and /identity paths must share the same prefix');
  }
  return 'self-hosted';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `organization.<uuid>` → the trimmed client id with a lower-case uuid, and the organization id. */
export function parseClientId(raw: string): { clientId: string; organizationId: string } {
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (s.startsWith('user.')) {
    throw new AppError('personal_api_key', 'This is a personal API key; only organization API keys (client_id "organization.<uuid>") are accepted.', {
      fields: { clientId: 'is a personal API key (user.*), not an organization API key' },
    });
  }
  const prefix = 'organization.';
  const tail = s.startsWith(prefix) ? s.slice(prefix.length) : '';
  if (!UUID.test(tail)) {
    throw new AppError('invalid_client_id', 'The client id must have the form "organization.<uuid>".', {
      fields: { clientId: 'must be "organization.<uuid>"' },
    });
  }
  const organizationId = tail.toLowerCase();
  return { clientId: `${prefix}${organizationId}`, organizationId };
}

/** Trims the client secret and checks its length (Bitwarden accepts at most 100 characters). */
export function normalizeSecret(raw: string): string {
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (s.length < 1 || s.length > 100) {
    throw new AppError('validation_failed', 'The client secret must be between 1 and 100 characters long.', {
      fields: { clientSecret: s.length === 0 ? 'is required' : 'must be at most 100 characters' },
    });
  }
  return s;
}
