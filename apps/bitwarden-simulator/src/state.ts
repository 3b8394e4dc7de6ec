// All mutable simulator state: orgs, config, faults, realm modes, counters, signing keys, rate-limit windows.
import { randomBytes, randomUUID } from 'node:crypto';
import { buildOrgData, OrgData } from './org-data';
import { newSigningKey, SigningKey } from './jwt';
import { DEFAULT_LIMITS, FixedWindows, Gcra } from './rate-limits';
import type { Counters, CreateOrgInput, Fault, RealmLimits, RealmMode, SimConfig, SimOrg, TokenLogEntry } from './types';

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

const DEFAULT_CONFIG: SimConfig = { tokenLifetimeSeconds: 3600, rateLimitPerMinute: null, latencyMs: 0, apiLatencyMs: 0, clockSkewSeconds: 300 };
const LIMIT_KEYS = ['enabled', ...Object.keys(DEFAULT_LIMITS)] as Array<keyof RealmLimits>;
/** How long issued tokens are remembered, so a revocation can tell apart tokens issued in its own second. */
const RECENT_MS = 2000;

interface Revocation {
  /** Tokens issued (iat, else nbf) before this second are refused... */
  beforeSecond: number;
  /** ...and so are these, issued in that second but before the revocation. */
  sameSecond: Set<string>;
}
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
  return { tokenRequests: 0, tokenSuccesses: 0, apiRequests: 0, tooManyRequests: 0, byRealm: {}, tokenLog: [] };
}

export class SimState {
  orgs = new Map<string, OrgRecord>();
  config: SimConfig = { ...DEFAULT_CONFIG };
  faults: Array<Fault & { remaining: number | null }> = [];
  realmModes = new Map<string, RealmMode>();
  forcedExpired = new Set<string>();
  private counts: Counters = emptyCounters();
  private keys = new Map<string, SigningKey>();
  readonly windows = new FixedWindows();
  readonly gcra = new Gcra();
  private limitOverrides = new Map<string, Partial<RealmLimits>>();
  /** Keyed by org id, or '*' for every org. */
  private revocations = new Map<string, Revocation>();
  private recentTokens: Array<{ token: string; at: number; orgId: string }> = [];

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

  realmLimits(realm: string): RealmLimits {
    const r = realm.toLowerCase();
    return { enabled: this.modeOf(r) === 'vaultwarden', ...DEFAULT_LIMITS, ...this.limitOverrides.get(r) };
  }

  setRealmLimits(realm: string, limits: Partial<RealmLimits>): RealmLimits {
    const r = realm.toLowerCase();
    const next = { ...this.limitOverrides.get(r) };
    for (const k of LIMIT_KEYS) {
      const v = limits[k];
      if (v === undefined) continue;
      if (k === 'enabled' ? typeof v !== 'boolean' : typeof v !== 'number' || !(v > 0)) {
        throw new TypeError(k === 'enabled' ? '"enabled" must be a boolean.' : `"${k}" must be a positive number.`);
      }
      (next as Record<string, unknown>)[k] = v;
    }
    this.limitOverrides.set(r, next);
    return this.realmLimits(r);
  }

  noteIssued(token: string, orgId: string): void {
    const now = Date.now();
    this.recentTokens.push({ token, at: now, orgId });
    while (this.recentTokens.length && this.recentTokens[0].at < now - RECENT_MS) this.recentTokens.shift();
  }

  revokeTokensIssuedBefore(orgId: string | undefined, at: number): void {
    const key = orgId === undefined ? '*' : this.org(orgId).id;
    const beforeSecond = Math.floor(at / 1000);
    const sameSecond = new Set(
      this.recentTokens.filter((t) => t.at < at && Math.floor(t.at / 1000) === beforeSecond && (key === '*' || t.orgId === key)).map((t) => t.token),
    );
    this.revocations.set(key, { beforeSecond, sameSecond });
  }

  isRevoked(token: string, orgId: string, issuedAtSecond: number | undefined): boolean {
    for (const r of [this.revocations.get('*'), this.revocations.get(orgId)]) {
      if (!r) continue;
      if (issuedAtSecond === undefined || issuedAtSecond < r.beforeSecond) return true;
      if (issuedAtSecond === r.beforeSecond && r.sameSecond.has(token)) return true;
    }
    return false;
  }

  private realmCounters(realm: string) {
    return (this.counts.byRealm[realm] ??= { tokenRequests: 0, tokenSuccesses: 0, apiRequests: 0, tooManyRequests: 0 });
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

  countTooManyRequests(realm: string): void {
    this.counts.tooManyRequests += 1;
    this.realmCounters(realm).tooManyRequests += 1;
  }

  counters(): Counters {
    return JSON.parse(JSON.stringify(this.counts));
  }

  resetCounters(): void {
    this.counts = emptyCounters();
  }

  /** Orgs, faults, config, counters (and rate-limit state and overrides, realm modes, expiries, revocations). Signing keys survive. */
  reset(): void {
    this.orgs.clear();
    this.faults = [];
    this.config = { ...DEFAULT_CONFIG };
    this.realmModes.clear();
    this.forcedExpired.clear();
    this.windows.clear();
    this.gcra.clear();
    this.limitOverrides.clear();
    this.revocations.clear();
    this.recentTokens = [];
    this.resetCounters();
  }
}
