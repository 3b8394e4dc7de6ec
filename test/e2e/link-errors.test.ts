// Every error code of POST /v1/accounts (docs/API.md, "Errors"), with its status and envelope, and nothing stored after any of them.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SimulatorHandle, SimOrg } from '@app/simulator';
import { Api, EU, SELF, US, useStack } from '../support/stack';
import { SERVICE_KEY } from '../support/env';
import { assertError, assertNothingStored, closedPort, connectTo, countingListener, newOwner, Res } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;
let listener: Awaited<ReturnType<typeof countingListener>>;
let usOrg: SimOrg;

let dead: number;
useStack(
  {
    prepare: async () => {
      listener = await countingListener();
      dead = await closedPort();
    },
    teardown: () => listener.close(),
    env: (simPort) => ({
      OUTBOUND_TIMEOUT_MS: '1500',
      OUTBOUND_CONNECT_TO: connectTo(simPort, [`dead.selfhosted.test:443:127.0.0.1:${dead}`, `redirect-target.selfhosted.test:443:127.0.0.1:${listener.port}`]),
    }),
  },
  (s) => {
    ({ sim, api } = s);
    usOrg = sim.createOrg({ realm: 'us' });
  },
);
afterEach(() => sim.clearFaults());

const form = (org: Pick<SimOrg, 'clientId' | 'clientSecret'>, urls = US) => ({ ...urls, clientId: org.clientId, clientSecret: org.clientSecret });

/** POSTs a link for a fresh owner, asserts the error, then asserts nothing was stored for that owner. */
async function failLink(body: Record<string, unknown>, status: number, code: string, fields?: string[]): Promise<Res> {
  const ownerId = newOwner(code);
  const res = await api.call('POST', '/v1/accounts', { ownerId, ...body });
  assertError(res, status, code, fields);
  await assertNothingStored(api, ownerId);
  return res;
}

describe('validation_failed (400)', () => {
  test('malformed JSON', async () => {
    const res = await api.call('POST', '/v1/accounts', '{"ownerId": "x", "clientId": ');
    assertError(res, 400, 'validation_failed');
  });

  test('missing fields are each named', async () => {
    const ownerId = newOwner('missing');
    const res = await api.call('POST', '/v1/accounts', { ownerId });
    assertError(res, 400, 'validation_failed', ['apiBaseUrl', 'identityBaseUrl', 'clientId', 'clientSecret']);
    await assertNothingStored(api, ownerId);
  });

  test('missing ownerId with a service key is named', async () => {
    const res = await api.call('POST', '/v1/accounts', form(usOrg));
    assertError(res, 400, 'validation_failed', ['ownerId']);
  });

  test('unknown field is named', async () => {
    await failLink({ ...form(usOrg), region: 'us' }, 400, 'validation_failed', ['region']);
  });

  test('wrong types are named', async () => {
    await failLink({ apiBaseUrl: 42, identityBaseUrl: ['x'], clientId: { a: 1 }, clientSecret: true, label: 5 }, 400, 'validation_failed', [
      'apiBaseUrl',
      'identityBaseUrl',
      'clientId',
      'clientSecret',
      'label',
    ]);
    const res = await api.call('POST', '/v1/accounts', { ...form(usOrg), ownerId: 123 });
    assertError(res, 400, 'validation_failed', ['ownerId']);
  });

  test('over-long values are named', async () => {
    await failLink(
      { apiBaseUrl: 'https://bw.selfhosted.test/' + 'a'.repeat(2100) + '/api', identityBaseUrl: US.identityBaseUrl, clientId: 'organization.' + 'a'.repeat(200), clientSecret: usOrg.clientSecret, label: 'l'.repeat(201) },
      400,
      'validation_failed',
      ['apiBaseUrl', 'clientId', 'label'],
    );
    await failLink({ ...form(usOrg), clientSecret: 's'.repeat(101) }, 400, 'validation_failed', ['clientSecret']);
    const res = await api.call('POST', '/v1/accounts', { ...form(usOrg), ownerId: 'o'.repeat(129) });
    assertError(res, 400, 'validation_failed', ['ownerId']);
    await assertNothingStored(api, 'o'.repeat(128));
  });

  test('invalid ownerId characters', async () => {
    const res = await api.call('POST', '/v1/accounts', { ...form(usOrg), ownerId: 'a b/c' });
    assertError(res, 400, 'validation_failed', ['ownerId']);
  });
});

describe('unauthorized (401) and payload_too_large (413)', () => {
  test('missing or unknown key', async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-a-key-0123456789abcdef0123456789' }, { authorization: `Basic ${SERVICE_KEY}` }];
    for (const headers of variants) {
      const r = await fetch(api.url + '/v1/accounts', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ ownerId: 'nobody', ...form(usOrg) }),
      });
      assertError({ status: r.status, body: await r.json(), headers: r.headers }, 401, 'unauthorized');
    }
    assert.equal(sim.counters().tokenRequests, 0);
    await assertNothingStored(api, 'nobody');
  });

  test('body over 16 KiB', async () => {
    const ownerId = newOwner('big');
    const res = await api.call('POST', '/v1/accounts', { ownerId, ...form(usOrg), label: 'x'.repeat(17 * 1024) });
    assertError(res, 413, 'payload_too_large');
    await assertNothingStored(api, ownerId);
  });
});

describe('unsupported_url (422)', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['http without allowlist', { apiBaseUrl: 'http://bw.selfhosted.test/api', identityBaseUrl: 'http://bw.selfhosted.test/identity' }, 'apiBaseUrl'],
    ['http identity only', { apiBaseUrl: 'https://bw.selfhosted.test/api', identityBaseUrl: 'http://bw.selfhosted.test/identity' }, 'identityBaseUrl'],
    ['userinfo', { apiBaseUrl: 'https://user:pw@bw.selfhosted.test/api', identityBaseUrl: SELF.identityBaseUrl }, 'apiBaseUrl'],
    ['userinfo without password', { apiBaseUrl: SELF.apiBaseUrl, identityBaseUrl: 'https://admin@bw.selfhosted.test/identity' }, 'identityBaseUrl'],
    ['query', { apiBaseUrl: 'https://bw.selfhosted.test/api?x=1', identityBaseUrl: SELF.identityBaseUrl }, 'apiBaseUrl'],
    ['empty query', { apiBaseUrl: SELF.apiBaseUrl, identityBaseUrl: 'https://bw.selfhosted.test/identity?' }, 'identityBaseUrl'],
    ['fragment', { apiBaseUrl: 'https://bw.selfhosted.test/api#frag', identityBaseUrl: SELF.identityBaseUrl }, 'apiBaseUrl'],
    ['not absolute (no scheme)', { apiBaseUrl: 'bw.selfhosted.test/api', identityBaseUrl: SELF.identityBaseUrl }, 'apiBaseUrl'],
    ['not absolute (path only)', { apiBaseUrl: SELF.apiBaseUrl, identityBaseUrl: '/identity' }, 'identityBaseUrl'],
    ['other scheme', { apiBaseUrl: 'ftp://bw.selfhosted.test/api', identityBaseUrl: SELF.identityBaseUrl }, 'apiBaseUrl'],
  ];
  for (const [name, urls, field] of cases) {
    test(name, async () => {
      const org = sim.createOrg({ realm: 'bw.selfhosted.test' });
      await failLink({ ...urls, clientId: org.clientId, clientSecret: org.clientSecret }, 422, 'unsupported_url', [field]);
    });
  }
});

describe('region_mismatch (422)', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['US api + EU identity', { apiBaseUrl: US.apiBaseUrl, identityBaseUrl: EU.identityBaseUrl }],
    ['EU api + US identity', { apiBaseUrl: EU.apiBaseUrl, identityBaseUrl: US.identityBaseUrl }],
    ['US api + self-hosted identity', { apiBaseUrl: US.apiBaseUrl, identityBaseUrl: SELF.identityBaseUrl }],
    ['self-hosted api + US identity', { apiBaseUrl: SELF.apiBaseUrl, identityBaseUrl: US.identityBaseUrl }],
    ['look-alike hosts', { apiBaseUrl: 'https://api.bitwarden.com.evil.test', identityBaseUrl: 'https://identity.bitwarden.com.evil.test' }],
    ['US api + look-alike identity', { apiBaseUrl: US.apiBaseUrl, identityBaseUrl: 'https://identity.bitwarden.com.evil.test' }],
    ['cloud host on another port', { apiBaseUrl: 'https://api.bitwarden.com:8443', identityBaseUrl: US.identityBaseUrl }],
    ['cloud host with a path', { apiBaseUrl: 'https://api.bitwarden.com/api', identityBaseUrl: 'https://identity.bitwarden.com/identity' }],
    ['swapped cloud hosts', { apiBaseUrl: US.identityBaseUrl, identityBaseUrl: US.apiBaseUrl }],
    ['different self-hosted origins', { apiBaseUrl: 'https://bw.selfhosted.test/api', identityBaseUrl: 'https://other.selfhosted.test/identity' }],
    ['self-hosted on another port', { apiBaseUrl: 'https://bw.selfhosted.test:8443/api', identityBaseUrl: 'https://bw.selfhosted.test/identity' }],
    ['swapped /api and /identity', { apiBaseUrl: 'https://bw.selfhosted.test/identity', identityBaseUrl: 'https://bw.selfhosted.test/api' }],
    ['different prefixes', { apiBaseUrl: 'https://bw.selfhosted.test/a/api', identityBaseUrl: 'https://bw.selfhosted.test/b/identity' }],
    ['no /api suffix', { apiBaseUrl: 'https://bw.selfhosted.test', identityBaseUrl: 'https://bw.selfhosted.test/identity' }],
  ];
  for (const [name, urls] of cases) {
    test(name, async () => {
      const before = sim.counters().tokenRequests;
      await failLink({ ...urls, clientId: usOrg.clientId, clientSecret: usOrg.clientSecret }, 422, 'region_mismatch');
      assert.equal(sim.counters().tokenRequests, before, 'no token request for a mismatched pair');
    });
  }
});

describe('url_not_allowed (422)', () => {
  const hosts = ['127.0.0.1', '[::1]', '169.254.169.254', '10.1.2.3', '[::ffff:127.0.0.1]', 'localhost'];
  for (const host of hosts) {
    test(`https://${host}/api + /identity`, async () => {
      const before = sim.counters().tokenRequests;
      await failLink({ apiBaseUrl: `https://${host}/api`, identityBaseUrl: `https://${host}/identity/`, clientId: usOrg.clientId, clientSecret: usOrg.clientSecret }, 422, 'url_not_allowed');
      assert.equal(sim.counters().tokenRequests, before);
    });
  }
});

describe('client id (422)', () => {
  test('personal API key', async () => {
    await failLink({ ...US, clientId: `user.${randomUUID()}`, clientSecret: 'abc' }, 422, 'personal_api_key', ['clientId']);
  });
  for (const clientId of ['organization.not-a-uuid', 'organization.', `installation.${randomUUID()}`, randomUUID(), `Organization.${randomUUID()}`]) {
    test(`invalid client id ${clientId}`, async () => {
      await failLink({ ...US, clientId, clientSecret: 'abc' }, 422, 'invalid_client_id', ['clientId']);
    });
  }
});

describe('credentials_rejected (422)', () => {
  test('wrong secret', async () => {
    const res = await failLink({ ...US, clientId: usOrg.clientId, clientSecret: 'wrong-secret-wrong-secret-1234' }, 422, 'credentials_rejected');
    assert.ok(!JSON.stringify(res.body).includes('wrong-secret-wrong-secret-1234'));
  });
  test('unknown organization', async () => {
    await failLink({ ...US, clientId: `organization.${randomUUID()}`, clientSecret: usOrg.clientSecret }, 422, 'credentials_rejected');
  });
  test('disabled organization', async () => {
    const org = sim.createOrg({ realm: 'us' });
    sim.setEnabled(org.id, false);
    await failLink(form(org), 422, 'credentials_rejected');
  });
  test('plan without API access (useApi=false)', async () => {
    const org = sim.createOrg({ realm: 'us', useApi: false });
    await failLink(form(org), 422, 'credentials_rejected');
  });
  test('US organization against the EU pair', async () => {
    await failLink(form(usOrg, EU), 422, 'credentials_rejected');
    assert.equal(sim.counters().tokenLog.at(-1)?.host, 'identity.bitwarden.eu');
  });
});

describe('provider failures', () => {
  test('429 → 503 provider_rate_limited with Retry-After passed on', async () => {
    // A host no other test here uses: a 429 pauses that identity host's budget for Retry-After.
    const org = sim.createOrg({ realm: 'other.selfhosted.test' });
    sim.addFault({ kind: '429', target: 'token', realm: 'other.selfhosted.test', count: 1, retryAfterSeconds: 37 });
    const res = await failLink(
      { apiBaseUrl: 'https://other.selfhosted.test/api', identityBaseUrl: 'https://other.selfhosted.test/identity', clientId: org.clientId, clientSecret: org.clientSecret },
      503,
      'provider_rate_limited',
    );
    assert.equal(res.headers.get('retry-after'), '37');
  });

  for (const kind of ['5xx', 'non-json', 'oversized', 'bad-token-response'] as const) {
    test(`${kind} from the token endpoint → 502 provider_error`, async () => {
      sim.addFault({ kind, target: 'token', realm: 'us', count: 1 });
      await failLink(form(usOrg), 502, 'provider_error');
    });
  }

  test('5xx from the API probe → 502 provider_error', async () => {
    // The link asks /config beside the probe: both API calls get the fault, whichever arrives first.
    sim.addFault({ kind: '5xx', status: 503, target: 'api', realm: 'us', count: 2 });
    await failLink(form(usOrg), 502, 'provider_error');
  });

  for (const target of ['ip', 'mapped host'] as const) {
    test(`redirect (to ${target}) → 502 provider_error and the target is never contacted`, async () => {
      const location =
        target === 'ip' ? `https://127.0.0.1:${listener.port}/connect/token` : 'https://redirect-target.selfhosted.test/connect/token';
      sim.addFault({ kind: 'redirect', target: 'token', realm: 'us', count: 1, location });
      await failLink(form(usOrg), 502, 'provider_error');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(listener.connections(), 0);
    });
  }

  test('redirect from the API probe → 502 provider_error, target not contacted', async () => {
    sim.addFault({ kind: 'redirect', target: 'api', realm: 'us', count: 2, location: 'https://redirect-target.selfhosted.test/public/policies' });
    await failLink(form(usOrg), 502, 'provider_error');
    assert.equal(listener.connections(), 0);
  });

  test('hang → 504 provider_timeout', async () => {
    sim.addFault({ kind: 'hang', target: 'token', realm: 'us', count: 1 });
    const started = Date.now();
    await failLink(form(usOrg), 504, 'provider_timeout');
    assert.ok(Date.now() - started < 5000);
  });

  test('connection refused → 502 provider_unreachable', async () => {
    await failLink(
      { apiBaseUrl: 'https://dead.selfhosted.test/api', identityBaseUrl: 'https://dead.selfhosted.test/identity', clientId: usOrg.clientId, clientSecret: usOrg.clientSecret },
      502,
      'provider_unreachable',
    );
  });

  test('unresolvable host → 502 provider_unreachable', async () => {
    await failLink(
      { apiBaseUrl: 'https://no-such-host.invalid/api', identityBaseUrl: 'https://no-such-host.invalid/identity', clientId: usOrg.clientId, clientSecret: usOrg.clientSecret },
      502,
      'provider_unreachable',
    );
  });

  test('connection reset → 502', async () => {
    sim.addFault({ kind: 'reset', target: 'token', realm: 'us', count: 1 });
    const ownerId = newOwner('reset');
    const res = await api.call('POST', '/v1/accounts', { ownerId, ...form(usOrg) });
    assert.equal(res.status, 502, JSON.stringify(res.body));
    assert.ok(['provider_unreachable', 'provider_error'].includes(res.body.error.code));
    await assertNothingStored(api, ownerId);
  });

  test('after all of that the same credentials still link', async () => {
    const ownerId = newOwner('ok');
    const res = await api.call('POST', '/v1/accounts', { ownerId, ...form(usOrg) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
});
