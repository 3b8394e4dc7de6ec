import type { HostClass } from '@app/common';
import type { ServerFlavor } from './bitwarden.client';

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

/** At most `limit` calls in any `windowMs` (a sliding log: no burst at a window edge can exceed it). */
export interface WindowRule {
  kind: 'window';
  windowMs: number;
  limit: number;
}

/** Vaultwarden's shape: a burst of `burst`, then one call per `periodMs` (GCRA). */
export interface GcraRule {
  kind: 'gcra';
  burst: number;
  periodMs: number;
}

export type BudgetRule = WindowRule | GcraRule;

/** Which budget rules apply to one host, and how long a 429 without Retry-After pauses it. */
export interface HostPolicy {
  host: string;
  hostClass: HostClass;
  kind: 'cloud' | 'self-hosted';
  flavor: ServerFlavor | null;
  rules: BudgetRule[];
  /** Seconds to pause the host after a 429 that names no Retry-After. */
  defaultPauseSeconds: number;
}

export interface IdentityLimits {
  cloudPerMinute: number;
  cloudPerSecond: number;
  selfHostedPerMinute: number;
  vaultwardenBurst: number;
  vaultwardenPeriodSeconds: number;
}

// Margins: the servers count in their own windows, started by their own clock at our first request. Our log is a
// little longer than theirs, so requests our clock sees as one window apart can never land in one of theirs.
export const MINUTE_MS = 61_000;
export const SECOND_MS = 1_250;
const GCRA_MARGIN_MS = 1_000;

/**
 * The identity host's rules. Cloud: per minute and per second (Bitwarden's two fixed windows per IP). Official
 * self-hosted servers have no limit of their own: a per-minute budget keeps us polite. Vaultwarden always limits
 * logins (self-hosted too) with a burst and a period, and its 429 carries no Retry-After. A self-hosted server whose
 * flavor is not known yet gets Vaultwarden's rule, the stricter of the two.
 */
export function identityHostPolicy(identityBaseUrl: string, flavor: ServerFlavor | null, limits: IdentityLimits): HostPolicy {
  const hostClass = hostClassOf(identityBaseUrl);
  const base = { host: hostOf(identityBaseUrl), hostClass };
  if (hostClass !== 'self-hosted') {
    return {
      ...base,
      kind: 'cloud',
      flavor: 'bitwarden',
      rules: [
        { kind: 'window', windowMs: MINUTE_MS, limit: limits.cloudPerMinute },
        { kind: 'window', windowMs: SECOND_MS, limit: limits.cloudPerSecond },
      ],
      defaultPauseSeconds: 60,
    };
  }
  if (flavor === 'bitwarden') {
    return { ...base, kind: 'self-hosted', flavor, rules: [{ kind: 'window', windowMs: MINUTE_MS, limit: limits.selfHostedPerMinute }], defaultPauseSeconds: 60 };
  }
  return {
    ...base,
    kind: 'self-hosted',
    flavor,
    rules: [{ kind: 'gcra', burst: limits.vaultwardenBurst, periodMs: limits.vaultwardenPeriodSeconds * 1000 + GCRA_MARGIN_MS }],
    defaultPauseSeconds: limits.vaultwardenPeriodSeconds,
  };
}
