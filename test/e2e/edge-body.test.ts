// The HTTP edge for request bodies: JSON nesting depth, media types, control characters and unpaired surrogates in
// every string field, lengths as Postgres counts them, and JSON integers. Each refusal is decided before any
// token exchange, so the simulator's counters must not move.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';
import { SERVICE_KEY } from '../support/env';
import { assertError, assertNothingStored, newOwner, Res } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;
let accountId: string;

useStack((s) => ({ sim, api } = s));

/** A linked account for the routes that take an id; made once, lazily. */
async function account(): Promise<string> {
  if (accountId) return accountId;
  const org = sim.createOrg({ realm: 'us' });
  const res = await api.call('POST', '/v1/accounts', { ownerId: newOwner('edge'), ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (accountId = res.body.id);
}

/** Every JSON route of the API with a body that passes its validation (ids filled in). */
async function jsonRoutes(): Promise<Array<{ method: string; path: string }>> {
  const id = await account();
  return [
    { method: 'POST', path: '/v1/accounts' },
    { method: 'PUT', path: `/v1/accounts/${id}/credentials` },
    { method: 'POST', path: `/v1/accounts/${id}/token` },
    { method: 'POST', path: `/v1/accounts/${id}/verify` },
    { method: 'POST', path: `/v1/accounts/${id}/report-unauthorized` },
    { method: 'POST', path: '/v1/connect-sessions' },
  ];
}

/** A request the way a client would send it, with full control over body bytes and content type. */
async function send(method: string, path: string, body: string | Uint8Array | undefined, contentType?: string): Promise<Res> {
  const headers: Record<string, string> = { authorization: `Bearer ${SERVICE_KEY}` };
  if (contentType !== undefined) headers['content-type'] = contentType;
  const r = await fetch(api.url + path, { method, headers, body });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text: assertError will say what came back */
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

/** Runs `fn` and asserts that no token request reached the simulator meanwhile. */
async function noExchange<T>(fn: () => Promise<T>, what: string): Promise<T> {
  const before = sim.counters().tokenRequests;
  const out = await fn();
  assert.equal(sim.counters().tokenRequests, before, `an exchange happened for ${what}`);
  return out;
}

const nestedArray = (depth: number, inner = '0') => '['.repeat(depth) + inner + ']'.repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);

describe('JSON nested deeper than 32 levels → 400 validation_failed on every JSON route', () => {
  test('the adversarial 1,327-deep array, and 33 levels of arrays, objects or both', async () => {
    const bodies = [
      nestedArray(1327),
      nestedArray(33),
      nestedObject(33),
      '{"label":' + nestedArray(32) + '}',
      '[' + nestedObject(32) + ']',
      '{"label":"x\\\\","z":' + nestedArray(40) + '}', // a string ending in an escaped backslash must not hide what follows
      '{"label":"\\"","z":' + nestedArray(40) + '}', // nor one holding an escaped quote
      '{"a":[],"b":' + nestedArray(33) + '}',
    ];
    for (const { method, path } of await jsonRoutes()) {
      for (const body of bodies) {
        const res = await noExchange(() => send(method, path, body, 'application/json'), `${method} ${path}`);
        assertError(res, 400, 'validation_failed');
        assert.match(res.body.error.message, /nest/i, `${method} ${path} ${body.slice(0, 40)}: ${res.body.error.message}`);
        assert.ok(res.headers.get('x-request-id'), 'the error carries X-Request-Id');
      }
    }
  });

  test('32 levels are read as JSON and validated as usual; brackets inside strings do not count', async () => {
    // label is one level below the top object, so 31 more arrays make exactly 32.
    const deep32 = '{"ownerId":"edge-depth","label":' + nestedArray(31) + '}';
    const res = await send('POST', '/v1/connect-sessions', deep32, 'application/json');
    assertError(res, 400, 'validation_failed', ['label']);
    const brackets = await send('POST', '/v1/connect-sessions', JSON.stringify({ ownerId: 'edge-depth', label: '[{'.repeat(90) + '\\"[' }), 'application/json');
    assert.equal(brackets.status, 201, JSON.stringify(brackets.body));
  });
});

describe('bodies that are not application/json → 415 unsupported_media_type', () => {
  const refused: Array<[string, string | undefined, string | Uint8Array]> = [
    ['text/plain', 'text/plain', '{}'],
    ['form-urlencoded', 'application/x-www-form-urlencoded', 'ownerId=x&clientSecret=y'],
    ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
    ['xml', 'application/xml', '<a/>'],
    ['no content type', undefined, new TextEncoder().encode('{"ownerId":"x"}')],
    ['json in another charset', 'application/json; charset=utf-16', '{}'],
    ['json in latin1', 'application/json; charset=iso-8859-1', '{}'],
    ['a json suffix type', 'application/merge-patch+json', '{}'],
    ['a look-alike type', 'application/jsonx', '{}'],
    ['text/json', 'text/json', '{}'],
    ['garbage', ';;;', '{}'],
  ];
  test('on every JSON route, before authentication matters and before any exchange', async () => {
    for (const { method, path } of await jsonRoutes()) {
      for (const [what, type, body] of refused) {
        const res = await noExchange(() => send(method, path, body, type), `${what} on ${path}`);
        assertError(res, 415, 'unsupported_media_type');
        assert.ok(res.headers.get('x-request-id'), `${what}: X-Request-Id`);
      }
    }
  });

  test('application/json with or without a utf-8 charset, in any case, is read', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json ; charset="utf-8"']) {
      const res = await send('POST', '/v1/connect-sessions', JSON.stringify({ ownerId: 'edge-media' }), type);
      assert.equal(res.status, 201, `${type}: ${JSON.stringify(res.body)}`);
    }
  });

  test('a POST without a body keeps working where the route takes none, whatever the content type says', async () => {
    const id = await account();
    for (const type of [undefined, 'application/json', 'text/plain']) {
      const verify = await send('POST', `/v1/accounts/${id}/verify`, undefined, type);
      assert.equal(verify.status, 200, `verify with ${type}: ${JSON.stringify(verify.body)}`);
      const token = await send('POST', `/v1/accounts/${id}/token`, undefined, type);
      assert.equal(token.status, 200, `token with ${type}: ${JSON.stringify(token.body)}`);
    }
  });
});

/** Every string field of every DTO, with a value that passes its own rules. */
const STRING_FIELDS: Array<{ route: 'link' | 'relink' | 'session'; field: string; good: string }> = [
  { route: 'link', field: 'ownerId', good: 'edge-owner' },
  { route: 'link', field: 'apiBaseUrl', good: US.apiBaseUrl },
  { route: 'link', field: 'identityBaseUrl', good: US.identityBaseUrl },
  { route: 'link', field: 'clientId', good: 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6' },
  { route: 'link', field: 'clientSecret', good: 'aBcDeFgHiJkLmNoPqRsTuVwXyZ0123' },
  { route: 'link', field: 'label', good: 'Main vault' },
  { route: 'relink', field: 'clientSecret', good: 'aBcDeFgHiJkLmNoPqRsTuVwXyZ0123' },
  { route: 'relink', field: 'clientId', good: 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6' },
  { route: 'relink', field: 'apiBaseUrl', good: US.apiBaseUrl },
  { route: 'relink', field: 'identityBaseUrl', good: US.identityBaseUrl },
  { route: 'session', field: 'ownerId', good: 'edge-owner' },
  { route: 'session', field: 'label', good: 'Main vault' },
  { route: 'session', field: 'accountId', good: '3fa85f64-5717-4562-b3fc-2c963f66afa6' },
];
const CONTROL = ['\u0000', '\u0001', '\u0008', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'];

async function pathOf(route: 'link' | 'relink' | 'session'): Promise<{ method: string; path: string }> {
  if (route === 'link') return { method: 'POST', path: '/v1/accounts' };
  if (route === 'session') return { method: 'POST', path: '/v1/connect-sessions' };
  return { method: 'PUT', path: `/v1/accounts/${await account()}/credentials` };
}

describe('control characters and unpaired surrogates in any string field → 400 naming each field', () => {
  test('a NUL in the label of an otherwise valid link is refused before the exchange, nothing stored', async () => {
    const org = sim.createOrg({ realm: 'us' });
    const ownerId = newOwner('nul');
    const res = await noExchange(
      () => api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: 'Main\u0000vault' }),
      'a NUL label',
    );
    assertError(res, 400, 'validation_failed', ['label']);
    await assertNothingStored(api, ownerId);
  });

  test('every control character in every string field of every DTO', async () => {
    for (const { route, field, good } of STRING_FIELDS) {
      const { method, path } = await pathOf(route);
      for (const c of CONTROL) {
        for (const value of [c, `${good}${c}`, `${c}${good}`, `${good.slice(0, 3)}${c}${good.slice(3)}`]) {
          const res = await noExchange(() => api.call(method, path, { [field]: value }), `${field} with U+${c.charCodeAt(0).toString(16)}`);
          assertError(res, 400, 'validation_failed', [field]);
          assert.match(res.body.error.fields[field], /control/i, `${route}.${field}: ${res.body.error.fields[field]}`);
        }
      }
    }
  });

  test('unpaired surrogates are refused (Postgres would silently store U+FFFD instead)', async () => {
    for (const { route, field } of STRING_FIELDS) {
      const { method, path } = await pathOf(route);
      for (const raw of ['\\ud800', 'a\\udbffb', '\\udc00', 'x\\ude00\\ud83d']) {
        const res = await noExchange(() => send(method, path, `{"${field}":"${raw}"}`, 'application/json'), `${field} ${raw}`);
        assertError(res, 400, 'validation_failed', [field]);
      }
    }
  });

  test('all bad fields are named in one answer', async () => {
    const res = await noExchange(
      () => api.call('POST', '/v1/accounts', { ownerId: 'o\u0000', ...US, apiBaseUrl: `${US.apiBaseUrl}\u0085`, clientId: 'organization.\u0007', clientSecret: 's\u007f', label: '\u001f' }),
      'five bad fields',
    );
    assertError(res, 400, 'validation_failed', ['ownerId', 'apiBaseUrl', 'clientId', 'clientSecret', 'label']);
    const mixed = await api.call('POST', '/v1/connect-sessions', { ownerId: 'o\n', label: 'x'.repeat(201), expiresInSeconds: 'soon' });
    assertError(mixed, 400, 'validation_failed', ['ownerId', 'label', 'expiresInSeconds']);
  });

  test('unknown fields with control characters are still refused, and do not hide known ones', async () => {
    const res = await api.call('POST', '/v1/connect-sessions', { ownerId: 'edge-owner', extra: '\u0000', label: '\u0000' });
    assertError(res, 400, 'validation_failed', ['extra', 'label']);
  });

  test('format characters (zero-width joiner, emoji, bidi marks) and paired surrogates stay allowed and round-trip', async () => {
    const org = sim.createOrg({ realm: 'us' });
    const label = 'Family 👨\u200d👩\u200d👧 vault \u200e\u00e9\u00a0ok';
    const res = await api.call('POST', '/v1/accounts', { ownerId: newOwner('zwj'), ...US, clientId: org.clientId, clientSecret: org.clientSecret, label });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.label, label);
    const read = await api.call('GET', `/v1/accounts/${res.body.id}`);
    assert.equal(read.body.label, label);
  });

  test('lengths count characters the way Postgres does: variation selectors and astral characters are not free', async () => {
    for (const label of ['a'.repeat(150) + '\ufe0f'.repeat(60), 'a'.repeat(150) + '\ufe0e'.repeat(51), '😀'.repeat(201)]) {
      const org = sim.createOrg({ realm: 'us' });
      const ownerId = newOwner('long');
      const link = await noExchange(() => api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret, label }), 'an over-long label');
      assertError(link, 400, 'validation_failed', ['label']);
      await assertNothingStored(api, ownerId);
      const session = await api.call('POST', '/v1/connect-sessions', { ownerId, label });
      assertError(session, 400, 'validation_failed', ['label']);
    }
    const org = sim.createOrg({ realm: 'us' });
    const exact = '😀'.repeat(200);
    const ok = await api.call('POST', '/v1/accounts', { ownerId: newOwner('long'), ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: exact });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.label, exact);
  });
});

describe('numeric body fields must be JSON integers', () => {
  test('strings, fractions, booleans and arrays are refused naming the field', async () => {
    const id = await account();
    for (const v of ['300', '1e2', '0x10', ' 10', '+10', '1.0', '', true, [300], 1.5, { n: 1 }]) {
      const token = await noExchange(() => api.call('POST', `/v1/accounts/${id}/token`, { minValiditySeconds: v }), `minValiditySeconds ${JSON.stringify(v)}`);
      assertError(token, 400, 'validation_failed', ['minValiditySeconds']);
      const session = await api.call('POST', '/v1/connect-sessions', { ownerId: 'edge-owner', expiresInSeconds: v });
      assertError(session, 400, 'validation_failed', ['expiresInSeconds']);
    }
    const ok = await api.call('POST', `/v1/accounts/${id}/token`, { minValiditySeconds: 60 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const session = await api.call('POST', '/v1/connect-sessions', { ownerId: 'edge-owner', expiresInSeconds: 600 });
    assert.equal(session.status, 201, JSON.stringify(session.body));
  });
});
