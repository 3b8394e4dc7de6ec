import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Decimal digits only: `0x10`, `1e3` or `12abc` are no integer a person meant, so they fail as one. */
const toInt = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && !/^\s*[+-]?\d+\s*$/.test(value) ? Number.NaN : Number(value);
};
const BOOLEANS = new Map<string, boolean>([
  ['true', true], ['1', true], ['yes', true], ['on', true],
  ['false', false], ['0', false], ['no', false], ['off', false],
]);
/** The usual spellings of a switch, any case; anything else stays as it is and fails IsBoolean (never a silent off). */
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return value;
  return BOOLEANS.get(value.trim().toLowerCase()) ?? value;
};
const BOOL_MESSAGE = { message: 'must be true or false (1/0, yes/no and on/off are taken too)' };

/** Every environment variable the service reads, with its default (docs/API.md, "Configuration"). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/bitwarden_connect';

export class EnvSchema {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString() @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL = DEFAULT_DATABASE_URL;

  @IsString() @Matches(/^rediss?:\/\//, { message: 'must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsString({ message: 'is required (id:base64 entries)' }) @IsNotEmpty({ message: 'is required (id:base64 entries)' })
  ENCRYPTION_KEYS!: string;

  /** Required by the processes that serve HTTP; checked by AppConfig (the keys CLI does without). */
  @IsOptional() @IsString()
  SERVICE_API_KEYS?: string;

  @IsOptional() @IsString()
  OUTBOUND_ALLOWED_HOSTS = '';

  @IsOptional() @IsString()
  OUTBOUND_CONNECT_TO = '';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3000)
  TOKEN_REFRESH_MARGIN_SECONDS = 300;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(30 * 86400)
  ACCOUNT_CHECK_INTERVAL_SECONDS = 21600;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  IDENTITY_RATE_LIMIT_PER_MINUTE = 10;

  /** Token exchanges per second per cloud identity host (Bitwarden cloud allows 5 per second per IP). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10000)
  IDENTITY_RATE_LIMIT_PER_SECOND = 5;

  /** Token exchanges per minute per official self-hosted identity host (such servers set no limit of their own). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  SELF_HOSTED_IDENTITY_RATE_LIMIT_PER_MINUTE = 60;

  /** Vaultwarden's own login limit: a burst, then one per period (LOGIN_RATELIMIT_MAX_BURST / _SECONDS there). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10000)
  VAULTWARDEN_LOGIN_BURST = 10;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  VAULTWARDEN_LOGIN_PERIOD_SECONDS = 60;

  /** Proxied GETs per minute per cloud API host, across all processes (Bitwarden cloud allows 200 per IP). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  API_RATE_LIMIT_READS_PER_MINUTE = 200;

  /** Proxied POST/PUT/DELETE per minute per cloud API host (Bitwarden cloud allows 60 per IP, and 5 per second). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  API_RATE_LIMIT_WRITES_PER_MINUTE = 60;

  /** Largest request body the Public API proxy reads (it keeps it whole, to send it again after a 401). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(100 * 1024 * 1024)
  PROXY_MAX_BODY_BYTES = 5 * 1024 * 1024;

  /** How long a proxied call may wait for a slot of its API host's budget. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(120000)
  PROXY_BUDGET_WAIT_MS = 10000;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional() @IsString()
  CORS_ORIGINS = '';

  @IsOptional() @IsString()
  WEBHOOK_URL = '';

  @IsOptional() @IsString()
  WEBHOOK_SECRET = '';

  @IsOptional() @Transform(toBool) @IsBoolean(BOOL_MESSAGE)
  DEMO_PAGE = false;

  /** The service's own public base URL (origin, optional path prefix) for hosted-page links; unset: http://127.0.0.1:{PORT} (checked by AppConfig). */
  @IsOptional() @IsString()
  PUBLIC_URL?: string;

  @IsOptional() @Transform(toBool) @IsBoolean(BOOL_MESSAGE)
  CONNECT_PAGE = true;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(120000)
  OUTBOUND_TIMEOUT_MS = 10000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  WORKER_CONCURRENCY = 16;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3600000)
  SWEEP_INTERVAL_MS = 2000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(2000) @Max(600000)
  WORKER_LOCK_MS = 30000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000000)
  LINK_RATE_LIMIT_PER_MINUTE = 20;

  /** The worker's /health/* listener; unset: none. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  WORKER_HEALTH_PORT?: number;

  @IsOptional() @IsString()
  WORKER_HEALTH_HOST = '127.0.0.1';

  /** Account events older than this many days are deleted by the worker. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  EVENT_RETENTION_DAYS = 400;

  /** Empty: /metrics is open. Otherwise a bearer token, so visible ASCII without spaces. */
  @IsOptional() @IsString() @Matches(/^[\x21-\x7e]{0,512}$/, { message: 'must be at most 512 visible ASCII characters without spaces' })
  METRICS_TOKEN = '';
}
