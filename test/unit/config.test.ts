import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AppConfig, ConfigError } from '@app/config';

const KEY = `k1:${randomBytes(32).toString('base64')}`;
const SVC = 'hub:0123456789abcdef0123456789abcdef';

test('refuses to start without ENCRYPTION_KEYS and SERVICE_API_KEYS, naming both', () => {
  assert.throws(() => new AppConfig({}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /ENCRYPTION_KEYS/);
    assert.match(e.message, /SERVICE_API_KEYS/);
    return true;
  });
});

test('names every bad variable at once', () => {
  try {
    new AppConfig({ ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: 'hub:short', PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', IDENTITY_RATE_LIMIT_PER_MINUTE: '0' });
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'IDENTITY_RATE_LIMIT_PER_MINUTE', 'SERVICE_API_KEYS']) {
      assert.ok(e.problems.some((p) => p.includes(name)), `${name} is named in ${e.message}`);
    }
    assert.ok(!e.message.includes('short'), 'the bad key itself is not echoed');
  }
});

test('defaults follow the contract', () => {
  const c = new AppConfig({ ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC });
  assert.equal(c.port, 3000);
  assert.equal(c.databaseUrl, 'postgres://postgres@127.0.0.1:5432/bitwarden_connect');
  assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
  assert.equal(c.tokenRefreshMarginSeconds, 300);
  assert.equal(c.accountCheckIntervalSeconds, 21600);
  assert.equal(c.identityRateLimitPerMinute, 10);
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.outboundAllowedHosts, []);
  assert.deepEqual(c.corsOrigins, []);
  assert.deepEqual(c.serviceKeys, [{ name: 'hub', key: '0123456789abcdef0123456789abcdef' }]);
});

test('a malformed ENCRYPTION_KEYS is named once with the other bad variables, and no key byte is echoed', () => {
  const short = Buffer.alloc(16, 9).toString('base64');
  for (const keys of [`k1:${short}`, 'no-colon-here', `k1:${KEY.split(':')[1]},k1:${KEY.split(':')[1]}`, 'k1:not base64!']) {
    try {
      new AppConfig({ ENCRYPTION_KEYS: keys, SERVICE_API_KEYS: SVC, PORT: 'abc' });
      assert.fail(`expected a ConfigError for ${keys}`);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.filter((p) => p.includes('ENCRYPTION_KEYS')).length, 1, e.message);
      assert.ok(e.problems.some((p) => p.includes('PORT')), 'other bad variables are named in the same error');
      assert.ok(!e.message.includes(short) && !e.message.includes('not base64'), 'no key material in the message');
    }
  }
});

/** The ConfigError of an environment, or a failure if it starts. */
function configError(env: Record<string, string>): ConfigError {
  try {
    new AppConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  return assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const timesNamed = (message: string, name: string) => message.split(new RegExp(`\\b${name}\\b`)).length - 1;

test('each bad variable is named once, with its most basic problem: missing, then type, then range', () => {
  const e = configError({
    ENCRYPTION_KEYS: '',
    SERVICE_API_KEYS: 'hub:short,other:short',
    PORT: 'abc',
    LOG_LEVEL: 'loud',
    IDENTITY_RATE_LIMIT_PER_MINUTE: '0',
    WORKER_LOCK_MS: '1',
  });
  assert.deepEqual(e.problems.sort(), [
    'ENCRYPTION_KEYS is required (id:base64 entries)',
    'IDENTITY_RATE_LIMIT_PER_MINUTE must not be less than 1',
    'LOG_LEVEL must be one of the following values: fatal, error, warn, info, debug, trace, silent',
    'PORT must be an integer number',
    'SERVICE_API_KEYS entry 1 must be name:key with a key of 32+ characters',
    'WORKER_LOCK_MS must not be less than 2000',
  ]);
  for (const name of ['ENCRYPTION_KEYS', 'SERVICE_API_KEYS', 'PORT', 'LOG_LEVEL', 'IDENTITY_RATE_LIMIT_PER_MINUTE', 'WORKER_LOCK_MS']) {
    assert.equal(timesNamed(e.message, name), 1, `${name} once in: ${e.message}`);
  }
});

test('an integer variable takes decimal digits only', () => {
  for (const bad of ['0x10', '1e3', '1.5', '12abc', '-']) {
    assert.deepEqual(configError({ ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC, PORT: bad }).problems, ['PORT must be an integer number'], bad);
  }
  assert.deepEqual(configError({ ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC, PORT: '70000' }).problems, ['PORT must not be greater than 65535']);
  assert.equal(new AppConfig({ ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC, PORT: ' 8080 ' }).port, 8080);
});

test('WORKER_LOCK_MS is compared with OUTBOUND_TIMEOUT_MS only when both are valid', () => {
  assert.deepEqual(configError({ ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC, WORKER_LOCK_MS: '5000', OUTBOUND_TIMEOUT_MS: '6000' }).problems, [
    'WORKER_LOCK_MS must be longer than OUTBOUND_TIMEOUT_MS',
  ]);
  assert.deepEqual(configError({ ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC, OUTBOUND_TIMEOUT_MS: 'soon' }).problems, ['OUTBOUND_TIMEOUT_MS must be an integer number']);
});

test('CONNECT_PAGE and DEMO_PAGE take the usual spellings of a switch, any case, and refuse anything else', () => {
  const base = { ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC };
  for (const on of ['true', 'TRUE', ' True ', '1', 'yes', 'YES', 'on', 'On']) {
    assert.equal(new AppConfig({ ...base, CONNECT_PAGE: on }).connectPage, true, on);
    assert.equal(new AppConfig({ ...base, DEMO_PAGE: on }).demoPage, true, on);
  }
  for (const off of ['false', 'FALSE', '0', 'no', 'No', 'off', 'OFF ']) {
    assert.equal(new AppConfig({ ...base, CONNECT_PAGE: off }).connectPage, false, off);
    assert.equal(new AppConfig({ ...base, DEMO_PAGE: off }).demoPage, false, off);
  }
  assert.equal(new AppConfig(base).connectPage, true, 'CONNECT_PAGE defaults to on');
  assert.equal(new AppConfig(base).demoPage, false, 'DEMO_PAGE defaults to off');
  for (const bad of ['banana', 'enabled', '2', 'y', 'toString']) {
    assert.deepEqual(configError({ ...base, CONNECT_PAGE: bad, DEMO_PAGE: bad }).problems.sort(), [
      'CONNECT_PAGE must be true or false (1/0, yes/no and on/off are taken too)',
      'DEMO_PAGE must be true or false (1/0, yes/no and on/off are taken too)',
    ], bad);
  }
});

test('CORS_ORIGINS entries are reduced to origins; an entry that is no http(s) origin is refused', () => {
  const base = { ENCRYPTION_KEYS: KEY, SERVICE_API_KEYS: SVC };
  const c = new AppConfig({ ...base, CORS_ORIGINS: ' https://Hub.Example.com/ , http://localhost:5173,https://hub.example.com:443,,http://[::1]:8080/' });
  assert.deepEqual(c.corsOrigins, ['https://hub.example.com', 'http://localhost:5173', 'http://[::1]:8080']);
  for (const bad of ['not a url', 'hub.example.com', 'ftp://hub.example.com', 'https://hub.example.com/app', 'https://hub.example.com/?', 'https://hub.example.com#x', 'https://u:p@hub.example.com', '*', 'null']) {
    const e = configError({ ...base, CORS_ORIGINS: `https://ok.example.com,${bad}` });
    assert.equal(e.problems.length, 1, e.message);
    assert.match(e.problems[0], /^CORS_ORIGINS entry 2 .* must be an http\(s\) origin/, bad);
    assert.equal(timesNamed(e.message, 'CORS_ORIGINS'), 1, e.message);
  }
});
