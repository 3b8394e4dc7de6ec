import { AccountEntity } from '@app/database';

/**
 * Hot reads (one account, an Accounts page) use plain SQL with this column list and mapper instead of TypeORM's
 * query builder and entity hydration, which cost more than the index scan itself (docs/PERFORMANCE.md).
 */
export const ACCOUNT_COLUMNS = `id, owner_id, provider, organization_id, label, region, api_base_url, identity_base_url,
  client_id, secret_last4, secret_enc, secret_key_id, credentials_version, token_enc, token_key_id, token_expires_at,
  token_scope, token_lifetime_seconds, status, status_reason, last_error, last_verified_at, last_checked_at,
  consecutive_failures, next_check_at, refresh_at, last_token_request_at, suspended_at, server_flavor, server_version,
  server_checked_at, api_error, created_by_session_id, created_at, updated_at`;

export function accountFromRow(r: Record<string, any>): AccountEntity {
  return Object.assign(new AccountEntity(), {
    id: r.id,
    ownerId: r.owner_id,
    provider: r.provider,
    organizationId: r.organization_id,
    label: r.label,
    region: r.region,
    apiBaseUrl: r.api_base_url,
    identityBaseUrl: r.identity_base_url,
    clientId: r.client_id,
    secretLast4: r.secret_last4,
    secretEnc: r.secret_enc,
    secretKeyId: r.secret_key_id,
    credentialsVersion: r.credentials_version,
    tokenEnc: r.token_enc,
    tokenKeyId: r.token_key_id,
    tokenExpiresAt: r.token_expires_at,
    tokenScope: r.token_scope,
    tokenLifetimeSeconds: r.token_lifetime_seconds,
    status: r.status,
    statusReason: r.status_reason,
    lastError: r.last_error,
    lastVerifiedAt: r.last_verified_at,
    lastCheckedAt: r.last_checked_at,
    consecutiveFailures: r.consecutive_failures,
    nextCheckAt: r.next_check_at,
    refreshAt: r.refresh_at,
    lastTokenRequestAt: r.last_token_request_at,
    serverFlavor: r.server_flavor,
    serverVersion: r.server_version,
    serverCheckedAt: r.server_checked_at,
    apiError: r.api_error,
    suspendedAt: r.suspended_at,
    createdBySessionId: r.created_by_session_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}
