// Public types of the Bitwarden simulator (re-exported by index.ts).

export type RealmMode = 'official' | 'vaultwarden';

export interface SimulatorOptions {
  /** 0 (default) picks a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PEM cert/key (contents or file paths), or false for plain http. Default: plain http. */
  tls?: { cert: string | Buffer; key: string | Buffer } | false;
}

export interface SimOrg {
  id: string;
  clientId: string;
  clientSecret: string;
  realm: string;
}

export interface CreateOrgInput {
  realm?: string;
  enabled?: boolean;
  useApi?: boolean;
  withoutKey?: boolean;
}

export interface SimConfig {
  tokenLifetimeSeconds: number;
  /**
   * Legacy knob for cloud realms: token requests per minute per client IP; null = not set. When set it switches the
   * cloud token limit on (1m rule only) even where the realm's limits are off, and replaces `tokenPerMinute` where they are on.
   */
  rateLimitPerMinute: number | null;
  /** Delay added before every identity/API response. */
  latencyMs: number;
  /** Extra delay before every API response (on top of latencyMs). */
  apiLatencyMs: number;
  /** Tolerance the official API allows past `exp`/before `nbf` (ASP.NET JwtBearer default 300 s). */
  clockSkewSeconds: number;
}

export type FaultKind =
  | '5xx'
  | 'hang'
  | '429'
  | 'redirect'
  | 'non-json'
  | 'oversized'
  | 'bad-token-response'
  | 'reset'
  /** 200 with a streamed (chunked, never buffered) events list of about `sizeBytes`. */
  | 'large';

export interface Fault {
  kind: FaultKind;
  /** Default 'token'. */
  target?: 'token' | 'api' | 'all';
  /** Default: every realm. */
  realm?: string;
  /** Default: until cleared. */
  count?: number;
  /** For '5xx'; default 500. */
  status?: number;
  /** For '429'; default 60; null sends no Retry-After header. */
  retryAfterSeconds?: number | null;
  /** For 'large'; default 50 MiB. */
  sizeBytes?: number;
  /** For 'redirect'; default https://attacker.test/connect/token. */
  location?: string;
  /** Wait this long before acting out the fault. */
  delayMs?: number;
}

export interface RealmCounters {
  tokenRequests: number;
  tokenSuccesses: number;
  apiRequests: number;
  /** 429 responses sent, whatever the cause (real limits or an injected fault). */
  tooManyRequests: number;
}

/**
 * The real servers' limits for one realm. Which rules apply follows the realm's flavor: cloud official realms use
 * the token and api fields, Vaultwarden realms the login* fields, official self-hosted realms none (they have none).
 */
export interface RealmLimits {
  /** Default: on for Vaultwarden realms, off for cloud realms. */
  enabled: boolean;
  /** Cloud /connect/token per client IP: fixed one-minute window (real: 10). */
  tokenPerMinute: number;
  /** Cloud /connect/token per client IP: fixed one-second window (real: 5). */
  tokenPerSecond: number;
  /** Cloud Public API GETs per minute per client IP (real: 200). */
  apiReadsPerMinute: number;
  /** Cloud Public API POSTs, PUTs, DELETEs per minute per client IP, each verb counted apart (real: 60). */
  apiWritesPerMinute: number;
  /** Same, per second (real: 5). */
  apiWritesPerSecond: number;
  /** Vaultwarden LOGIN_RATELIMIT_MAX_BURST (real default: 10). */
  loginBurst: number;
  /** Vaultwarden LOGIN_RATELIMIT_SECONDS (real default: 60); fractions allowed so tests stay fast. */
  loginPeriodSeconds: number;
}

export interface TokenLogEntry {
  at: number;
  realm: string;
  host: string;
  clientId: string | null;
  /** HTTP status sent; 0 when the request hung or the socket was reset. */
  status: number;
}

export interface Counters extends RealmCounters {
  byRealm: Record<string, RealmCounters>;
  tokenLog: TokenLogEntry[];
}

export interface SimulatorHandle {
  port: number;
  url: string;
  createOrg(o?: CreateOrgInput): SimOrg;
  rotateKey(orgId: string): string;
  setEnabled(orgId: string, enabled: boolean): void;
  setUseApi(orgId: string, useApi: boolean): void;
  configure(c: Partial<SimConfig>): void;
  setRealmMode(realm: string, mode: RealmMode): void;
  addFault(f: Fault): void;
  clearFaults(): void;
  counters(): Counters;
  resetCounters(): void;
  reset(): void;
  forceExpire(accessToken: string): void;
  /** The realm's limits as they apply now (overrides merged over the defaults). */
  realmLimits(realm: string): RealmLimits;
  /** Overrides some of the realm's limits (e.g. { enabled: false }); returns the result. reset() drops overrides. */
  setRealmLimits(realm: string, limits: Partial<RealmLimits>): RealmLimits;
  /**
   * Beyond the real servers (they cannot revoke): the API refuses, with a 401, every token of `orgId` (every org
   * when omitted) issued before `at` (default now). Tokens issued afterwards work.
   */
  revokeTokensIssuedBefore(orgId?: string, at?: Date | number): void;
  /**
   * Test helper beyond the wire protocol: a token exactly as the org's realm would issue it (not counted),
   * with `claims` overriding (undefined removes) claims, e.g. { scope: ['api'] } or { exp: ... }.
   */
  mintToken(orgId: string, claims?: Record<string, unknown>): string;
  close(): Promise<void>;
}
