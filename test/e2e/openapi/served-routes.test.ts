import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Api, useStack } from '../../support/stack';
import { buildOpenApiDocument } from '../../../apps/api/src/openapi/build-document';
import { PROXY_PATH } from '../../../apps/api/src/openapi/finish-document';

let api: Api;
useStack((s) => ({ api } = s));

type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; name?: string; handle?: { stack?: Layer[] } };

/** Every method + path Express will route, in the document's `{param}` form. */
function servedRoutes(): Set<string> {
  const express = api.app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  const out = new Set<string>();
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const path of ([] as string[]).concat(layer.route.path)) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.add(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  }
  return out;
}

/**
 * What is served but, on purpose, not an operation: the hosted Connect page's own script and style, the demo page,
 * Swagger UI's assets, and the all-methods `/{*path}` layer through which Nest runs module
 * middleware (the request logger) on every request. The proxy's two Nest routes are documented as the one
 * PROXY_PATH (the bare `.../bitwarden` only ever answers 400).
 */
const EXCLUDED = /^(GET|POST) \/(connect\/page\.(js|css)|demo(\/.*)?|docs(-yaml|\/(?!openapi\.json$).*))$|^[A-Z-]+ \/\{\*path\}$/;
const PROXY_SERVED = /^(GET|POST|PUT|DELETE) \/v1\/accounts\/\{id\}\/bitwarden(\/\*path)?$/;

test('the served document lists exactly the routes Nest serves', async () => {
  const res = await fetch(`${api.url}/docs/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`)),
  );
  const served = servedRoutes();
  assert.ok(served.size >= 25, `the router walk found routes (${served.size})`);
  const expected = new Set<string>();
  for (const r of served) {
    if (EXCLUDED.test(r)) continue;
    expected.add(PROXY_SERVED.test(r) ? `${r.split(' ')[0]} ${PROXY_PATH}` : r);
  }
  assert.deepEqual([...documented].sort(), [...expected].sort());
  assert.ok([...served].some((r) => EXCLUDED.test(r)), 'the exclusions match something served');
});

test('the served document is the one the client is generated from', async () => {
  const served = await (await fetch(`${api.url}/docs/openapi.json`)).json();
  assert.deepEqual(served, JSON.parse(JSON.stringify(await buildOpenApiDocument())));
});

test('documented error answers are what the service sends: an unknown field, a missing credential', async () => {
  const r = await api.call('POST', '/v1/connect-sessions', { ownerId: 't-1', nope: 1 });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'validation_failed');
  const anon = await fetch(`${api.url}/v1/hosts`);
  assert.equal(anon.status, 401);
  assert.equal(((await anon.json()) as { error: { code: string } }).error.code, 'unauthorized');
});
