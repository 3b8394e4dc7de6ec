import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { EnvSchema } from './env.schema';

export interface ServiceKey {
  name: string;
  key: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * One problem per variable, first found first kept: a variable that is both missing and malformed, or out of two
 * bounds at once, is named once with the most basic of its problems.
 */
class Problems {
  private readonly byName = new Map<string, string>();

  add(name: string, problem: string): void {
    if (!this.byName.has(name)) this.byName.set(name, `${name} ${problem}`);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get list(): string[] {
    return [...this.byName.values()];
  }
}

/** class-validator constraint names, most basic first: missing, then type, then format, then range. */
const CONSTRAINT_ORDER = ['isDefined', 'isNotEmpty', 'isString', 'isInt', 'isBoolean', 'isIn', 'matches', 'min', 'max'];

/** The one problem kept of a variable's failed constraints, without the variable's name (class-validator adds it). */
function firstProblem(e: ValidationError): string {
  const constraints = e.constraints ?? {};
  const key = CONSTRAINT_ORDER.find((k) => k in constraints) ?? Object.keys(constraints)[0];
  const message = key ? constraints[key] : 'is invalid';
  return message.startsWith(`${e.property} `) ? message.slice(e.property.length + 1) : message;
}

/**
 * PUBLIC_URL is the base of links customers receive (`{PUBLIC_URL}/connect#session=...`): an http(s) URL, with a
 * path when the service is published under a prefix (https://hub.example.com/bitwarden-connect). A query, fragment
 * or credentials would silently produce broken or misleading links, so they are refused. Trailing slashes go.
 */
function parsePublicUrl(raw: string | undefined, port: number, problems: Problems): string {
  if (raw === undefined) return `http://127.0.0.1:${port}`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.add('PUBLIC_URL', 'must be an absolute http(s) URL');
    return '';
  }
  if (!['http:', 'https:'].includes(u.protocol) || u.search || u.hash || u.username || u.password || /[?#]/.test(raw)) {
    problems.add('PUBLIC_URL', 'must be an http(s) URL such as https://connect.example.com or https://hub.example.com/bitwarden-connect (no query, fragment or credentials)');
    return '';
  }
  return u.origin + u.pathname.replace(/\/+$/, '');
}

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * CORS_ORIGINS entries are compared with what browsers send (the Origin header, location.origin): scheme, host and
 * port, nothing more. Each entry is reduced to that spelling here, so `https://Hub.example.com/` and
 * `https://hub.example.com:443` mean https://hub.example.com everywhere; what is no origin at all is refused.
 */
function parseCorsOrigins(raw: string, problems: Problems): string[] {
  const origins: string[] = [];
  for (const [i, entry] of list(raw).entries()) {
    let u: URL | null = null;
    try {
      u = new URL(entry);
    } catch {
      u = null;
    }
    const bare = u && (u.pathname === '/' || u.pathname === '') && !u.search && !u.hash && !u.username && !u.password && !/[?#]/.test(entry);
    if (!u || !['http:', 'https:'].includes(u.protocol) || !bare) {
      problems.add('CORS_ORIGINS', `entry ${i + 1} (${JSON.stringify(entry)}) must be an http(s) origin such as https://hub.example.com (no path, query or fragment)`);
      return [];
    }
    if (!origins.includes(u.origin)) origins.push(u.origin);
  }
  return origins;
}

function parseServiceKeys(raw: string, problems: Problems): ServiceKey[] {
  const keys = list(raw).map((entry, i) => {
    const at = entry.indexOf(':');
    const name = at > 0 ? entry.slice(0, at) : '';
    const key = at > 0 ? entry.slice(at + 1) : '';
    if (!name || key.length < 32) problems.add('SERVICE_API_KEYS', `entry ${i + 1} must be name:key with a key of 32+ characters`);
    return { name, key };
  });
  if (!keys.length) problems.add('SERVICE_API_KEYS', 'is required (name:key entries)');
  return keys;
}

/**
 * The shape of ENCRYPTION_KEYS (`id:base64(32 bytes)` entries), checked with the other variables so that a bad key
 * list is named in the one configuration error, not later as a crash. Key bytes are never echoed. The keyring
 * checks again when it loads them.
 */
function encryptionKeysProblem(raw: string): string | null {
  const ids = new Set<string>();
  const entries = raw.split(',').map((e) => e.trim());
  for (const [i, entry] of entries.entries()) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const b64 = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) return `entry ${i + 1} must be id:base64key with an id of 1-32 characters A-Z a-z 0-9 _ -`;
    if (ids.has(id)) return `entry ${i + 1} repeats key id "${id}"`;
    ids.add(id);
    const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(b64) ? Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : null;
    if (!bytes || bytes.length !== 32) return `entry ${i + 1} (key id "${id}") must be base64 of exactly 32 bytes`;
  }
  return null;
}

/**
 * The validated, typed configuration. Built once from an environment record (process.env in the apps, an explicit
 * record in tests); code reads configuration only through this object.
 */
export class AppConfig {
  readonly port: number;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly encryptionKeys: string;
  readonly serviceKeys: ServiceKey[];
  readonly outboundAllowedHosts: string[];
  readonly outboundConnectTo: string[];
  readonly tokenRefreshMarginSeconds: number;
  readonly accountCheckIntervalSeconds: number;
  readonly identityRateLimitPerMinute: number;
  readonly identityRateLimitPerSecond: number;
  readonly selfHostedIdentityRateLimitPerMinute: number;
  readonly vaultwardenLoginBurst: number;
  readonly vaultwardenLoginPeriodSeconds: number;
  readonly apiRateLimitReadsPerMinute: number;
  readonly apiRateLimitWritesPerMinute: number;
  readonly proxyMaxBodyBytes: number;
  readonly proxyBudgetWaitMs: number;
  readonly logLevel: string;
  /** CORS_ORIGINS as browsers spell origins (scheme://host[:port], no trailing slash, default port left out). */
  readonly corsOrigins: string[];
  readonly webhookUrl: string;
  readonly webhookSecret: string;
  readonly demoPage: boolean;
  /** The service's public base URL: an origin, perhaps with a path prefix, no trailing slash. Hosted page links start with it. */
  readonly publicUrl: string;
  /** Serve /connect and /connect.js. */
  readonly connectPage: boolean;
  readonly outboundTimeoutMs: number;
  readonly workerConcurrency: number;
  readonly sweepIntervalMs: number;
  readonly workerLockMs: number;
  readonly linkRateLimitPerMinute: number;
  readonly workerHealthPort: number | null;
  readonly workerHealthHost: string;
  /** Bearer token /metrics asks for; empty means /metrics is open. */
  readonly metricsToken: string;
  /** EVENT_RETENTION_DAYS: account events older than this are purged by the worker. */
  readonly eventRetentionDays: number;

  /** `serviceKeys: false` for processes that serve no HTTP API (the keys CLI): SERVICE_API_KEYS is then not asked for. */
  constructor(env: Record<string, string | undefined>, opts: { serviceKeys?: boolean } = {}) {
    const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
    const parsed = plainToInstance(EnvSchema, clean, { exposeDefaultValues: true });
    const problems = new Problems();
    for (const e of validateSync(parsed, { whitelist: false })) problems.add(e.property, firstProblem(e));
    if (parsed.ENCRYPTION_KEYS && !problems.has('ENCRYPTION_KEYS')) {
      const keysProblem = encryptionKeysProblem(parsed.ENCRYPTION_KEYS);
      if (keysProblem) problems.add('ENCRYPTION_KEYS', keysProblem);
    }
    const needsKeys = opts.serviceKeys !== false;
    if (needsKeys && !parsed.SERVICE_API_KEYS) problems.add('SERVICE_API_KEYS', 'is required (name:key entries)');
    const serviceKeys = parsed.SERVICE_API_KEYS && !problems.has('SERVICE_API_KEYS') ? parseServiceKeys(parsed.SERVICE_API_KEYS, problems) : [];
    if (parsed.WEBHOOK_URL && !parsed.WEBHOOK_SECRET) problems.add('WEBHOOK_SECRET', 'is required when WEBHOOK_URL is set');
    if (!problems.has('WORKER_LOCK_MS') && !problems.has('OUTBOUND_TIMEOUT_MS') && parsed.WORKER_LOCK_MS <= parsed.OUTBOUND_TIMEOUT_MS) {
      problems.add('WORKER_LOCK_MS', 'must be longer than OUTBOUND_TIMEOUT_MS');
    }
    const publicUrl = parsePublicUrl(parsed.PUBLIC_URL, parsed.PORT, problems);
    const corsOrigins = problems.has('CORS_ORIGINS') ? [] : parseCorsOrigins(parsed.CORS_ORIGINS, problems);
    if (problems.list.length) throw new ConfigError(problems.list);

    this.port = parsed.PORT;
    this.databaseUrl = parsed.DATABASE_URL;
    this.redisUrl = parsed.REDIS_URL;
    this.encryptionKeys = parsed.ENCRYPTION_KEYS;
    this.serviceKeys = serviceKeys;
    this.outboundAllowedHosts = list(parsed.OUTBOUND_ALLOWED_HOSTS);
    this.outboundConnectTo = list(parsed.OUTBOUND_CONNECT_TO);
    this.tokenRefreshMarginSeconds = parsed.TOKEN_REFRESH_MARGIN_SECONDS;
    this.accountCheckIntervalSeconds = parsed.ACCOUNT_CHECK_INTERVAL_SECONDS;
    this.identityRateLimitPerMinute = parsed.IDENTITY_RATE_LIMIT_PER_MINUTE;
    this.identityRateLimitPerSecond = parsed.IDENTITY_RATE_LIMIT_PER_SECOND;
    this.selfHostedIdentityRateLimitPerMinute = parsed.SELF_HOSTED_IDENTITY_RATE_LIMIT_PER_MINUTE;
    this.vaultwardenLoginBurst = parsed.VAULTWARDEN_LOGIN_BURST;
    this.vaultwardenLoginPeriodSeconds = parsed.VAULTWARDEN_LOGIN_PERIOD_SECONDS;
    this.apiRateLimitReadsPerMinute = parsed.API_RATE_LIMIT_READS_PER_MINUTE;
    this.apiRateLimitWritesPerMinute = parsed.API_RATE_LIMIT_WRITES_PER_MINUTE;
    this.proxyMaxBodyBytes = parsed.PROXY_MAX_BODY_BYTES;
    this.proxyBudgetWaitMs = parsed.PROXY_BUDGET_WAIT_MS;
    this.logLevel = parsed.LOG_LEVEL;
    this.corsOrigins = corsOrigins;
    this.webhookUrl = parsed.WEBHOOK_URL;
    this.webhookSecret = parsed.WEBHOOK_SECRET;
    this.demoPage = parsed.DEMO_PAGE;
    this.publicUrl = publicUrl;
    this.connectPage = parsed.CONNECT_PAGE;
    this.outboundTimeoutMs = parsed.OUTBOUND_TIMEOUT_MS;
    this.workerConcurrency = parsed.WORKER_CONCURRENCY;
    this.sweepIntervalMs = parsed.SWEEP_INTERVAL_MS;
    this.workerLockMs = parsed.WORKER_LOCK_MS;
    this.linkRateLimitPerMinute = parsed.LINK_RATE_LIMIT_PER_MINUTE;
    this.workerHealthPort = parsed.WORKER_HEALTH_PORT ?? null;
    this.workerHealthHost = parsed.WORKER_HEALTH_HOST;
    this.metricsToken = parsed.METRICS_TOKEN;
    this.eventRetentionDays = parsed.EVENT_RETENTION_DAYS;
  }
}
