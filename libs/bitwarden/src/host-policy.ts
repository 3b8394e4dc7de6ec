import type { HostClass } from '@app/common';

/** Bitwarden's cloud hosts, by region. Anything else is a tenant's own (self-hosted) server. */
const CLOUD_HOSTS: Record<string, HostClass> = {
  'identity.bitwarden.com': 'us',
  'api.bitwarden.com': 'us',
  'identity.bitwarden.eu': 'eu',
  'api.bitwarden.eu': 'eu',
};

/** The host (with a port when it is not the default) that a budget, a pause or a breaker is kept for. */
export const hostOf = (baseUrl: string): string => new URL(baseUrl).host;

/** us, eu or self-hosted: what metric labels carry, so a tenant's server name never becomes a label or a series. */
export const hostClassOf = (baseUrl: string): HostClass => CLOUD_HOSTS[new URL(baseUrl).hostname] ?? 'self-hosted';

/** At most `limit` calls in any `windowMs` (a sliding log, so no burst at a window edge can exceed it). */
export interface WindowRule {
  windowMs: number;
  limit: number;
}

/** Which budget rules apply to one host: the one thing to extend when a server kind gets limits of its own. */
export interface HostPolicy {
  host: string;
  hostClass: HostClass;
  rules: WindowRule[];
}

export interface IdentityLimits {
  perMinute: number;
}

/**
 * Bitwarden counts token requests per client IP per minute; the window is one second longer than that so network
 * jitter between our clock and theirs cannot let an 11th request land in their minute.
 */
const MINUTE_MS = 61_000;

export function identityHostPolicy(identityBaseUrl: string, limits: IdentityLimits): HostPolicy {
  return {
    host: hostOf(identityBaseUrl),
    hostClass: hostClassOf(identityBaseUrl),
    rules: [{ windowMs: MINUTE_MS, limit: limits.perMinute }],
  };
}
