// All mutable simulator state: orgs, config, faults, realm modes, counters, signing keys, rate-limit windows.
import { randomBytes, randomUUID } from 'node:crypto';
import { buildOrgData, OrgData } from './org-data';
import { newSigningKey, SigningKey } from './jwt';
import type { Counters, CreateOrgInput, Fault, RealmMode, SimConfig, SimOrg, TokenLogEntry } from './types';

export interface OrgRecord {
  id: string;
  realm: string;
  enabled: boolean;
  useApi: boolean;
  /** null = no API key generated yet (official server then answers 500). */
  secret: string | null;
  /** Vaultwarden's org-api-key row uuid; stays the same across rotation (it is the token's `sub`). */
  keyRowId: string;
  /** Never exposed by any endpoint. */
  name: string;
  data: OrgData;
}

const DEFAULT_CONFIG: SimConfig = { tokenLifetimeSeconds: 3600, rateLimitPerMinute: null, latencyMs: 0, clockSkewSeconds: 300 };
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 30 characters of [A-Za-z0-9], like CoreHelpers.SecureRandomString(30). */
export function newSecret(): string {
  let s = '';
  while (s.length < 30) {
    const b = randomBytes(1)[0];
    if (b < 248) s += ALNUM[b % 62];
  }
  return s;
}

function emptyCounters(): Counters {
  return { tokenRequests: 0, tokenSuccesses: 0, apiRequests: 0, byRealm: {}, tokenLog: [] };
}

export class SimState {
  orgs = new Map<string, OrgRecord>();
  config: SimConfig = { ...DEFAULT_CONFIG };
  faults: Array<Fault & { remaining: number | null }> = [];
  realmModes = new Map<string, RealmMode>();
  forcedExpired = new Set<string>();
  private counts: Counters = emptyCounters();
  private keys = new Map<string, SigningKey>();
  private rateWindows = new Map<string, { start: number; count: number }>();

  createOrg(o: CreateOrgInput = {}): SimOrg {
    const id = randomUUID();
    const rec: OrgRecord = {
      id,
      realm: (o.realm ?? 'us').toLowerCase(),
      enabled: o.enabled ?? true,
      useApi: o.useApi ?? true,
      secret: o.withoutKey ? null : newSecret(),
      keyRowId: randomUUID(),
      name: `Simulated org ${id.slice(0, 8)}`,
      data: buildOrgData(id),
    };
    this.orgs.set(id, rec);
    return this.describe(rec);
  }

  describe(rec: OrgRecord): SimOrg {
    return { id: rec.id, clientId: `organization.${rec.id}`, clientSecret: rec.secret ?? '', realm: rec.realm };
  }

  org(orgId: string): OrgRecord {
    const rec = this.orgs.get(orgId.toLowerCase());
    if (!rec) throw new Error(`unknown simulated org ${orgId}`);
    return rec;
  }

  rotateKey(orgId: string): string {
    const rec = this.org(orgId);
    rec.secret = newSecret();
    return rec.secret;
  }

  configure(c: Partial<SimConfig>): void {
    for (const k of Object.keys(DEFAULT_CONFIG) as Array<keyof SimConfig>) {
      if (c[k] !== undefined) (this.config as unknown as Record<string, unknown>)[k] = c[k];
    }
  }

  modeOf(realm: string): RealmMode {
    return this.realmModes.get(realm) ?? (realm.includes('vaultwarden') ? 'vaultwarden' : 'official');
  }

  keyFor(realm: string): SigningKey {
    let k = this.keys.get(realm);
    if (!k) {
      k = newSigningKey();
      this.keys.set(realm, k);
    }
    return k;
  }

  addFault(f: Fault): void {
    this.faults.push({ ...f, remaining: f.count ?? null });
  }

  /** The first fault matching this request, with its count used up by one. */
  takeFault(kind: 'token' | 'api' | 'identity-other', realm: string): Fault | null {
    for (const f of this.faults) {
      const target = f.target ?? 'token';
      if (target !== 'all' && target !== kind) continue;
      if (f.realm && f.realm.toLowerCase() !== realm) continue;
      if (f.remaining !== null) {
        if (f.remaining <= 0) continue;
        f.remaining -= 1;
      }
      return f;
    }
    return null;
  }

  /** Fixed one-minute window per realm and IP (AspNetCoreRateLimit-style, blocked requests not counted). */
  rateLimit(realm: string, ip: string): { limited: boolean; retryAfter: number } {
    const limit = this.config.rateLimitPerMinute;
    if (limit === null || limit === undefined) return { limited: false, retryAfter: 0 };
    const now = Date.now();
    const key = `${realm}|${ip}`;
    let w = this.rateWindows.get(key);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, count: 0 };
      this.rateWindows.set(key, w);
    }
    if (w.count >= limit) return { limited: true, retryAfter: Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000)) };
    w.count += 1;
    return { limited: false, retryAfter: 0 };
  }

  private realmCounters(realm: string) {
    return (this.counts.byRealm[realm] ??= { tokenRequests: 0, tokenSuccesses: 0, apiRequests: 0 });
  }

  countTokenRequest(realm: string, host: string, clientId: string | null): TokenLogEntry {
    this.counts.tokenRequests += 1;
    this.realmCounters(realm).tokenRequests += 1;
    const entry: TokenLogEntry = { at: Date.now(), realm, host, clientId, status: 0 };
    this.counts.tokenLog.push(entry);
    return entry;
  }

  countTokenSuccess(realm: string): void {
    this.counts.tokenSuccesses += 1;
    this.realmCounters(realm).tokenSuccesses += 1;
  }

  countApiRequest(realm: string): void {
    this.counts.apiRequests += 1;
    this.realmCounters(realm).apiRequests += 1;
  }

  counters(): Counters {
    return JSON.parse(JSON.stringify(this.counts));
  }

  resetCounters(): void {
    this.counts = emptyCounters();
  }

  /** Orgs, faults, config, counters (and rate-limit windows, realm modes, forced expiries). Signing keys survive. */
  reset(): void {
    this.orgs.clear();
    this.faults = [];
    this.config = { ...DEFAULT_CONFIG };
    this.realmModes.clear();
    this.forcedExpired.clear();
    this.rateWindows.clear();
    this.resetCounters();
  }
}
