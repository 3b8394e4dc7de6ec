import { AccountEntity } from '@app/database';

/** The Account resource (docs/API.md, "Accounts"): the one declaration of its shape. Never the secret, a token or ciphertext. */
export interface AccountView {
  id: string;
  ownerId: string;
  provider: 'bitwarden';
  organizationId: string;
  label: string | null;
  region: string;
  apiBaseUrl: string;
  identityBaseUrl: string;
  clientId: string;
  secretLast4: string;
  status: string;
  statusReason: string | null;
  lastError: { code: string; message: string; at: string } | null;
  lastVerifiedAt: string | null;
  lastCheckedAt: string | null;
  tokenExpiresAt: string | null;
  /** What the server says it is (GET {api}/config); null until known. */
  server: { flavor: 'bitwarden' | 'vaultwarden'; version: string | null } | null;
  /** When the cached token is renewed ahead of expiry; null when the account is not in active use. */
  tokenRefreshAt: string | null;
  /** When the background re-verification is due; null while suspended. */
  nextCheckAt: string | null;
  suspendedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function mapAccount(a: AccountEntity): AccountView {
  return {
    id: a.id,
    ownerId: a.ownerId,
    provider: 'bitwarden',
    organizationId: a.organizationId,
    label: a.label,
    region: a.region,
    apiBaseUrl: a.apiBaseUrl,
    identityBaseUrl: a.identityBaseUrl,
    clientId: a.clientId,
    secretLast4: a.secretLast4,
    status: a.status,
    statusReason: a.statusReason,
    lastError: a.lastError,
    lastVerifiedAt: iso(a.lastVerifiedAt),
    lastCheckedAt: iso(a.lastCheckedAt),
    tokenExpiresAt: a.tokenEnc ? iso(a.tokenExpiresAt) : null,
    server: a.serverFlavor ? { flavor: a.serverFlavor, version: a.serverVersion } : null,
    tokenRefreshAt: a.tokenEnc ? iso(a.refreshAt) : null,
    nextCheckAt: iso(a.nextCheckAt),
    suspendedAt: iso(a.suspendedAt),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
