import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fetch } from 'undici';
import { BitwardenClient, OutboundPolicy, Resolver, canonicalizeBaseUrl, causeChain, createGuardedAgent } from '@app/bitwarden';
import { rejectsWith } from '../../support/app-errors';
import { fakeJwt, json, startCounter, startServer } from './helpers';

const ORG = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const SECRET = 'Sup3rS3cretValueThatMustNeverLeak';
const creds = { clientId: `organization.${ORG}`, clientSecret: SECRET, organizationId: ORG };

/** Fixed answers instead of real DNS. Unknown names fail like getaddrinfo does. */
const DNS: Record<string, string[]> = {
  localhost: ['127.0.0.1', '::1'],
  'loopback.test': ['127.0.0.1'],
  'loopback6.test': ['::1'],
  'mapped6.test': ['::ffff:127.0.0.1'],
  'metadata.google.internal': ['169.254.169.254'],
  'imds6.test': ['fd00:ec2::254'],
  'mixed.test': ['93.184.216.34', '10.0.0.1'],
  'mixed6.test': ['2606:4700::1', '::ffff:127.0.0.1'],
  'mixed-order.test': ['127.0.0.1', '93.184.216.34'],
  '127.0.0.1.nip.io': ['127.0.0.1'],
  'localtest.me': ['127.0.0.1'],
  'private.test': ['192.168.0.10'],
  'unspecified.test': ['0.0.0.0'],
  'cgnat.test': ['100.64.1.1'],
  'ula.test': ['fd12:3456::1'],
  'vault.lan': ['127.0.0.1'],
  'public.test': ['93.184.216.34'],
};
const resolver: Resolver = async (h) => {
  const a = DNS[h];
  if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('SSRF guard', () => {
  let counter: Awaited<ReturnType<typeof startCounter>>;
  let client: BitwardenClient;
  const policy = new OutboundPolicy({ allowedHosts: [], connectTo: [], lookup: resolver });

  before(async () => {
    counter = await startCounter();
    client = new BitwardenClient({ policy, requestTimeoutMs: 3000, connectTimeoutMs: 1000 });
  });
  after(async () => {
    await client.close();
    await counter.close();
  });

  // Every host below points at the counting listener (loopback, port P) or at a place that must never be reached.
  const hostForms = (P: number): string[] => [
    // loopback, numeric and encoded IPv4
    `127.0.0.1:${P}`, `127.0.0.2:${P}`, `127.1:${P}`, `127.0.1:${P}`, `2130706433:${P}`, `0x7f000001:${P}`,
    `0x7f.0.0.1:${P}`, `017700000001:${P}`, `0177.0.0.1:${P}`, `0177.0.0.01:${P}`, `%31%32%37.0.0.1:${P}`,
    `127%2E0%2E0%2E1:${P}`, `127。0。0。1:${P}`, `①②⑦.⓪.⓪.①:${P}`, `１２７.０.０.１:${P}`, `127.000.000.001:${P}`,
    // unspecified
    `0:${P}`, `0.0.0.0:${P}`, `0x0:${P}`, `0.1.2.3:${P}`, `[::]:${P}`,
    // IPv6 loopback and IPv4 embedded in IPv6
    `[::1]:${P}`, `[0:0:0:0:0:0:0:1]:${P}`, `[::ffff:127.0.0.1]:${P}`, `[::ffff:7f00:1]:${P}`,
    `[0:0:0:0:0:ffff:127.0.0.1]:${P}`, `[::ffff:0:127.0.0.1]:${P}`, `[::127.0.0.1]:${P}`, `[::7f00:1]:${P}`,
    `[64:ff9b::127.0.0.1]:${P}`, `[64:ff9b::a9fe:a9fe]:${P}`, `[64:ff9b:1::7f00:1]:${P}`, `[2002:7f00:1::]:${P}`,
    // metadata and link-local
    `169.254.169.254:${P}`, `169.254.170.2:${P}`, `2852039166:${P}`, `0xa9fea9fe:${P}`, `0251.0376.0251.0376:${P}`,
    `169.254.1.1:${P}`, `[fd00:ec2::254]:${P}`, `[fe80::1]:${P}`, `[::ffff:169.254.169.254]:${P}`,
    `100.100.100.200:${P}`, `192.0.0.192:${P}`,
    // CGNAT, private, ULA, site-local, multicast, broadcast, reserved, benchmark
    `100.64.0.1:${P}`, `10.0.0.1:${P}`, `172.16.0.1:${P}`, `192.168.1.1:${P}`, `[fc00::1]:${P}`, `[fd12:3456::1]:${P}`,
    `[fec0::1]:${P}`, `224.0.0.1:${P}`, `239.255.255.250:${P}`, `[ff02::1]:${P}`, `255.255.255.255:${P}`,
    `240.0.0.1:${P}`, `198.18.0.1:${P}`, `192.0.2.1:${P}`, `[100::1]:${P}`, `[2001:db8::1]:${P}`,
    // names (injected resolver)
    `localhost:${P}`, `localhost.:${P}`, `LOCALHOST:${P}`, `ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:${P}`, `loopback.test:${P}`,
    `loopback6.test:${P}`, `mapped6.test:${P}`, `metadata.google.internal:${P}`, `imds6.test:${P}`,
    `mixed.test:${P}`, `mixed6.test:${P}`, `mixed-order.test:${P}`, `127.0.0.1.nip.io:${P}`, `localtest.me:${P}`,
    `private.test:${P}`, `unspecified.test:${P}`, `cgnat.test:${P}`, `ula.test:${P}`,
  ];

  // Inputs refused before any DNS or socket: userinfo, backslashes, other schemes, query/fragment tricks, bad forms.
  const urlForms = (P: number): string[] => [
    `https://api.bitwarden.com@127.0.0.1:${P}`,
    `https://identity.bitwarden.com:443@127.0.0.1:${P}`,
    `https://api.bitwarden.com\\@127.0.0.1:${P}`,
    `https://127.0.0.1:${P}\\@identity.bitwarden.com`,
    `https:\\\\127.0.0.1:${P}`,
    `https://127.0.0.1:${P}?@identity.bitwarden.com`,
    `https://127.0.0.1:${P}#@identity.bitwarden.com`,
    `https://127.0.0.1:${P}/\tx`,
    `https://127.0.0.1:${P}/a\r\nHost: x`,
    `http://127.0.0.1:${P}`,
    `http://localhost:${P}`,
    `gopher://127.0.0.1:${P}/_POST`,
    `ftp://127.0.0.1:${P}`,
    `dict://127.0.0.1:${P}/info`,
    `file:///etc/passwd`,
    `ws://127.0.0.1:${P}`,
    `//127.0.0.1:${P}`,
    `https://425.510.425.510:${P}`,
    `https://0x41414141A9FEA9FE:${P}`,
  ];

  it('refuses every bypass form with the guard error and no connection', async () => {
    const P = counter.port;
    let tested = 0;
    for (const h of hostForms(P)) {
      const url = `https://${h}/identity`;
      // connect-time guard (the security boundary)
      const e = await rejectsWith(client.exchangeToken({ identityBaseUrl: url, ...creds }), 'url_not_allowed', url);
      assert.ok(!e.message.includes(SECRET));
      // link-time pre-check agrees
      const canon = new URL(canonicalizeBaseUrl(url, 'identityBaseUrl', policy));
      await rejectsWith(policy.assertHostAllowed(canon.hostname, Number(canon.port || 443), 'identityBaseUrl'), 'url_not_allowed', `pre-check ${url}`);
      assert.equal(counter.connections(), 0, `a connection reached the listener for ${url}`);
      tested++;
    }
    for (const url of urlForms(P)) {
      await rejectsWith(client.exchangeToken({ identityBaseUrl: url, ...creds }), 'unsupported_url', url);
      await rejectsWith(client.probeApi({ apiBaseUrl: url, accessToken: 'tok' }), 'unsupported_url', url);
      assert.equal(counter.connections(), 0, `a connection reached the listener for ${url}`);
      tested++;
    }
    assert.ok(tested >= 60, `only ${tested} forms`);
    console.log(`# ssrf forms tested: ${tested}`);
  });

  it('probeApi is guarded the same way', async () => {
    const P = counter.port;
    for (const h of [`127.0.0.1:${P}`, `[::1]:${P}`, `localhost:${P}`, `169.254.169.254:${P}`]) {
      await rejectsWith(client.probeApi({ apiBaseUrl: `https://${h}/api`, accessToken: 'tok' }), 'url_not_allowed', h);
    }
    assert.equal(counter.connections(), 0);
  });

  it('the counting listener does see connections when the policy allows them (control)', async () => {
    const allow = new OutboundPolicy({ allowedHosts: ['127.0.0.1', 'vault.lan'], connectTo: [], lookup: resolver });
    const c = new BitwardenClient({ policy: allow, requestTimeoutMs: 2000 });
    try {
      await rejectsWith(c.exchangeToken({ identityBaseUrl: `https://127.0.0.1:${counter.port}`, ...creds }), ['provider_unreachable', 'provider_error']);
      await rejectsWith(c.exchangeToken({ identityBaseUrl: `https://vault.lan:${counter.port}`, ...creds }), ['provider_unreachable', 'provider_error']);
      assert.ok(counter.connections() >= 2);
    } finally {
      await c.close();
    }
  });

  it('DNS failure is provider_unreachable, not a guard error', async () => {
    await rejectsWith(client.exchangeToken({ identityBaseUrl: 'https://nowhere.test', ...creds }), 'provider_unreachable');
    await rejectsWith(policy.assertHostAllowed('nowhere.test', 443), 'provider_unreachable');
  });
});

describe('SSRF guard: policy details', () => {
  it('metadata stays blocked even when allowlisted', async () => {
    const p = new OutboundPolicy({
      allowedHosts: ['169.254.0.0/16', '169.254.169.254', 'fd00:ec2::254', 'fc00::/7', '100.64.0.0/10', '192.0.0.0/24', 'fe80::/10', 'metadata.google.internal', 'imds6.test'],
      connectTo: [],
      lookup: resolver,
    });
    for (const ip of ['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192', '169.254.1.1', 'fe80::1', '::ffff:169.254.169.254']) {
      assert.equal(p.isForbiddenAddress(ip), true, ip);
      assert.equal(p.isForbiddenAddress(ip, 'metadata.google.internal'), true, ip);
    }
    assert.equal(p.isForbiddenAddress('fd00::1'), false, 'other ULA addresses follow the allowlist');
    assert.equal(p.isForbiddenAddress('100.64.0.1'), false);
    await rejectsWith(p.assertHostAllowed('metadata.google.internal', 443), 'url_not_allowed');
    await rejectsWith(p.assertHostAllowed('imds6.test', 443), 'url_not_allowed');
    const c = new BitwardenClient({ policy: p, requestTimeoutMs: 2000 });
    try {
      for (const u of ['http://169.254.169.254', 'https://metadata.google.internal', 'http://[fd00:ec2::254]', 'http://100.100.100.200']) {
        await rejectsWith(c.exchangeToken({ identityBaseUrl: u, ...creds }), 'url_not_allowed', u);
      }
    } finally {
      await c.close();
    }
  });

  it('allowlist by IP, CIDR and hostname; public unicast allowed; everything else refused', () => {
    const p = new OutboundPolicy({ allowedHosts: ['10.20.0.0/16', '192.168.5.5', 'vault.lan', '[fd12::1]'], connectTo: [] });
    assert.equal(p.isHostAllowed('10.20.9.9'), true);
    assert.equal(p.isHostAllowed('10.21.0.1'), false);
    assert.equal(p.isHostAllowed('192.168.5.5'), true);
    assert.equal(p.isHostAllowed('VAULT.lan'), true);
    assert.equal(p.isHostAllowed('[fd12::1]'), true);
    assert.equal(p.isHostAllowed('other.lan'), false);
    assert.equal(p.isForbiddenAddress('10.20.1.1'), false);
    assert.equal(p.isForbiddenAddress('::ffff:10.20.1.1'), false);
    assert.equal(p.isForbiddenAddress('10.21.1.1'), true);
    assert.equal(p.isForbiddenAddress('127.0.0.1', 'vault.lan'), false, 'a listed name may resolve privately');
    assert.equal(p.isForbiddenAddress('127.0.0.1', 'other.lan'), true);
    assert.equal(p.isForbiddenAddress('8.8.8.8'), false);
    assert.equal(p.isForbiddenAddress('2606:4700::1111'), false);
    assert.equal(p.isForbiddenAddress('::ffff:8.8.8.8'), false);
    assert.equal(p.isForbiddenAddress('not-an-ip'), true);
  });

  it('DNS rebinding: a name that turns private after the link-time check is caught at connect time', async () => {
    const counter = await startCounter();
    let calls = 0;
    const rebinding: Resolver = async () => {
      calls++;
      return [{ address: calls === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    };
    const p = new OutboundPolicy({ allowedHosts: [], connectTo: [], lookup: rebinding });
    const c = new BitwardenClient({ policy: p, requestTimeoutMs: 2000 });
    try {
      await p.assertHostAllowed('rebind.test', counter.port); // first answer is public: passes
      await rejectsWith(c.exchangeToken({ identityBaseUrl: `https://rebind.test:${counter.port}`, ...creds }), 'url_not_allowed');
      assert.ok(calls >= 2, 'resolved again at connect time');
      assert.equal(counter.connections(), 0);
    } finally {
      await c.close();
      await counter.close();
    }
  });

  it('redirects: a 307 from an allowlisted host to loopback is never followed', async () => {
    const inner = await startServer((_req, res) => json(res, 200, { access_token: 'x', expires_in: 3600, token_type: 'Bearer' }), { host: '127.0.0.1' });
    const redirector = await startServer(
      (_req, res) => {
        res.writeHead(307, { location: `${inner.url}/connect/token` });
        res.end();
      },
      { host: '127.0.0.2' },
    );
    const p = new OutboundPolicy({ allowedHosts: ['127.0.0.2/32'], connectTo: [] });
    const c = new BitwardenClient({ policy: p, requestTimeoutMs: 2000 });
    const agent = createGuardedAgent(p);
    try {
      const e = await rejectsWith(c.exchangeToken({ identityBaseUrl: redirector.url, ...creds }), 'provider_error');
      assert.ok(!e.message.includes(SECRET));
      assert.equal(redirector.requests.length, 1);
      assert.equal(inner.connections(), 0);

      // Even a caller that follows redirects through the guarded agent cannot reach loopback: each hop is re-checked.
      const err = await fetch(`${redirector.url}/x`, { method: 'GET', dispatcher: agent, redirect: 'follow' }).then(
        () => null,
        (x: unknown) => x,
      );
      assert.ok(err, 'the followed redirect must fail');
      assert.ok(causeChain(err).some((x) => (x as { code?: string }).code === 'ESSRFBLOCKED'), 'blocked by the guard');
      assert.equal(inner.connections(), 0);
    } finally {
      await agent.close();
      await c.close();
      await redirector.close();
      await inner.close();
    }
  });

  it('OUTBOUND_CONNECT_TO: identity.bitwarden.com reaches a local TLS server with the original Host and SNI', async () => {
    const jwt = fakeJwt({ client_id: `organization.${ORG}`, client_sub: ORG, scope: ['api.organization'] });
    const server = await startServer((_req, res) => json(res, 200, { access_token: jwt, expires_in: 3600, token_type: 'Bearer', scope: 'api.organization' }), {
      tls: true,
    });
    const p = new OutboundPolicy({ allowedHosts: [], connectTo: [`identity.bitwarden.com:443:127.0.0.1:${server.port}`], lookup: resolver });
    assert.deepEqual(p.connectTargetFor('identity.bitwarden.com', 443), { host: '127.0.0.1', port: server.port });
    assert.equal(p.connectTargetFor('identity.bitwarden.com', 8443), null);
    assert.equal(p.connectTargetFor('api.bitwarden.com', 443), null);
    await p.assertHostAllowed('identity.bitwarden.com', 443); // mapped: trusted
    const c = new BitwardenClient({ policy: p, requestTimeoutMs: 3000 });
    try {
      const t = await c.exchangeToken({ identityBaseUrl: 'https://identity.bitwarden.com', ...creds });
      assert.equal(t.accessToken, jwt);
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0].headers.host, 'identity.bitwarden.com');
      assert.equal(server.requests[0].servername, 'identity.bitwarden.com');
      assert.equal(server.requests[0].url, '/connect/token');
      // A port that is not mapped goes through normal (here: failing) resolution.
      await rejectsWith(c.exchangeToken({ identityBaseUrl: 'https://identity.bitwarden.com:8443', ...creds }), 'provider_unreachable');
    } finally {
      await c.close();
      await server.close();
    }
  });

  it('OUTBOUND_CONNECT_TO parsing: any-host/any-port fields and IPv6 targets', () => {
    const p = new OutboundPolicy({ allowedHosts: [], connectTo: ['api.bitwarden.eu::[::1]:9443', ':443:127.0.0.1:', ''] });
    assert.deepEqual(p.connectTargetFor('api.bitwarden.eu', 1234), { host: '::1', port: 9443 });
    assert.deepEqual(p.connectTargetFor('anything.test', 443), { host: '127.0.0.1', port: 443 });
    assert.equal(p.connectTargetFor('anything.test', 80), null);
    assert.throws(() => new OutboundPolicy({ allowedHosts: [], connectTo: ['nonsense'] }));
  });
});
