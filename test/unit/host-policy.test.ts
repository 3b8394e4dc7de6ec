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

test('identityHostPolicy: one rule per host, a minute plus a second long, at the configured limit', () => {
  assert.deepEqual(identityHostPolicy('https://identity.bitwarden.eu', { perMinute: 10 }), {
    host: 'identity.bitwarden.eu',
    hostClass: 'eu',
    rules: [{ windowMs: 61_000, limit: 10 }],
  });
  assert.deepEqual(identityHostPolicy('https://bw.example.test:8443/identity', { perMinute: 3 }), {
    host: 'bw.example.test:8443',
    hostClass: 'self-hosted',
    rules: [{ windowMs: 61_000, limit: 3 }],
  });
});
