import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_STATUS } from '@app/common';
import { buildOpenApiDocument } from '../../../apps/api/src/openapi/build-document';
import { PROXY_PATH } from '../../../apps/api/src/openapi/finish-document';
import { WEBHOOK_EVENT_TYPES } from '../../../apps/api/src/openapi/webhooks';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

let doc: Json;
before(async () => {
  doc = (await buildOpenApiDocument()) as unknown as Json;
});

const operations = () =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as Json })));

/** Every node of the document with the JSON pointer it sits at. */
function* walk(node: unknown, at = '#'): Generator<[unknown, string]> {
  yield [node, at];
  if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) yield* walk(v, `${at}/${k}`);
}

const errorCodesOf = (res: Json | undefined): string[] => res?.content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum ?? [];

test('the document is OpenAPI 3.1 with no 3.0 leftovers', () => {
  assert.equal(doc.openapi, '3.1.0');
  const nullable = [...walk(doc)].filter(([n]) => n && typeof n === 'object' && 'nullable' in n).map(([, at]) => at);
  assert.deepEqual(nullable, [], 'nullable is 3.0: 3.1 uses type arrays');
});

test('every $ref resolves', () => {
  const refs = [...walk(doc)].filter(([n]) => n && typeof n === 'object' && typeof (n as Json).$ref === 'string');
  assert.ok(refs.length > 10, 'the document uses $refs (else this test checks nothing)');
  for (const [n, at] of refs) {
    const ref: string = (n as Json).$ref;
    assert.match(ref, /^#\//, `${at}: only local refs`);
    const target = ref.slice(2).split('/').reduce<any>((o, k) => o?.[k], doc);
    assert.ok(target, `${at}: ${ref} does not resolve`);
  }
});

test('every operation has a 2xx answer, every authenticated one a 401 and a 503, every status an error schema', () => {
  const ops = operations();
  assert.ok(ops.length >= 20);
  for (const { path, method, op } of ops) {
    const name = `${method.toUpperCase()} ${path}`;
    const statuses = Object.keys(op.responses);
    assert.ok(statuses.some((s) => /^2/.test(s)), `${name} has a 2xx`);
    if ((op.security ?? []).some((s: Json) => 'bearer' in s)) {
      assert.deepEqual(errorCodesOf(op.responses['401']), ['unauthorized'], `${name}: 401`);
      assert.ok(errorCodesOf(op.responses['503']).includes('unavailable'), `${name}: 503 unavailable`);
    }
    for (const s of statuses.filter((x) => /^[45]\d\d$/.test(x) && !(path === '/health/ready' && x === '503'))) {
      const codes = errorCodesOf(op.responses[s]);
      assert.ok(codes.length > 0, `${name} ${s} lists its codes`);
      for (const c of codes) assert.equal(String(ERROR_STATUS[c as keyof typeof ERROR_STATUS]), s, `${name}: ${c} is documented under ${s}`);
    }
    for (const s of ['429', '503']) {
      if (op.responses[s] && path !== '/health/ready') assert.ok(op.responses[s].headers?.['Retry-After'], `${name} ${s} has Retry-After`);
    }
  }
});

test('every error code the service can raise is documented, and only those', () => {
  const documented = new Set(operations().flatMap(({ op }) => Object.values(op.responses as Json).flatMap((r) => errorCodesOf(r as Json))));
  assert.deepEqual([...documented].sort(), Object.keys(ERROR_STATUS).sort());
  assert.deepEqual([...doc.components.schemas.ErrorCode.enum].sort(), Object.keys(ERROR_STATUS).sort());
});

test('route-specific codes sit where the contract puts them', () => {
  const r = (path: string, method: string, status: string) => errorCodesOf(doc.paths[path][method].responses[status]);
  assert.deepEqual(r('/v1/accounts/{id}/token', 'post', '409').sort(), ['account_suspended', 'needs_relink']);
  assert.ok(r('/v1/accounts/{id}/credentials', 'put', '422').includes('organization_mismatch'));
  assert.ok(!r('/v1/accounts', 'post', '422').includes('organization_mismatch'), 'a link has no organization to mismatch');
  assert.ok(r('/v1/accounts', 'post', '429').includes('rate_limited'));
  assert.ok(r(PROXY_PATH, 'get', '503').includes('provider_rate_limited'));
  assert.ok(!r(PROXY_PATH, 'post', '415').length, 'the proxy takes any media type');
});

test('integers are integers, request bodies are closed, bodies have examples', () => {
  const numbers = [...walk(doc)].filter(([n]) => n && typeof n === 'object' && ((n as Json).type === 'number' || (Array.isArray((n as Json).type) && (n as Json).type.includes('number'))));
  assert.deepEqual(numbers.map(([, at]) => at), [], 'no field of this API is fractional');
  const limit = doc.paths['/v1/accounts'].get.parameters.find((p: Json) => p.name === 'limit');
  assert.equal(limit.schema.type, 'integer');
  for (const { path, method, op } of operations()) {
    const media = op.requestBody?.content?.['application/json'];
    if (!media) continue;
    const schema = media.schema.$ref ? doc.components.schemas[media.schema.$ref.split('/').pop()] : media.schema;
    assert.equal(schema.additionalProperties, false, `${method} ${path}: unknown fields are refused`);
    assert.ok(media.example && Object.keys(media.example).length, `${method} ${path}: request example`);
  }
  assert.equal(doc.components.schemas.TokenRequestDto.properties.minValiditySeconds.type, 'integer');
  assert.ok(doc.paths['/v1/accounts'].post.responses['201'].content['application/json'].example.id);
});

test('Idempotency-Key is a header of link and re-link', () => {
  for (const [path, method] of [['/v1/accounts', 'post'], ['/v1/accounts/{id}/credentials', 'put']]) {
    const h = doc.paths[path][method].parameters.find((p: Json) => p.name === 'Idempotency-Key');
    assert.equal(h?.in, 'header', `${method} ${path}`);
    assert.equal(h.required, false);
  }
});

test('the bearer is an opaque key or session token, not a JWT', () => {
  const s = doc.components.securitySchemes.bearer;
  assert.equal(s.type, 'http');
  assert.equal(s.scheme, 'bearer');
  assert.notEqual(String(s.bearerFormat).toUpperCase(), 'JWT');
  assert.match(s.description, /service API key/);
  assert.match(s.description, /connect session token/);
});

test('the proxy is one operation per method with a slashed {rest}', () => {
  const proxyPaths = Object.keys(doc.paths).filter((p) => p.includes('/bitwarden'));
  assert.deepEqual(proxyPaths, [PROXY_PATH]);
  for (const m of ['get', 'post', 'put', 'delete']) {
    const rest = doc.paths[PROXY_PATH][m].parameters.find((p: Json) => p.name === 'rest');
    assert.match(rest.description, /slash/);
    assert.match(rest.description, /encode/);
  }
});

test('every webhook event type is described with the signed envelope', () => {
  assert.deepEqual(Object.keys(doc.webhooks), [...WEBHOOK_EVENT_TYPES]);
  assert.deepEqual(doc.components.schemas.WebhookEvent.required, ['id', 'type', 'createdAt', 'accountId', 'ownerId', 'sequence', 'data']);
  assert.equal(doc.components.schemas.WebhookEvent.properties.sequence.type, 'integer');
  for (const [type, item] of Object.entries(doc.webhooks as Json)) {
    const names = item.post.parameters.map((p: Json) => p.name);
    assert.deepEqual(names, ['Webhook-Id', 'Webhook-Timestamp', 'Webhook-Signature'], type);
    assert.equal(item.post.requestBody.content['application/json'].schema.allOf[1].properties.type.const, type);
  }
});
