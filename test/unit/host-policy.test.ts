import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostClassOf, hostOf, identityHostPolicy } from '@app/bitwarden';

test('hostClassOf: Bitwarden cloud hosts by region, anything else self-hosted', () => {
  assert.equal(hostClassOf('https://identity.bitwarden.com'), 'us');
  assert.equal(hostClassOf('https://api.bitwarden.com'), 'us');
  assert.equal(hostClassOf('https://identity.bitwarden.eu'), 'eu');
  assert.equal(hostClassOf('https://api.bitwarden.eu/'), 'eu');
  assert.equal(hostClassOf('https://IDENTITY.Bitwarden.COM'), 'us', 'host names are compared lower-cased');
  assert.equal(hostClassOf('https://bw.example.test/identity'), 'self-hosted');
  assert.equal(hostClassOf('https://identity.bitwarden.com.example.test'), 'self-hosted', 'a look-alike suffix is not the cloud');
  assert.equal(hostClassOf('https://vault.bitwarden.com'), 'self-hosted', 'only the known hosts count');
});

test('hostOf keeps a non-default port and drops the default one', () => {
  assert.equal(hostOf('https://bw.example.test:8443/identity'), 'bw.example.test:8443');
  assert.equal(hostOf('https://identity.bitwarden.com:443'), 'identity.bitwarden.com');
});

const LIMITS = { cloudPerMinute: 10, cloudPerSecond: 5, selfHostedPerMinute: 60, vaultwardenBurst: 10, vaultwardenPeriodSeconds: 60 };

test('identityHostPolicy: cloud hosts get a per-minute and a per-second window, each a little longer than the server\'s', () => {
  assert.deepEqual(identityHostPolicy('https://identity.bitwarden.eu', null, LIMITS), {
    host: 'identity.bitwarden.eu',
    hostClass: 'eu',
    kind: 'cloud',
    flavor: 'bitwarden',
    rules: [
      { kind: 'window', windowMs: 61_000, limit: 10 },
      { kind: 'window', windowMs: 1_250, limit: 5 },
    ],
    defaultPauseSeconds: 60,
  });
});

test('identityHostPolicy: an official self-hosted server gets its own per-minute budget', () => {
  assert.deepEqual(identityHostPolicy('https://bw.example.test:8443/identity', 'bitwarden', { ...LIMITS, selfHostedPerMinute: 3 }), {
    host: 'bw.example.test:8443',
    hostClass: 'self-hosted',
    kind: 'self-hosted',
    flavor: 'bitwarden',
    rules: [{ kind: 'window', windowMs: 61_000, limit: 3 }],
    defaultPauseSeconds: 60,
  });
});

test('identityHostPolicy: Vaultwarden, or a self-hosted server of unknown flavor, gets a burst and a period (plus margin)', () => {
  for (const flavor of ['vaultwarden', null] as const) {
    const p = identityHostPolicy('https://vw.example.test/identity', flavor, LIMITS);
    assert.deepEqual(p.rules, [{ kind: 'gcra', burst: 10, periodMs: 61_000 }]);
    assert.equal(p.defaultPauseSeconds, 60, 'a 429 without Retry-After pauses for the period');
  }
});
