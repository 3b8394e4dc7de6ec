// Maps a request (Host header + path) to a realm and a service (identity or API), like the real host layouts.
import type { RealmMode } from './types';

export interface Route {
  realm: string;
  /** Host header as sent (lowercased, port kept), used for Vaultwarden's origin. */
  host: string;
  hostname: string;
  cloud: boolean;
  mode: RealmMode;
  service: 'identity' | 'api' | null;
  /** Path below the service base (starts with '/'). */
  subPath: string;
  /** Public base URL of the service's origin + prefix, e.g. https://bw.selfhosted.test/bitwarden */
  baseUrl: string;
  scheme: 'http' | 'https';
}

const CLOUD: Record<string, { realm: string; service: 'identity' | 'api' }> = {
  'identity.bitwarden.com': { realm: 'us', service: 'identity' },
  'api.bitwarden.com': { realm: 'us', service: 'api' },
  'identity.bitwarden.eu': { realm: 'eu', service: 'identity' },
  'api.bitwarden.eu': { realm: 'eu', service: 'api' },
};

export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.lastIndexOf(':');
  return i >= 0 ? h.slice(0, i) : h;
}

export function resolveRoute(
  hostHeader: string,
  path: string,
  scheme: 'http' | 'https',
  modeOf: (realm: string) => RealmMode,
): Route {
  const host = hostHeader.trim().toLowerCase();
  const hostname = hostnameOf(host);
  const cloud = CLOUD[hostname];
  if (cloud) {
    return {
      realm: cloud.realm,
      host,
      hostname,
      cloud: true,
      mode: modeOf(cloud.realm),
      service: cloud.service,
      subPath: path || '/',
      baseUrl: `https://${hostname}`,
      scheme,
    };
  }
  // Self-hosted single origin: <prefix>/identity/... and <prefix>/api/...; the first such segment wins.
  const m = /^(.*?)\/(identity|api)(\/.*)?$/i.exec(path);
  const realm = hostname;
  return {
    realm,
    host,
    hostname,
    cloud: false,
    mode: modeOf(realm),
    service: m ? (m[2].toLowerCase() as 'identity' | 'api') : null,
    subPath: m ? m[3] || '/' : path,
    baseUrl: `${scheme}://${host}${m ? m[1] : ''}`,
    scheme,
  };
}

/** The `iss` a realm puts in its tokens and its API expects. */
export function issuerFor(route: Route): string {
  if (route.mode === 'vaultwarden') return `${route.scheme}://${route.host}|api.organization`;
  if (route.realm === 'us') return 'https://identity.bitwarden.com';
  if (route.realm === 'eu') return 'https://identity.bitwarden.eu';
  // Self-hosted official: InternalIdentity http://identity:5000 with the port dropped.
  return 'http://identity';
}

/** Identity/API/vault URLs as the realm's /config advertises them. */
export function environmentFor(route: Route): Record<string, string | null> {
  if (route.cloud && (route.realm === 'us' || route.realm === 'eu')) {
    const tld = route.realm === 'us' ? 'com' : 'eu';
    return {
      cloudRegion: route.realm.toUpperCase(),
      vault: `https://vault.bitwarden.${tld}`,
      api: `https://api.bitwarden.${tld}`,
      identity: `https://identity.bitwarden.${tld}`,
      notifications: `https://notifications.bitwarden.${tld}`,
      sso: `https://sso.bitwarden.${tld}`,
    };
  }
  const base = route.baseUrl;
  return {
    cloudRegion: null,
    vault: base,
    api: `${base}/api`,
    identity: `${base}/identity`,
    notifications: `${base}/notifications`,
    sso: route.mode === 'vaultwarden' ? '' : `${base}/sso`,
  };
}
