import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { signWebhook } from '../../../apps/worker/src/webhooks/webhook-signature';
import { createClient, verifyWebhook, WebhookVerificationError } from '../../../packages/client/src';
import { SERVICE_KEY } from '../../support/env';
import { Api, US, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;
useStack((s) => ({ sim, api } = s));

const OWNER = `client-${process.pid}`;

test('the generated client links, lists, gets, fetches a token and calls the proxy', async () => {
  const client = createClient({ baseUrl: `${api.url}/`, token: SERVICE_KEY });
  const org = sim.createOrg();

  const linked = await client.POST('/v1/accounts', {
    body: { ownerId: OWNER, ...US, clientId: org.clientId, clientSecret: org.clientSecret, label: 'Main vault' },
    headers: { 'Idempotency-Key': `client-test-${process.pid}` },
  });
  assert.equal(linked.response.status, 201, JSON.stringify(linked.error));
  const id = linked.data!.id;
  assert.equal(linked.data!.status, 'active');

  const list = await client.GET('/v1/accounts', { params: { query: { ownerId: OWNER, limit: 10 } } });
  assert.deepEqual(list.data?.data.map((a) => a.id), [id]);

  const one = await client.GET('/v1/accounts/{id}', { params: { path: { id } } });
  assert.equal(one.data?.label, 'Main vault');

  const token = await client.POST('/v1/accounts/{id}/token', { params: { path: { id } }, body: { minValiditySeconds: 60 } });
  assert.equal(token.data?.tokenType, 'Bearer');
  assert.ok(token.data!.accessToken.length > 10);

  const members = await client.bitwarden(id).get('public/members');
  assert.equal(members.status, 200);
  assert.equal(members.headers.get('x-bitwarden-connect-upstream'), '1', 'the answer came from Bitwarden');
  assert.ok(Array.isArray(((await members.json()) as { data?: unknown[] }).data));

  // The helper keeps the path as given: an encoded slash reaches the proxy, which refuses it itself.
  const encoded = await client.bitwarden(id).get('public/members%2Fx');
  assert.equal(encoded.status, 400);
  assert.equal(encoded.headers.get('x-bitwarden-connect-upstream'), null);

  // Error answers are typed per status: a 404 carries not_found.
  const missing = await client.GET('/v1/accounts/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.error?.error.code, 'not_found');

  const anon = createClient({ baseUrl: api.url, token: 'not-a-key' });
  const refused = await anon.GET('/v1/accounts', { params: { query: { ownerId: OWNER } } });
  assert.equal(refused.response.status, 401);
});

test('verifyWebhook accepts what the worker signs and refuses tampering, staleness and a wrong secret', () => {
  const secret = 'whsec-client-test';
  const body = JSON.stringify({
    id: 'evt_1',
    type: 'account.linked',
    createdAt: new Date().toISOString(),
    accountId: '8d0c3c38-2f0e-4a55-9a43-6c1f9f0e6b11',
    ownerId: OWNER,
    sequence: 1,
    data: { from: null, to: 'active', reason: null, message: null },
  });
  const now = Math.floor(Date.now() / 1000);
  const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(secret, now, body) };

  const event = verifyWebhook(secret, headers, body);
  assert.equal(event.type, 'account.linked');
  assert.equal(event.sequence, 1);
  assert.equal(verifyWebhook(secret, new Headers(headers), Buffer.from(body)).id, 'evt_1', 'fetch Headers and a Buffer body work too');

  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof WebhookVerificationError);
      return e.reason;
    }
    return 'accepted';
  };
  assert.equal(reason(() => verifyWebhook(secret, headers, body.replace('"sequence":1', '"sequence":2'))), 'bad_signature');
  assert.equal(reason(() => verifyWebhook('another-secret', headers, body)), 'bad_signature');
  const old = now - 600;
  assert.equal(reason(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': String(old), 'webhook-signature': signWebhook(secret, old, body) }, body)), 'stale_timestamp');
  assert.equal(reason(() => verifyWebhook(secret, { 'webhook-timestamp': String(now) }, body)), 'missing_headers');
  assert.equal(reason(() => verifyWebhook(secret, { ...headers, 'webhook-id': 'evt_2' }, body)), 'bad_body');
});
