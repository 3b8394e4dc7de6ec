import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { AppConfig, ConfigError } from '@app/config';
import { Api, resetStores, startApi, startSim } from '../../support/stack';
import { baseEnv } from '../../support/env';
import { assertError, newOwner } from '../e2e-helpers';

let sim: SimulatorHandle;
let on: Api;
let off: Api;
let prefixed: Api;
const PREFIXED = 'https://hub.example.test/bitwarden-connect';
before(async () => {
  await resetStores();
  sim = await startSim();
  on = await startApi(sim.port);
  off = await startApi(sim.port, { CONNECT_PAGE: 'false' });
  prefixed = await startApi(sim.port, { PUBLIC_URL: `${PREFIXED}/` });
});
after(async () => {
  await on?.close();
  await off?.close();
  await prefixed?.close();
  await sim?.close();
  await resetStores();
});

const get = (api: Api, path: string) => fetch(api.url + path);

test('GET /connect is a static page under a strict CSP, loading only its own script and style', async () => {
  const res = await get(on, '/connect');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]) {
    assert.ok(csp.split('; ').includes(d), `${d} in ${csp}`);
  }
  assert.ok(!/unsafe-inline|unsafe-eval|https:/.test(csp), csp);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'unsafe-none', 'connect.js needs window.opener');
  const html = await res.text();
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(scripts.map((a) => /src="([^"]+)"/.exec(a)?.[1]), ['connect/page.js'], 'one external script, none inline');
  assert.ok(!/<style\b|\sstyle=|\son[a-z]+=/i.test(html), 'no inline style or handler');
  // Relative to the page, so that they stay under a path prefix the service is published at.
  assert.deepEqual([...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]).sort(), ['connect/page.css', 'connect/page.js']);
  for (const p of ['/connect/page.js', '/connect/page.css']) {
    const asset = await get(on, p);
    assert.equal(asset.status, 200, p);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=\d+/);
  }
});

test('GET /connect.js is JavaScript other origins may load, with a cache header', async () => {
  const res = await get(on, '/connect.js');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/javascript/);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
  assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
  assert.match(await res.text(), /window\.BitwardenConnect = \{ open: open \}/);
});

test('CONNECT_PAGE=false: no page, no script, and sessions carry url null', async () => {
  for (const p of ['/connect', '/connect.js', '/connect/page.js', '/connect/page.css']) assert.equal((await get(off, p)).status, 404, p);
  const s = await off.call('POST', '/v1/connect-sessions', { ownerId: newOwner('off') });
  assert.equal(s.status, 201);
  assert.equal(s.body.url, null);
  const d = await on.call('POST', '/v1/connect-sessions', { ownerId: newOwner('on') });
  assert.equal(d.body.url, `http://127.0.0.1:3000/connect#session=${d.body.token}`, 'PUBLIC_URL defaults to http://127.0.0.1:{PORT}');
});

test('PUBLIC_URL is an http(s) URL, with a path prefix or none, without query, fragment or credentials', () => {
  const env = (v: string) => ({ ...baseEnv(1), PUBLIC_URL: v });
  for (const bad of ['ftp://connect.example.test', 'https://connect.example.test?x=1', 'https://connect.example.test/p?', 'https://connect.example.test/#x', 'https://u:p@connect.example.test', 'connect.example.test']) {
    assert.throws(() => new AppConfig(env(bad)), (e: unknown) => e instanceof ConfigError && /PUBLIC_URL/.test(e.message), bad);
  }
  assert.equal(new AppConfig(env('https://Connect.Example.test/')).publicUrl, 'https://connect.example.test');
  assert.equal(new AppConfig(env('https://hub.example.test/bitwarden-connect')).publicUrl, 'https://hub.example.test/bitwarden-connect');
  assert.equal(new AppConfig(env('https://hub.example.test:443/tools/bitwarden-connect//')).publicUrl, 'https://hub.example.test/tools/bitwarden-connect');
  assert.equal(new AppConfig(env('http://127.0.0.1:8080')).publicUrl, 'http://127.0.0.1:8080');
  assert.equal(new AppConfig({ ...baseEnv(1), PORT: '4100' }).publicUrl, 'http://127.0.0.1:4100');
});

test('behind a path prefix: session links carry it, and the page and connect.js name nothing outside it', async () => {
  const s = await prefixed.call('POST', '/v1/connect-sessions', { ownerId: newOwner('prefix') });
  assert.equal(s.status, 201);
  assert.equal(s.body.url, `${PREFIXED}/connect#session=${s.body.token}`);
  const embed = await (await get(prefixed, '/connect.js')).text();
  assert.ok(embed.includes(`var PUBLIC_URL = ${JSON.stringify(PREFIXED)};`), 'connect.js knows PUBLIC_URL for a browser that cannot say where it came from');
  const script = await (await get(prefixed, '/connect/page.js')).text();
  for (const [name, text] of [['connect.js', embed], ['page.js', script]]) {
    assert.deepEqual(text.match(/['"`]\/(?:v1|connect)\b[^'"`]*/g), null, `${name} has no URL from the host's root`);
  }
});

test('GET /connect/ (with a slash) names the page files relative to that spelling', async () => {
  const res = await get(on, '/connect/');
  assert.equal(res.status, 200);
  const files = [...(await res.text()).matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(files.sort(), ['page.css', 'page.js']);
  for (const f of files) assert.equal((await fetch(new URL(f, `${on.url}/connect/`))).status, 200, f);
});

test('a session token is refused on the revoke route and the page routes need none', async () => {
  const s = await on.call('POST', '/v1/connect-sessions', { ownerId: newOwner('rights') });
  assertError(await on.call('DELETE', `/v1/connect-sessions/${s.body.id}`, undefined, { authorization: `Bearer ${s.body.token}` }), 403, 'forbidden');
  assert.equal((await fetch(on.url + '/connect', { headers: { authorization: 'Bearer nonsense' } })).status, 200);
});
