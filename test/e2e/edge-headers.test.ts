// Request header blocks over 16 KiB: Node refuses them before any route runs, and the answer must still be the
// contract's error shape with an X-Request-Id, not Node's bare 431.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Api, useStack } from '../support/stack';
import { SERVICE_KEY } from '../support/env';

let api: Api;

useStack((s) => ({ api } = s));

/** Sends raw bytes and returns everything the server wrote before closing. */
function rawExchange(request: string): Promise<string> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let out = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => (out += d));
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', (e) => (out ? resolve(out) : reject(e)));
    sock.setTimeout(5000, () => sock.destroy(new Error('no answer')));
    sock.write(request);
  });
}

function parse(raw: string): { status: number; headers: Record<string, string>; body: any } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n')) };
}

const request = (headerBytes: number, extra = '') =>
  `GET /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SERVICE_KEY}\r\n${extra}X-Padding: ${'p'.repeat(headerBytes)}\r\n\r\n`;

test('a header block over 16 KiB → 431 headers_too_large in the error shape, with X-Request-Id', async () => {
  for (const [what, req] of [
    ['one huge header', request(17 * 1024)],
    ['many headers', `GET /v1/accounts HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}\r\n`).join('')}\r\n`],
    ['a huge cookie on a POST', `POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nCookie: ${'c'.repeat(20000)}\r\n\r\n{}`],
  ] as const) {
    const res = parse(await rawExchange(req));
    assert.equal(res.status, 431, what);
    assert.deepEqual(Object.keys(res.body), ['error'], what);
    assert.equal(res.body.error.code, 'headers_too_large', what);
    assert.equal(typeof res.body.error.message, 'string');
    assert.match(res.headers['content-type'], /^application\/json/, what);
    assert.match(res.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/, what);
    assert.equal(res.headers.connection, 'close', what);
  }
});

test('the limit is 16 KiB: a header block just under it is served', async () => {
  const res = parse(await rawExchange(request(15 * 1024, 'Connection: close\r\n')));
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

test('other malformed requests also get the error shape instead of a bare 400', async () => {
  const res = parse(await rawExchange('GET /v1/accounts HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n'));
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'validation_failed');
  assert.match(res.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
});

test('fetch sees the same 431 answer', async () => {
  const r = await fetch(`${api.url}/health/live`, { headers: { 'x-padding': 'p'.repeat(17 * 1024) } });
  assert.equal(r.status, 431);
  assert.equal(((await r.json()) as any).error.code, 'headers_too_large');
});
