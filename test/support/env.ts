import { join } from 'node:path';

export const ROOT = join(__dirname, '../../..');
export const TLS_DIR = join(ROOT, '.tmp/tls');
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bitwarden_connect_test';
/** Tests use their own Redis database so they never touch a running demo's keys. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/3';
export const SERVICE_KEY = 'test-service-key-0123456789abcdef0123456789';
export const TEST_KEY_B64 = Buffer.alloc(32, 7).toString('base64');

/** The hosts the simulator answers for, mapped to it through OUTBOUND_CONNECT_TO. */
export const SIM_HOSTS = [
  'identity.bitwarden.com',
  'api.bitwarden.com',
  'identity.bitwarden.eu',
  'api.bitwarden.eu',
  'bw.selfhosted.test',
  'vaultwarden.selfhosted.test',
  'other.selfhosted.test',
];

export function baseEnv(simPort: number, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    ENCRYPTION_KEYS: `t1:${TEST_KEY_B64}`,
    SERVICE_API_KEYS: `hub:${SERVICE_KEY}`,
    OUTBOUND_CONNECT_TO: SIM_HOSTS.map((h) => `${h}:443:127.0.0.1:${simPort}`).join(','),
    // Tests about other things lift every pacing rule; the tests of the rules set their own.
    IDENTITY_RATE_LIMIT_PER_MINUTE: '10000',
    IDENTITY_RATE_LIMIT_PER_SECOND: '10000',
    SELF_HOSTED_IDENTITY_RATE_LIMIT_PER_MINUTE: '100000',
    VAULTWARDEN_LOGIN_BURST: '10000',
    LINK_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    OUTBOUND_TIMEOUT_MS: '3000',
    ...overrides,
  };
}
