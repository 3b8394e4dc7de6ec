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
  /** Token requests per minute per client IP; null = no rate limit. */
  rateLimitPerMinute: number | null;
  /** Delay added before every identity/API response. */
  latencyMs: number;
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
  | 'reset';

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
  /** For '429'; default 60. */
  retryAfterSeconds?: number;
  /** For 'redirect'; default https://attacker.test/connect/token. */
  location?: string;
  /** Wait this long before acting out the fault. */
  delayMs?: number;
}

export interface RealmCounters {
  tokenRequests: number;
  tokenSuccesses: number;
  apiRequests: number;
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
  /**
   * Test helper beyond the wire protocol: a token exactly as the org's realm would issue it (not counted),
   * with `claims` overriding (undefined removes) claims, e.g. { scope: ['api'] } or { exp: ... }.
   */
  mintToken(orgId: string, claims?: Record<string, unknown>): string;
  close(): Promise<void>;
}
