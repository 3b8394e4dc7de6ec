// An account id in any letter case is the same account on every route: the same answer as its canonical form, and
// every key derived from it (throttle, idempotency, lock, cache) uses the canonical form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

/** `id` with each letter's case chosen by the bits of `mask`. */
const recase = (id: string, mask: boolean[]) => [...id].map((c, i) => (mask[i % mask.length] ? c.toUpperCase() : c.toLowerCase())).join('');

const ROUTES: Array<[string, (id: string) => string, unknown?]> = [
  ['GET', (id) => `/v1/accounts/${id}`],
  ['GET', (id) => `/v1/accounts/${id}/events`],
  ['POST', (id) => `/v1/accounts/${id}/verify`],
  ['POST', (id) => `/v1/accounts/${id}/token`, {}],
  ['PATCH', (id) => `/v1/accounts/${id}`, { label: 'case' }],
  ['GET', (id) => `/v1/accounts/${id}/bitwarden/public/policies`],
];

test('every account route answers a case variant of an id as it answers the canonical id', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'case-variants', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  const id: string = linked.body.id;
  const canonical = new Map<string, number>();
  for (const [method, path, body] of ROUTES) canonical.set(`${method} ${path('{id}')}`, (await api.call(method, path(id), body)).status);
  let tried = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 36 }), fc.integer({ min: 0, max: ROUTES.length - 1 }), async (mask, r) => {
      const [method, path, body] = ROUTES[r]!;
      const variant = recase(id, mask);
      const res = await api.call(method, path(variant), body);
      tried++;
      assert.equal(res.status, canonical.get(`${method} ${path('{id}')}`), `${method} ${path(variant)}`);
      if (res.body && typeof res.body === 'object' && 'id' in res.body && 'organizationId' in res.body) assert.equal(res.body.id, id, 'answers name the canonical id');
    }),
    { numRuns: 60 },
  );
  console.log(`id case variants: ${tried} requests tried`);
  const gone = await api.call('DELETE', `/v1/accounts/${id.toUpperCase()}`);
  assert.equal(gone.status, 204);
  assert.equal((await api.call('GET', `/v1/accounts/${id}`)).status, 404, 'deleted through its upper-case id');
});
