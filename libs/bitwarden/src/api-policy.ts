import type { HostPolicy } from './host-policy';
import { MINUTE_MS, SECOND_MS, hostClassOf, hostOf } from './host-policy';

/** Bitwarden counts reads (GET) and writes (POST, PUT, DELETE) against separate per-IP limits. */
export type ApiCallKind = 'read' | 'write';

export interface ApiLimits {
  readsPerMinute: number;
  writesPerMinute: number;
}

/** Bitwarden cloud refuses more than 5 writes of one verb in a second; we hold all writes together to it. */
export const API_WRITES_PER_SECOND = 5;

export const apiCallKind = (method: string): ApiCallKind => (method.toUpperCase() === 'GET' ? 'read' : 'write');

/** The budget name of an API host's reads or writes: never the same keys as the identity budget of that host. */
export const apiBudgetHost = (apiBaseUrl: string, kind: ApiCallKind): string => `api:${hostOf(apiBaseUrl)}:${kind}`;

/**
 * The rules for calls to a Public API host. Cloud hosts get Bitwarden's per-IP limits (with the same margins as the
 * identity rules); self-hosted servers have no API limit, so their policy has no rule but can still be paused by a
 * 429 (a proxy or a Vaultwarden in front may send one).
 */
export function apiHostPolicy(apiBaseUrl: string, kind: ApiCallKind, limits: ApiLimits): HostPolicy {
  const hostClass = hostClassOf(apiBaseUrl);
  const host = apiBudgetHost(apiBaseUrl, kind);
  if (hostClass === 'self-hosted') return { host, hostClass, kind: 'self-hosted', flavor: null, rules: [], defaultPauseSeconds: 60 };
  const rules: HostPolicy['rules'] =
    kind === 'read'
      ? [{ kind: 'window', windowMs: MINUTE_MS, limit: limits.readsPerMinute }]
      : [
          { kind: 'window', windowMs: MINUTE_MS, limit: limits.writesPerMinute },
          { kind: 'window', windowMs: SECOND_MS, limit: API_WRITES_PER_SECOND },
        ];
  return { host, hostClass, kind: 'cloud', flavor: 'bitwarden', rules, defaultPauseSeconds: 60 };
}
