import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundPolicy, canonicalizeBaseUrl, normalizeSecret, parseClientId, resolveRegion } from '@app/bitwarden';
import { throwsWith } from '../support/app-errors';

const strict = new OutboundPolicy({ allowedHosts: [], connectTo: [] });
const lan = new OutboundPolicy({ allowedHosts: ['127.0.0.1', 'vault.lan', '10.20.0.0/16', 'fd12::/16'], connectTo: [] });

describe('canonicalizeBaseUrl', () => {
  const ok: Array<[string, string, OutboundPolicy?]> = [
    ['https://api.bitwarden.com', 'https://api.bitwarden.com'],
    ['https://api.bitwarden.com/', 'https://api.bitwarden.com'],
    ['https://api.bitwarden.com:443/', 'https://api.bitwarden.com'],
    ['https://API.Bitwarden.COM', 'https://api.bitwarden.com'],
    ['  https://identity.bitwarden.eu//  ', 'https://identity.bitwarden.eu'],
    ['https://vault.example.test:8443/identity/', 'https://vault.example.test:8443/identity'],
    ['https://vault.example.test/bw/api///', 'https://vault.example.test/bw/api'],
    ['https://vault.example.test/a/../api', 'https://vault.example.test/api'],
    ['https://api.bitwarden.com./', 'https://api.bitwarden.com'],
    ['https://bücher.example/api', 'https://xn--bcher-kva.example/api'],
    ['https://%76ault.example.test/api', 'https://vault.example.test/api'],
    ['https://vault．example．test/api', 'https://vault.example.test/api'],
    // numeric IPv4 forms are normalised by WHATWG; whether the address may be used is the policy's call (ssrf tests)
    ['https://2130706433/api', 'https://127.0.0.1/api'],
    ['https://0x7f000001/api', 'https://127.0.0.1/api'],
    ['https://0177.0.0.1/api', 'https://127.0.0.1/api'],
    ['https://127.1:8443', 'https://127.0.0.1:8443'],
    ['https://[0:0:0:0:0:0:0:1]:8443/', 'https://[::1]:8443'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080', lan],
    ['http://2130706433:8080/', 'http://127.0.0.1:8080', lan],
    ['http://VAULT.lan:80/identity', 'http://vault.lan/identity', lan],
    ['http://10.20.3.4/api', 'http://10.20.3.4/api', lan],
    ['http://[fd12::1]/api', 'http://[fd12::1]/api', lan],
  ];
  for (const [raw, want, policy] of ok) {
    it(`accepts ${JSON.stringify(raw)}`, () => assert.equal(canonicalizeBaseUrl(raw, 'apiBaseUrl', policy ?? strict), want));
  }

  const rejected: Array<[string, string, OutboundPolicy?]> = [
    ['', 'empty'],
    ['   ', 'blank'],
    ['api.bitwarden.com', 'no scheme'],
    ['/api', 'relative'],
    ['https://', 'no host'],
    ['https:///', 'no host 2'],
    ['http://api.bitwarden.com', 'http to a public host'],
    ['http://127.0.0.1:8080', 'http to an unlisted loopback'],
    ['http://10.21.0.1', 'http outside the allowed CIDR', lan],
    ['ftp://api.bitwarden.com', 'ftp'],
    ['file:///etc/passwd', 'file'],
    ['gopher://127.0.0.1:6379/_INFO', 'gopher'],
    ['javascript:alert(1)', 'javascript'],
    ['data:text/plain,hi', 'data'],
    ['ws://api.bitwarden.com', 'ws'],
    ['https://user@api.bitwarden.com', 'userinfo'],
    ['https://user:pw@api.bitwarden.com', 'userinfo with password'],
    ['https://@api.bitwarden.com', 'empty userinfo'],
    ['https://:@api.bitwarden.com', 'empty userinfo with colon'],
    ['https://api.bitwarden.com@127.0.0.1', 'userinfo trick'],
    ['https://api.bitwarden.com?x=1', 'query'],
    ['https://api.bitwarden.com/?', 'bare ?'],
    ['https://api.bitwarden.com#frag', 'fragment'],
    ['https://api.bitwarden.com/#', 'bare #'],
    ['https://api.bitwarden.com\\@evil.example', 'backslash'],
    ['https:\\\\api.bitwarden.com', 'backslashes as slashes'],
    ['https://api.bitwarden.com/a b', 'inner space'],
    ['https://api.bit\twarden.com', 'tab'],
    ['https://api.bitwarden.com\n/x', 'newline'],
    ['https://api.bitwarden.com/\u0000', 'NUL'],
    ['https://api.bitwarden.com/\u007f', 'DEL'],
    ['https://api.bitwarden.com\u3000/', 'ideographic space'],
    ['https://425.510.425.510/', 'out-of-range IPv4'],
    ['https://0x41414141A9FEA9FE/', 'overlong hex'],
    ['https://[::1/', 'broken IPv6'],
    ['https://exa mple.com', 'space in host'],
    ['https://api.bitwarden.com:99999', 'bad port'],
  ];
  for (const [raw, label, policy] of rejected) {
    it(`rejects ${label}`, () => {
      const e = throwsWith(() => canonicalizeBaseUrl(raw, 'identityBaseUrl', policy ?? strict), 'unsupported_url', label);
      assert.ok(e.extra.fields?.identityBaseUrl, 'names the field');
      assert.match(e.message, /identity URL/);
    });
  }
});

describe('resolveRegion', () => {
  const good: Array<[string, string, string]> = [
    ['https://api.bitwarden.com', 'https://identity.bitwarden.com', 'us'],
    ['https://api.bitwarden.eu', 'https://identity.bitwarden.eu', 'eu'],
    ['https://vault.example.test/api', 'https://vault.example.test/identity', 'self-hosted'],
    ['https://vault.example.test/bw/api', 'https://vault.example.test/bw/identity', 'self-hosted'],
    ['https://vault.example.test:8443/api', 'https://vault.example.test:8443/identity', 'self-hosted'],
    ['http://10.20.0.5/api', 'http://10.20.0.5/identity', 'self-hosted'],
  ];
  for (const [a, i, r] of good) it(`${a} + ${i} → ${r}`, () => assert.equal(resolveRegion(a, i), r));

  const bad: Array<[string, string, string]> = [
    ['https://api.bitwarden.com', 'https://identity.bitwarden.eu', 'US api + EU identity'],
    ['https://api.bitwarden.eu', 'https://identity.bitwarden.com', 'EU api + US identity'],
    ['https://api.bitwarden.com', 'https://vault.example.test/identity', 'cloud api + self-hosted identity'],
    ['https://vault.example.test/api', 'https://identity.bitwarden.com', 'self-hosted api + cloud identity'],
    ['https://api.bitwarden.com.evil.test', 'https://identity.bitwarden.com.evil.test', 'look-alike suffix'],
    ['https://api.bitwarden.com.evil.test/api', 'https://identity.bitwarden.com', 'look-alike mixed'],
    ['https://bitwarden.com/api', 'https://bitwarden.com/identity', 'apex with paths'],
    ['https://api.bitwarden.com/api', 'https://identity.bitwarden.com/identity', 'cloud host with a path'],
    ['https://api.bitwarden.com/v1', 'https://identity.bitwarden.com', 'cloud api with a path'],
    ['https://vault.bitwarden.com/api', 'https://vault.bitwarden.com/identity', 'self-hosted layout on a bitwarden.com host'],
    ['https://x.bitwarden.eu/api', 'https://x.bitwarden.eu/identity', 'self-hosted layout on a bitwarden.eu host'],
    ['https://identity.bitwarden.com', 'https://api.bitwarden.com', 'swapped cloud'],
    ['https://a.example.test/api', 'https://b.example.test/identity', 'different hosts'],
    ['https://vault.example.test:8443/api', 'https://vault.example.test/identity', 'different ports'],
    ['http://vault.example.test/api', 'https://vault.example.test/identity', 'different schemes'],
    ['https://vault.example.test/identity', 'https://vault.example.test/api', 'swapped paths'],
    ['https://vault.example.test/a/api', 'https://vault.example.test/b/identity', 'different prefixes'],
    ['https://vault.example.test', 'https://vault.example.test', 'no paths'],
    ['https://vault.example.test/apis', 'https://vault.example.test/identity', 'wrong api path'],
  ];
  for (const [a, i, label] of bad) it(`mismatch: ${label}`, () => {
    throwsWith(() => resolveRegion(a, i), 'region_mismatch', label);
  });
});

describe('parseClientId', () => {
  const uuid = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
  it('accepts organization.<uuid>', () => assert.deepEqual(parseClientId(`organization.${uuid}`), { clientId: `organization.${uuid}`, organizationId: uuid }));
  it('lower-cases an upper-case uuid', () =>
    assert.deepEqual(parseClientId(`organization.${uuid.toUpperCase()}`), { clientId: `organization.${uuid}`, organizationId: uuid }));
  it('trims whitespace', () => assert.equal(parseClientId(`  organization.${uuid}\n`).organizationId, uuid));
  it('personal key → personal_api_key', () => {
    const e = throwsWith(() => parseClientId(`user.${uuid}`), 'personal_api_key');
    assert.ok(e.extra.fields?.clientId);
  });
  for (const [raw, label] of [
    [`Organization.${uuid}`, 'wrong prefix case'],
    [`organisation.${uuid}`, 'misspelt prefix'],
    [`organization.${uuid.slice(0, -1)}`, 'short uuid'],
    [`organization.${uuid}0`, 'long uuid'],
    [`organization.${uuid.replace(/-/g, '')}`, 'uuid without dashes'],
    [`organization.{${uuid}}`, 'braced uuid'],
    [`organization.${uuid.replace('3', 'g')}`, 'non-hex'],
    ['organization.', 'empty tail'],
    [uuid, 'bare uuid'],
    ['', 'empty'],
    [`installation.${uuid}`, 'other prefix'],
    [`organization. ${uuid}`, 'inner space'],
  ] as const) {
    it(`invalid: ${label}`, () => {
      const e = throwsWith(() => parseClientId(raw), 'invalid_client_id', label);
      assert.ok(e.extra.fields?.clientId);
    });
  }
});

describe('normalizeSecret', () => {
  it('trims', () => assert.equal(normalizeSecret('  abcDEF123  '), 'abcDEF123'));
  it('accepts 100 characters', () => assert.equal(normalizeSecret('x'.repeat(100)).length, 100));
  for (const [raw, label] of [
    ['', 'empty'],
    ['   ', 'blank'],
    ['x'.repeat(101), '101 characters'],
  ] as const) {
    it(`rejects ${label}`, () => {
      const e = throwsWith(() => normalizeSecret(raw), 'validation_failed', label);
      assert.ok(e.extra.fields?.clientSecret);
      assert.ok(!e.message.includes('xxxx'));
    });
  }
});
