// The HTTP edge for query strings: list cursors are decoded strictly, numbers are plain decimal integers, and
// control characters are refused, all as 400 validation_failed naming the parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';
import { assertError, newOwner } from './e2e-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const list = (query: string) => api.call('GET', `/v1/accounts?${query}`);

test('a cursor this service issued pages on; forged ones are 400 naming cursor, never a 500', async () => {
  const ownerId = newOwner('cursor');
  for (let i = 0; i < 3; i++) {
    const org = sim.createOrg({ realm: 'us' });
    const res = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const first = await list(`ownerId=${ownerId}&limit=2`);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const issued: string = first.body.nextCursor;
  const second = await list(`ownerId=${ownerId}&limit=2&cursor=${encodeURIComponent(issued)}`);
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.data.length, 1);

  const [at, id] = Buffer.from(issued, 'base64url').toString('utf8').split('|');
  const forged = [
    b64(`${at}|${'-'.repeat(36)}`), // the adversarial one: 36 dashes pass a [0-9a-f-]{36} test
    b64(`-100000-01-01T00:00:00.000Z|${id}`), // a year Postgres cannot store
    b64(`+275760-09-13T00:00:00.000Z|${id}`),
    b64(`0000-01-01T00:00:00.000Z|${id}`),
    b64(`9999-12-31T23:59:59.999Z|${id}`.replace('9999', '10000')),
    b64(`${at}|${id.toUpperCase().replace(/-/g, '')}`),
    b64(`${at}|${id}|extra`),
    b64(`${at}|${id}\u0000`),
    b64(`${at}|${id.slice(0, 35)}g`),
    b64(`${at}|00000000-0000-0000-0000-00000000000`),
    b64(`2024-02-30T00:00:00.000Z|${id}`), // rolls over to March in JavaScript
    b64(`2024-01-01|${id}`),
    b64(`2024-01-01T00:00:00Z|${id}`),
    b64(`Tue Jan 02 2024|${id}`),
    b64(`0|${id}`),
    b64(`|${id}`),
    b64(`${at}|`),
    b64(`${at}`),
    b64(''),
    `${issued}=`,
    `${issued}!`,
    `${issued.slice(0, -1)}*`,
    issued.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A')) + '@@',
    '%00',
    'x'.repeat(201),
    '',
  ];
  for (const cursor of forged) {
    const res = await list(`cursor=${encodeURIComponent(cursor)}`);
    if (cursor === '') {
      assert.ok(res.status === 200 || res.status === 400, `an empty cursor is either absent or invalid: ${res.status}`);
      continue;
    }
    assertError(res, 400, 'validation_failed', ['cursor']);
  }
});

test('limit takes plain decimal integers only', async () => {
  for (const v of ['1e2', '0x10', ' 10', '10 ', '+10', '1.0', '1.5', '-0x1', '0b11', '0o7', 'Infinity', 'NaN', '10abc', '١٠', '', '1_0', '%2010']) {
    const res = await list(`limit=${v.startsWith('%') ? v : encodeURIComponent(v)}`);
    assertError(res, 400, 'validation_failed', ['limit']);
  }
  for (const v of ['0', '201', '-1', '99999999999999999999']) {
    const res = await list(`limit=${v}`);
    assertError(res, 400, 'validation_failed', ['limit']);
  }
  const twice = await list('limit=1&limit=2');
  assertError(twice, 400, 'validation_failed', ['limit']);
  for (const v of ['1', '50', '200', '007']) {
    const res = await list(`limit=${v}`);
    assert.equal(res.status, 200, `limit=${v}: ${JSON.stringify(res.body)}`);
  }
});

test('control characters in any query parameter are refused, all named at once', async () => {
  for (const c of ['\u0000', '\u0001', '\t', '\n', '\u001f', '\u007f', '\u0085', '\u009f']) {
    const e = encodeURIComponent(c);
    const res = await list(`ownerId=a${e}&status=active${e}&region=${e}us&cursor=${e}&limit=1${e}`);
    assertError(res, 400, 'validation_failed', ['ownerId', 'status', 'region', 'cursor', 'limit']);
    assert.match(res.body.error.fields.ownerId, /control/i);
  }
  const unknown = await list(`nope=${encodeURIComponent('\u0000')}`);
  assertError(unknown, 400, 'validation_failed', ['nope']);
  const surrogate = await list('ownerId=%ED%A0%80'); // U+D800 as (invalid) UTF-8
  assert.equal(surrogate.status, 400, JSON.stringify(surrogate.body));
});
