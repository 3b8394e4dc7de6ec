import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { BitwardenClient, OutboundPolicy, Resolver, deviceIdentifierFor, parseRetryAfter } from '@app/bitwarden';
import { rejectsWith } from '../../support/app-errors';
import { TestServer, fakeJwt, json, startServer } from './helpers';

const ORG = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const OTHER_ORG = '11111111-2222-4333-8444-555555555555';
const SECRET = 'Sup3rS3cretValueThatMustNeverLeak';
const TOKEN = 'AccessTokenThatMustNeverLeak';
const MARKER = 'UPSTREAM-BODY-MARKER';
const creds = { clientId: `organization.${ORG}`, clientSecret: SECRET, organizationId: ORG };

const resolver: Resolver = async (h) => {
  if (h === 'vault.lan' || h === 'wrong.invalid') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
};
const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1', 'vault.lan', 'wrong.invalid'], connectTo: [], lookup: resolver });

const goodToken = (claims: Record<string, unknown> = { client_id: `organization.${ORG}`, client_sub: ORG }) => fakeJwt({ ...claims, scope: ['api.organization'] });

/** Routes: a mutable handler per test, on one HTTPS server. */
let route: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = (_q, r) => r.end();
const errors: Error[] = [];
const expectError = async (p: Promise<unknown>, code: string | string[], label = '') => {
  const e = await rejectsWith(p, code, label);
  errors.push(e);
  return e as Error & { code: string; extra: { retryAfterSeconds?: number; fields?: Record<string, string> } };
};

describe('BitwardenClient', () => {
  let tls: TestServer;
  let plain: TestServer;
  let client: BitwardenClient;
  let identity: string;
  let api: string;

  before(async () => {
    tls = await startServer((q, r, b) => route(q, r, b), { tls: true });
    plain = await startServer((q, r, b) => route(q, r, b));
    client = new BitwardenClient({ policy, requestTimeoutMs: 1500, connectTimeoutMs: 1000, userAgent: 'bwc-test/1' });
    identity = `${tls.url}/identity`;
    api = `${tls.url}/api`;
  });
  after(async () => {
    await client.close();
    await tls.close();
    await plain.close();
    // No error message, anywhere, carries the secret, the token or an upstream body.
    assert.ok(errors.length > 20);
    for (const e of errors) {
      const text = `${e.message} ${JSON.stringify(e)}`;
      assert.ok(!text.includes(SECRET), `secret leaked in: ${e.message}`);
      assert.ok(!text.includes(TOKEN), `token leaked in: ${e.message}`);
      assert.ok(!text.includes(MARKER), `upstream body leaked in: ${e.message}`);
    }
  });

  describe('exchangeToken', () => {
    it('sends the client_credentials form and returns the token', async () => {
      const jwt = goodToken();
      route = (req, res) => json(res, 200, { access_token: jwt, expires_in: 3600, token_type: 'Bearer', scope: 'api.organization' });
      const before = tls.requests.length;
      const t = await client.exchangeToken({ identityBaseUrl: identity, ...creds });
      assert.deepEqual(t, { accessToken: jwt, expiresIn: 3600, tokenType: 'Bearer', scope: 'api.organization' });
      const req = tls.requests[before];
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/identity/connect/token');
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(req.headers.accept, 'application/json');
      assert.equal(req.headers['user-agent'], 'bwc-test/1');
      const form = Object.fromEntries(new URLSearchParams(req.body));
      assert.deepEqual(form, {
        grant_type: 'client_credentials',
        scope: 'api.organization',
        client_id: `organization.${ORG}`,
        client_secret: SECRET,
        deviceType: '21',
        deviceIdentifier: deviceIdentifierFor(ORG),
        deviceName: 'bitwarden-connect',
      });
      assert.match(form.deviceIdentifier, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(deviceIdentifierFor(ORG.toUpperCase()), form.deviceIdentifier, 'stable per organization');
      assert.notEqual(deviceIdentifierFor(OTHER_ORG), form.deviceIdentifier);
    });

    it('works over http for an allowlisted host and by allowlisted name', async () => {
      route = (_q, res) => json(res, 200, { access_token: 'opaque-token', expires_in: 60, token_type: 'bearer' });
      const t = await client.exchangeToken({ identityBaseUrl: `${plain.url}/identity`, ...creds });
      assert.equal(t.accessToken, 'opaque-token');
      assert.equal(t.tokenType, 'Bearer');
      assert.equal(t.scope, 'api.organization');
      const t2 = await client.exchangeToken({ identityBaseUrl: `http://vault.lan:${plain.port}/identity`, ...creds });
      assert.equal(t2.expiresIn, 60);
    });

    it('official invalid_client (400 and 401) → credentials_rejected', async () => {
      for (const status of [400, 401]) {
        route = (_q, res) => json(res, status, { error: 'invalid_client' });
        await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'credentials_rejected', `${status}`);
      }
    });

    for (const msg of ['Invalid client_id', 'Incorrect client_secret', 'Malformed client_id']) {
      it(`Vaultwarden "${msg}" → credentials_rejected`, async () => {
        route = (_q, res) =>
          json(res, 400, {
            message: msg,
            validationErrors: { '': [msg] },
            errorModel: { message: msg, object: 'error' },
            error: '',
            error_description: '',
            exceptionMessage: null,
            exceptionStackTrace: null,
            innerExceptionMessage: null,
            object: 'error',
          });
        await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'credentials_rejected', msg);
      });
    }

    it('Vaultwarden message only in errorModel or validationErrors → credentials_rejected', async () => {
      route = (_q, res) => json(res, 400, { error: '', errorModel: { message: 'Incorrect client_secret', object: 'error' } });
      await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'credentials_rejected');
      route = (_q, res) => json(res, 400, { error: '', validationErrors: { '': ['Invalid client_id'] } });
      await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'credentials_rejected');
    });

    it('other 4xx → provider_error', async () => {
      const cases: Array<[number, unknown]> = [
        [400, { error: 'invalid_scope' }],
        [400, { error: 'invalid_request' }],
        [400, { error: '', message: 'Scope not supported', errorModel: { message: 'Scope not supported' } }],
        [400, { error: '', message: `device_type cannot be blank ${MARKER}` }],
        [400, `not json ${MARKER}`],
        [403, { error: 'invalid_client' }],
        [404, { message: MARKER }],
        [418, {}],
      ];
      for (const [status, body] of cases) {
        route = (_q, res) => (typeof body === 'string' ? (res.writeHead(status), res.end(body)) : json(res, status, body));
        await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', `${status} ${JSON.stringify(body)}`);
      }
    });

    it('429 → provider_rate_limited with Retry-After', async () => {
      const body = { object: 'error', message: 'Slow down! Too many requests. Try again in 1m.', validationErrors: null };
      route = (_q, res) => json(res, 429, body, { 'retry-after': '30' });
      let e = await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_rate_limited');
      assert.equal(e.extra.retryAfterSeconds, 30);
      const at = new Date(Date.now() + 120_000).toUTCString();
      route = (_q, res) => json(res, 429, body, { 'retry-after': at });
      e = await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_rate_limited');
      assert.ok(e.extra.retryAfterSeconds! >= 118 && e.extra.retryAfterSeconds! <= 121, String(e.extra.retryAfterSeconds));
      route = (_q, res) => json(res, 429, body);
      e = await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_rate_limited');
      assert.equal(e.extra.retryAfterSeconds, 60);
      assert.equal(parseRetryAfter('soon'), 60);
      assert.equal(parseRetryAfter('0'), 1);
    });

    it('5xx → provider_error', async () => {
      for (const status of [500, 502, 503]) {
        route = (_q, res) => (res.writeHead(status), res.end(status === 500 ? '' : MARKER));
        await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', `${status}`);
      }
    });

    it('3xx → provider_error and the redirect target is never contacted', async () => {
      const target = await startServer((_q, res) => json(res, 200, { access_token: 'x', expires_in: 3600, token_type: 'Bearer' }), { tls: true });
      try {
        for (const status of [301, 302, 303, 307, 308]) {
          route = (_q, res) => (res.writeHead(status, { location: `${target.url}/identity/connect/token` }), res.end());
          await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', `${status}`);
        }
        assert.equal(target.connections(), 0);
      } finally {
        await target.close();
      }
    });

    it('invalid token responses → provider_error', async () => {
      const bodies: unknown[] = [
        `<html>${MARKER}</html>`,
        '',
        [],
        { expires_in: 3600, token_type: 'Bearer' },
        { access_token: '', expires_in: 3600, token_type: 'Bearer' },
        { access_token: 5, expires_in: 3600, token_type: 'Bearer' },
        { access_token: TOKEN, token_type: 'Bearer' },
        { access_token: TOKEN, expires_in: 0, token_type: 'Bearer' },
        { access_token: TOKEN, expires_in: -5, token_type: 'Bearer' },
        { access_token: TOKEN, expires_in: '3600', token_type: 'Bearer' },
        { access_token: TOKEN, expires_in: 3600 },
        { access_token: TOKEN, expires_in: 3600, token_type: 'mac' },
      ];
      for (const b of bodies) {
        route = (_q, res) => (typeof b === 'string' ? (res.writeHead(200, { 'content-type': 'text/html' }), res.end(b)) : json(res, 200, b));
        await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', JSON.stringify(b));
      }
      route = (_q, res) => (res.writeHead(204), res.end());
      await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', '204');
    });

    it('oversized body (declared or streamed) → provider_error', async () => {
      const big = 'x'.repeat((1 << 20) + 10);
      route = (_q, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(`{"access_token":"${big}"}`));
      await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', 'content-length');
      route = (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no content-length
        for (let i = 0; i < 20; i++) res.write('y'.repeat(64 * 1024));
        res.end();
      };
      await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', 'chunked');
    });

    it('a server that never answers → provider_timeout', async () => {
      const fast = new BitwardenClient({ policy, requestTimeoutMs: 300 });
      try {
        route = () => undefined; // hang before headers
        await expectError(fast.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_timeout', 'headers');
        route = (_q, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"access_token":'); // then stall the body
        };
        await expectError(fast.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_timeout', 'body');
      } finally {
        await fast.close();
      }
    });

    it('connection refused → provider_unreachable', async () => {
      const s = await startServer(() => undefined);
      const port = s.port;
      await s.close();
      await expectError(client.exchangeToken({ identityBaseUrl: `https://127.0.0.1:${port}/identity`, ...creds }), 'provider_unreachable');
    });

    it('TLS failures → provider_unreachable', async () => {
      route = (_q, res) => json(res, 200, { access_token: 'x', expires_in: 3600, token_type: 'Bearer' });
      // certificate does not cover the name
      await expectError(client.exchangeToken({ identityBaseUrl: `https://wrong.invalid:${tls.port}/identity`, ...creds }), 'provider_unreachable', 'altname');
      // https to a plain HTTP server
      await expectError(client.exchangeToken({ identityBaseUrl: `https://127.0.0.1:${plain.port}/identity`, ...creds }), 'provider_unreachable', 'not tls');
    });

    it('unknown host → provider_unreachable', async () => {
      await expectError(client.exchangeToken({ identityBaseUrl: 'https://no-such-host.test/identity', ...creds }), 'provider_unreachable');
    });

    it('a JWT for another organization → provider_error', async () => {
      for (const claims of [
        { client_id: `organization.${OTHER_ORG}`, client_sub: OTHER_ORG },
        { client_sub: OTHER_ORG },
        { client_id: `organization.${OTHER_ORG}` },
        { client_id: `organization.${ORG}`, client_sub: OTHER_ORG },
      ]) {
        const jwt = goodToken(claims);
        route = (_q, res) => json(res, 200, { access_token: jwt, expires_in: 3600, token_type: 'Bearer' });
        await expectError(client.exchangeToken({ identityBaseUrl: identity, ...creds }), 'provider_error', JSON.stringify(claims));
      }
      // same org in upper case, and Vaultwarden-style claims, are fine
      const vw = goodToken({ client_id: `organization.${ORG.toUpperCase()}`, client_sub: ORG.toUpperCase(), iss: 'https://vw|api.organization', sub: OTHER_ORG });
      route = (_q, res) => json(res, 200, { access_token: vw, expires_in: 3600, token_type: 'Bearer' });
      assert.equal((await client.exchangeToken({ identityBaseUrl: identity, ...creds })).accessToken, vw);
    });

    it('rejects URLs the policy refuses before sending anything', async () => {
      const n = tls.connections();
      await expectError(client.exchangeToken({ identityBaseUrl: `http://127.0.0.2:${tls.port}/identity`, ...creds }), 'unsupported_url');
      await expectError(client.exchangeToken({ identityBaseUrl: `https://127.0.0.2:${tls.port}/identity`, ...creds }), 'url_not_allowed');
      assert.equal(tls.connections(), n);
    });
  });

  describe('probeApi', () => {
    it('official server: 200 list → bitwarden, with the bearer token', async () => {
      route = (_q, res) => json(res, 200, { object: 'list', data: [] });
      const before = tls.requests.length;
      assert.deepEqual(await client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), { flavor: 'bitwarden' });
      const req = tls.requests[before];
      assert.equal(req.method, 'GET');
      assert.equal(req.url, '/api/public/policies');
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    });

    it('404 + Vaultwarden config → vaultwarden (config fetched without the token)', async () => {
      route = (req, res) => {
        if (req.url === '/api/config') return json(res, 200, { object: 'config', server: { name: 'Vaultwarden', url: 'https://github.com/dani-garcia/vaultwarden' } });
        json(res, 404, { error: { code: 404, reason: 'Not Found', description: 'The requested resource could not be found.' } });
      };
      const before = tls.requests.length;
      assert.deepEqual(await client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), { flavor: 'vaultwarden' });
      const cfg = tls.requests.slice(before).find((r) => r.url === '/api/config');
      assert.ok(cfg);
      assert.equal(cfg.headers.authorization, undefined);
    });

    it('404 + official config or no config → provider_error', async () => {
      route = (req, res) => (req.url === '/api/config' ? json(res, 200, { object: 'config', server: null }) : (res.writeHead(404), res.end()));
      await expectError(client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_error');
      route = (_q, res) => (res.writeHead(404), res.end(MARKER));
      await expectError(client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_error');
    });

    it('401/403 → provider_error saying the API did not accept the identity token', async () => {
      for (const status of [401, 403]) {
        route = (_q, res) => (res.writeHead(status, { 'www-authenticate': 'Bearer error="invalid_token"' }), res.end());
        const e = await expectError(client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_error', `${status}`);
        assert.match(e.message, /API URL did not accept the token/);
      }
    });

    it('other answers: 200 non-list, 429, 500, redirect, timeout', async () => {
      route = (_q, res) => json(res, 200, { object: 'error', message: MARKER });
      await expectError(client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_error', 'non-list');
      route = (_q, res) => json(res, 429, {}, { 'retry-after': '5' });
      const e = await expectError(client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_rate_limited', '429');
      assert.equal(e.extra.retryAfterSeconds, 5);
      route = (_q, res) => (res.writeHead(500), res.end(MARKER));
      await expectError(client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_error', '500');
      route = (_q, res) => (res.writeHead(302, { location: 'https://127.0.0.1:1/x' }), res.end());
      await expectError(client.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_error', '302');
      const fast = new BitwardenClient({ policy, requestTimeoutMs: 300 });
      try {
        route = () => undefined;
        await expectError(fast.probeApi({ apiBaseUrl: api, accessToken: TOKEN }), 'provider_timeout', 'timeout');
      } finally {
        await fast.close();
      }
    });
  });
});
