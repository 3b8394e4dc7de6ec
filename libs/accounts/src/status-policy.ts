import { AppError } from '@app/common';
import { AccountEntity } from '@app/database';
import { AccountPatch } from './accounts.repository';

/** When the next background check of an account is due: one interval out, minus up to 10 % so checks spread out. */
export function nextRegularCheck(now: Date, intervalSeconds: number): Date {
  return new Date(now.getTime() + intervalSeconds * 1000 * (0.9 + 0.1 * Math.random()));
}

/** Exponential backoff with jitter after transient failures, scaled to the interval and capped by it. */
export function backoffCheck(now: Date, failures: number, intervalSeconds: number): Date {
  const base = Math.min(30, Math.max(1, intervalSeconds / 20));
  const delay = Math.min(intervalSeconds, Math.min(3600, base * 2 ** Math.max(0, failures - 1)));
  return new Date(now.getTime() + delay * 1000 * (0.8 + 0.4 * Math.random()));
}

const lastError = (e: AppError, now: Date) => ({ code: e.code, message: e.message, at: now.toISOString() });

/** Bitwarden rejected the credentials: only new ones (or a later success) fix it; the slow check continues. */
export function rejectedPatch(a: AccountEntity, e: AppError, now: Date, intervalSeconds: number): AccountPatch {
  return {
    status: 'needs_relink',
    statusReason: 'credentials_rejected',
    lastError: lastError(e, now),
    lastCheckedAt: now,
    consecutiveFailures: a.consecutiveFailures + 1,
    nextCheckAt: nextRegularCheck(now, intervalSeconds),
    tokenEnc: null,
    tokenKeyId: null,
    tokenExpiresAt: null,
    tokenScope: null,
    tokenLifetimeSeconds: null,
    refreshAt: null,
  };
}

/** A failure that may pass (outage, 5xx, timeout, 429): degraded, never needs_relink; a needs_relink stays so. */
export function transientPatch(a: AccountEntity, e: AppError, now: Date, intervalSeconds: number): AccountPatch {
  const failures = a.consecutiveFailures + 1;
  const keepRelink = a.status === 'needs_relink';
  return {
    status: keepRelink ? 'needs_relink' : 'degraded',
    statusReason: keepRelink ? a.statusReason : e.code,
    lastError: lastError(e, now),
    lastCheckedAt: now,
    consecutiveFailures: failures,
    nextCheckAt: backoffCheck(now, failures, intervalSeconds),
  };
}

export function isRejection(e: unknown): e is AppError {
  return e instanceof AppError && e.code === 'credentials_rejected';
}
