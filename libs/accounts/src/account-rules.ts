import type { AccountStatus } from '@app/common';
import { AppError } from '@app/common';
import type { LastError } from '@app/database';

// The Account's rules, as pure functions: everything that decides a status, a schedule or a token's use calls
// these. The clock (`now`) and randomness (`rand`, for jitter) are passed in so that each rule can be tested alone.

export type Rand = () => number;

export interface RuleConfig {
  /** ACCOUNT_CHECK_INTERVAL_SECONDS: every account is re-verified at least this often. */
  checkIntervalSeconds: number;
  /** TOKEN_REFRESH_MARGIN_SECONDS: a cached token is renewed when it has less than this left. */
  refreshMarginSeconds: number;
}

/** The token a successful exchange issued, as far as the rules care. */
export interface TokenFacts {
  expiresAt: Date;
  /** Lifetime in seconds, as Bitwarden said (expires_in). */
  expiresIn: number;
  scope: string;
}

/** The columns a token clears (the blob columns are written by the caller, who seals). */
export const CLEARED_TOKEN = {
  tokenEnc: null,
  tokenKeyId: null,
  tokenExpiresAt: null,
  tokenScope: null,
  tokenLifetimeSeconds: null,
  refreshAt: null,
} as const;

/** Tokens given out must outlive what was asked by this much too, for the caller's own clock and network. */
export const TOKEN_SAFETY_MS = 1000;

/** The refresh margin for a token of this lifetime: short-lived tokens use a quarter of their life. */
export function refreshMarginFor(lifetimeSeconds: number, marginSeconds: number): number {
  return Math.min(marginSeconds, Math.floor(lifetimeSeconds / 4));
}

/** When the next background check is due: one interval out, minus up to 10 % so checks of many accounts spread out. */
export function nextRegularCheck(now: Date, intervalSeconds: number, rand: Rand): Date {
  return new Date(now.getTime() + intervalSeconds * 1000 * (0.9 + 0.1 * rand()));
}

/** Exponential backoff with jitter after transient failures, scaled to the interval and capped by it. */
export function backoffCheck(now: Date, failures: number, intervalSeconds: number, rand: Rand): Date {
  const base = Math.min(30, Math.max(1, intervalSeconds / 20));
  const delay = Math.min(intervalSeconds, Math.min(3600, base * 2 ** Math.max(0, failures - 1)));
  return new Date(now.getTime() + delay * 1000 * (0.8 + 0.4 * rand()));
}

/** "In active use": a sync job asked for a token within the last two token lifetimes. */
export function isInActiveUse(lastTokenRequestAt: Date | null, lifetimeSeconds: number, now: Date): boolean {
  return !!lastTokenRequestAt && now.getTime() - lastTokenRequestAt.getTime() <= 2 * lifetimeSeconds * 1000;
}

/**
 * When to renew a token ahead of expiry: only for accounts in active use (null otherwise), the refresh margin
 * before its end, less up to 10 % jitter so renewals of many accounts do not bunch up.
 */
export function refreshAtFor(lastTokenRequestAt: Date | null, token: Pick<TokenFacts, 'expiresAt' | 'expiresIn'>, now: Date, marginSeconds: number, rand: Rand): Date | null {
  if (!isInActiveUse(lastTokenRequestAt, token.expiresIn, now)) return null;
  const margin = refreshMarginFor(token.expiresIn, marginSeconds);
  return new Date(token.expiresAt.getTime() - margin * 1000 * (1 + 0.1 * rand()));
}

/** A cached token serves a caller who needs `minValiditySeconds` of it. */
export function tokenUsable(a: { tokenEnc: unknown; tokenExpiresAt: Date | null }, minValiditySeconds: number, now: Date): boolean {
  return !!a.tokenEnc && !!a.tokenExpiresAt && a.tokenExpiresAt.getTime() - now.getTime() >= minValiditySeconds * 1000 + TOKEN_SAFETY_MS;
}

/** The token still has more than its margin left (plus a tenth): someone renewed it since the renewal was planned. */
export function renewedMeanwhile(a: { tokenEnc: unknown; tokenExpiresAt: Date | null }, lifetimeSeconds: number, marginSeconds: number, now: Date): boolean {
  const margin = refreshMarginFor(lifetimeSeconds, marginSeconds) * 1000;
  return !!a.tokenEnc && !!a.tokenExpiresAt && a.tokenExpiresAt.getTime() - now.getTime() > margin * 1.1;
}

/** The renewal after one that was found unneeded: the margin before this token's end, with jitter. */
export function nextRenewalOf(tokenExpiresAt: Date, lifetimeSeconds: number, marginSeconds: number, rand: Rand): Date {
  const margin = refreshMarginFor(lifetimeSeconds, marginSeconds) * 1000;
  return new Date(tokenExpiresAt.getTime() - margin * (1 + 0.1 * rand()));
}

const lastErrorOf = (e: AppError, now: Date): LastError => ({ code: e.code, message: e.message, at: now.toISOString() });

/**
 * The state of an account whose credentials were just proven by an exchange (link, re-link, check, renewal). An API
 * URL that failed its last probe keeps the account degraded: a token alone does not prove the API works.
 */
export function provenState(lastTokenRequestAt: Date | null, token: TokenFacts, now: Date, cfg: RuleConfig, rand: Rand, apiError: LastError | null = null) {
  return {
    status: (apiError ? 'degraded' : 'active') as AccountStatus,
    statusReason: apiError ? apiError.code : null,
    lastError: apiError,
    lastVerifiedAt: now,
    lastCheckedAt: now,
    consecutiveFailures: 0,
    nextCheckAt: nextRegularCheck(now, cfg.checkIntervalSeconds, rand),
    tokenExpiresAt: token.expiresAt,
    tokenScope: token.scope,
    tokenLifetimeSeconds: token.expiresIn,
    refreshAt: refreshAtFor(lastTokenRequestAt, token, now, cfg.refreshMarginSeconds, rand),
  };
}

/** Bitwarden rejected the credentials: only new ones (or a later success) fix it; the slow check continues. */
export function rejectedState(a: { consecutiveFailures: number }, e: AppError, now: Date, cfg: RuleConfig, rand: Rand) {
  return {
    status: 'needs_relink' as AccountStatus,
    statusReason: 'credentials_rejected',
    lastError: lastErrorOf(e, now),
    lastCheckedAt: now,
    consecutiveFailures: a.consecutiveFailures + 1,
    nextCheckAt: nextRegularCheck(now, cfg.checkIntervalSeconds, rand),
    ...CLEARED_TOKEN,
  };
}

/** A failure that may pass (outage, 5xx, timeout, 429): degraded, never needs_relink; a needs_relink stays so. */
export function transientState(a: { consecutiveFailures: number; status: AccountStatus; statusReason: string | null }, e: AppError, now: Date, cfg: RuleConfig, rand: Rand) {
  const failures = a.consecutiveFailures + 1;
  const keepRelink = a.status === 'needs_relink';
  return {
    status: (keepRelink ? 'needs_relink' : 'degraded') as AccountStatus,
    statusReason: keepRelink ? a.statusReason : e.code,
    lastError: lastErrorOf(e, now),
    lastCheckedAt: now,
    consecutiveFailures: failures,
    nextCheckAt: backoffCheck(now, failures, cfg.checkIntervalSeconds, rand),
  };
}

/** The server's description and the API URL are probed again at most this often by background checks. */
export const SERVER_RECHECK_MS = 24 * 3600 * 1000;

export function serverRecheckDue(serverCheckedAt: Date | null, now: Date): boolean {
  return !serverCheckedAt || now.getTime() - serverCheckedAt.getTime() >= SERVER_RECHECK_MS;
}

/** A failed probe of the API URL after linking: degraded with the probe's error, until a probe succeeds. */
export function apiProblemState(e: AppError, now: Date) {
  const error = lastErrorOf(e, now);
  return { status: 'degraded' as AccountStatus, statusReason: e.code, lastError: error, apiError: error, serverCheckedAt: now };
}

/**
 * The fields a caller sees change (credentials, label, URLs, status and its reason, last error, suspension):
 * updatedAt moves only when one of these takes a new value, never with the schedule or token columns.
 */
export const VISIBLE_FIELDS = [
  'label',
  'region',
  'apiBaseUrl',
  'identityBaseUrl',
  'organizationId',
  'clientId',
  'secretLast4',
  'credentialsVersion',
  'status',
  'statusReason',
  'lastError',
  'suspendedAt',
  'serverFlavor',
  'serverVersion',
] as const;

/** The state of an account the hub paused: no token, no due check, no renewal; credentials kept. */
export function suspendedState(now: Date) {
  return {
    status: 'suspended' as AccountStatus,
    statusReason: null,
    suspendedAt: now,
    nextCheckAt: null,
    ...CLEARED_TOKEN,
  };
}

/** Columns that a write may not set on a suspended account unless it resumes it: status, schedule and token. */
const HELD_WHILE_SUSPENDED = new Set<string>(['status', 'statusReason', 'suspendedAt', 'nextCheckAt', 'consecutiveFailures', ...Object.keys(CLEARED_TOKEN), 'tokenEnc', 'tokenKeyId']);

/**
 * What of a patch applies to a suspended account: a re-link swaps the credentials in (and records that they were
 * proven), and a check that raced the suspension records nothing that would bring it back to life.
 */
export function keepSuspended<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([k]) => !HELD_WHILE_SUSPENDED.has(k))) as Partial<T>;
}
