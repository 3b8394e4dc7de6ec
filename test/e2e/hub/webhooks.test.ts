import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingHttpHeaders } from 'node:http';
import { SimulatorHandle } from '@app/simulator';
import { verifyWebhook } from '../../../apps/worker/src/webhooks/webhook-signature';
import { Receiver, startReceiver } from '../../support/servers';
import { Api, EU, eventually, US, useStack, withPg } from '../../support/stack';

const SECRET = 'whsec-test-0123456789';
let sim: SimulatorHandle;
let api: Api;
let receiver: Receiver;
let failNext = 0;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

useStack(
  {
    prepare: async () => {
      receiver = await startReceiver((req, res, body) => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    },
    env: () => ({ WEBHOOK_URL: receiver.url('/hook'), WEBHOOK_SECRET: SECRET, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }),
    worker: true,
    teardown: () => receiver.close(),
  },
  (s) => ({ sim, api } = s),
);

const eventsFor = (accountId: string) =>
  received.map((r) => ({ ...r, json: JSON.parse(r.body) })).filter((r) => r.json.accountId === accountId);

test('every transition is delivered once, signed, with a per-account sequence', async () => {
  const org = sim.createOrg();
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'wh', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  const id = linked.body.id;
  const newSecret = sim.rotateKey(org.id);
  assert.equal((await api.call('POST', `/v1/accounts/${id}/verify`)).body.status, 'needs_relink');
  assert.equal((await api.call('PUT', `/v1/accounts/${id}/credentials`, { clientSecret: newSecret })).status, 200);
  assert.equal((await api.call('DELETE', `/v1/accounts/${id}`)).status, 204);

  const events = await eventually(async () => (eventsFor(id).length >= 4 ? eventsFor(id) : null), 10000, '4 webhook events');
  const types = events.map((e) => e.json.type);
  // A re-link is one event with its from and to, not a re-link plus a status change.
  assert.deepEqual(types, ['account.linked', 'account.status_changed', 'account.relinked', 'account.deleted']);
  assert.deepEqual(events.map((e) => e.json.sequence), [1, 2, 3, 4]);
  assert.deepEqual({ ...events[1].json.data, message: undefined }, { from: 'active', to: 'needs_relink', reason: 'credentials_rejected', message: undefined });
  assert.match(events[1].json.data.message, /rotated|disabled|API access/, 'the reason comes with a sentence for a person');
  assert.deepEqual(events[2].json.data, { from: 'needs_relink', to: 'active', reason: null, message: null });
  assert.deepEqual(events[0].json.data, { from: null, to: 'active', reason: null, message: null });
  assert.deepEqual(events[3].json.data, { from: 'active', to: null, reason: null, message: null }, '"deleted" is no status');
  assert.equal(new Set(events.map((e) => e.json.id)).size, 4, 'event ids are unique');
  for (const e of events) {
    assert.equal(e.headers['webhook-id'], e.json.id);
    assert.ok(verifyWebhook(SECRET, { timestamp: String(e.headers['webhook-timestamp']), signature: String(e.headers['webhook-signature']) }, e.body));
    assert.ok(!verifyWebhook('wrong-secret', { timestamp: String(e.headers['webhook-timestamp']), signature: String(e.headers['webhook-signature']) }, e.body));
    assert.ok(!e.body.includes(org.clientSecret) && !e.body.includes(newSecret), 'no secret in a webhook');
  }
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(eventsFor(id).length, 4, 'no duplicates after delivery');
});

test('a failing receiver gets the event again with backoff', async () => {
  failNext = 2;
  const org = sim.createOrg();
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'wh2', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  const events = await eventually(async () => (eventsFor(linked.body.id).length ? eventsFor(linked.body.id) : null), 15000, 'retried delivery');
  assert.equal(events[0].json.type, 'account.linked');
  assert.equal(failNext, 0, 'the two failures were seen first');
});

test("offboarding an owner still delivers each account's account.deleted, then keeps none of the owner's events", async () => {
  const ownerId = 'wh-offboard';
  const ids: string[] = [];
  for (const realm of ['us', 'eu'] as const) {
    const org = sim.createOrg({ realm });
    const linked = await api.call('POST', '/v1/accounts', { ownerId, ...(realm === 'us' ? US : EU), clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    ids.push(linked.body.id);
  }
  for (const id of ids) await eventually(async () => eventsFor(id).length === 1, 15_000, `account.linked of ${id}`);
  // Hold deliveries back so that the offboarding finds its account.deleted events undelivered.
  failNext = 1_000;
  assert.equal((await api.call('DELETE', `/v1/owners/${ownerId}`)).status, 204);
  const left = await withPg(async (pg) => (await pg.query(`SELECT count(*)::int AS n FROM account_events WHERE owner_id = $1`, [ownerId])).rows[0].n);
  assert.ok(left > 0, 'undelivered events wait for their delivery');
  failNext = 0;
  for (const id of ids) {
    const types = await eventually(async () => {
      const t = eventsFor(id).map((e) => e.json.type);
      return t.includes('account.deleted') ? t : null;
    }, 30_000, `account.deleted of ${id}`);
    assert.deepEqual(types, ['account.linked', 'account.deleted']);
  }
  await eventually(
    async () => (await withPg(async (pg) => (await pg.query(`SELECT count(*)::int AS n FROM account_events WHERE owner_id = $1`, [ownerId])).rows[0].n)) === 0,
    10_000,
    'no event of the offboarded owner left',
  );
});
