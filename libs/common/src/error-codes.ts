/** Contract error codes (docs/API.md, "Errors") with their HTTP status. The one place that maps code → status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  needs_relink: 409,
  already_linked: 409,
  account_suspended: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  unsupported_url: 422,
  region_mismatch: 422,
  url_not_allowed: 422,
  personal_api_key: 422,
  invalid_client_id: 422,
  credentials_rejected: 422,
  organization_mismatch: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  provider_unreachable: 502,
  provider_error: 502,
  provider_rate_limited: 503,
  unavailable: 503,
  provider_timeout: 504,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes that mean "Bitwarden may answer later": never a reason for needs_relink. */
export const TRANSIENT_PROVIDER_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'provider_unreachable',
  'provider_error',
  'provider_rate_limited',
  'provider_timeout',
]);
