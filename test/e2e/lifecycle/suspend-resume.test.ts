import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { INestApplicationContext } from '@nestjs/common';
import { SimulatorHandle } from '@app/simulator';
import { AccountJobsProcessor } from '../../../apps/worker/src/jobs/account-jobs.processor';
import { Sweeper } from '../../../apps/worker/src/jobs/sweeper.service';
import { EventRetention } from '../../../apps/worker/src/maintenance/event-retention.service';
import { Api, eventually, resetStores, startApi, startSim, startWorker, US, withPg } from '../../support/stack';
import { assertError } from '../e2e-helpers';
import { exchangesOf, linkNew, owner, row, sleep } from './lifecycle-helpers';

// Suspend and resume over real HTTP, with the worker running (short check interval) and a webhook receiver.
const SECRET = 'whsec-lifecycle-0123456789';
let sim: SimulatorHandle;
let api: Api;
let worker: INestApplicationContext;
let receiver: Server;
const received: Array<{ headers: IncomingHttpHeaders; json: any }> = [];

before(async () => {
  await resetStores();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, json: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const env = {
    ACCOUNT_CHECK_INTERVAL_SECONDS: '2',
    WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    WEBHOOK_SECRET: SECRET,
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    EVENT_RETENTION_DAYS: '30',
  };
  sim = await startSim();
  api = await startApi(sim.port, env);
  worker = await startWorker(sim.port, env);
});
after(async () => {
  await worker.close();
  await api.close();
  await sim.close();
  await new Promise((r) => receiver.close(r));
  await resetStores();
});

const events = async (id: string) => {
  const res = await api.call('GET', `/v1/accounts/${id}/events`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Array<{ id: string; type: string; from: string | null; to: string | null; reason: string | null; message: string | null }>;
};

test('suspend: token destroyed, nothing due, idempotent; verify, token, report-unauthorized and link answer 409 without an exchange', async () => {
  const a = await linkNew(api, sim, owner('suspend'));
  assert.equal((await api.call('POST', `/v1/accounts/${a.id}/token`, {})).status, 200);
  const s = await api.call('POST', `/v1/accounts/${a.id}/suspend`);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.status, 'suspended');
  assert.equal(s.body.statusReason, null);
  assert.ok(Date.parse(s.body.suspendedAt) > 0);
  assert.equal(s.body.nextCheckAt, null);
  assert.equal(s.body.tokenRefreshAt, null);
  assert.equal(s.body.tokenExpiresAt, null);
  assert.ok(s.body.updatedAt > a.body.updatedAt, 'a suspension is a visible change');
  const stored = await row(a.id);
  assert.equal(stored.token_enc, null);
  assert.equal(stored.next_check_at, null);
  assert.equal(stored.refresh_at, null);

  const again = await api.call('POST', `/v1/accounts/${a.id}/suspend`);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, s.body, 'a second suspend changes nothing');
  assert.deepEqual((await events(a.id)).map((e) => [e.type, e.from, e.to, e.reason]), [
    ['suspended', 'active', 'suspended', null],
    ['linked', null, 'active', null],
  ]);

  const before = exchangesOf(sim, a.org.clientId);
  assertError(await api.call('POST', `/v1/accounts/${a.id}/verify`), 409, 'account_suspended');
  assertError(await api.call('POST', `/v1/accounts/${a.id}/token`, {}), 409, 'account_suspended');
  assertError(await api.call('POST', `/v1/accounts/${a.id}/report-unauthorized`), 409, 'account_suspended');
  const relinkByPost = await api.call('POST', '/v1/accounts', { ownerId: a.body.ownerId, ...US, clientId: a.org.clientId, clientSecret: a.org.clientSecret });
  assertError(relinkByPost, 409, 'account_suspended');
  assert.equal(exchangesOf(sim, a.org.clientId), before, 'no exchange for a suspended account');
  assert.deepEqual((await api.call('GET', `/v1/accounts/${a.id}`)).body, s.body, 'the refused calls wrote nothing');
});

test('the worker neither checks nor renews a suspended account, and a job queued before skips it', async () => {
  const control = await linkNew(api, sim, owner('control'));
  const a = await linkNew(api, sim, owner('worker'));
  assert.equal((await api.call('POST', `/v1/accounts/${a.id}/suspend`)).status, 200);
  const before = exchangesOf(sim, a.org.clientId);
  const controlBefore = exchangesOf(sim, control.org.clientId);
  // The control proves the worker is checking at this interval; the suspended account must see nothing.
  await eventually(async () => exchangesOf(sim, control.org.clientId) > controlBefore, 10_000, 'a background check of the control account');
  // The worker's own sweep may hold the control row for a moment (SKIP LOCKED passes over it): try a few times.
  const claimed = await eventually(async () => {
    const r = await worker.get(Sweeper).sweepOnce(new Date(Date.now() + 365 * 86_400_000));
    return r.checks >= 1 ? r : null;
  }, 5000, 'the far-future sweep to claim the running accounts');
  assert.ok(claimed.checks >= 1, 'the far-future sweep claims the running accounts');
  assert.equal((await row(a.id)).next_check_at, null, 'the sweeper did not claim the suspended account');

  const jobs = worker.get(AccountJobsProcessor);
  assert.deepEqual(await jobs.check(a.id), { kind: 'skipped', detail: 'suspended' });
  assert.deepEqual(await jobs.refresh(a.id), { kind: 'skipped', detail: 'suspended' });
  await sleep(500);
  assert.equal(exchangesOf(sim, a.org.clientId), before);
  assert.equal((await api.call('GET', `/v1/accounts/${a.id}`)).body.status, 'suspended');
});

test('re-link while suspended: the new key is tested and swapped in, the account stays suspended, one relinked event', async () => {
  const a = await linkNew(api, sim, owner('relink'));
  const suspended = (await api.call('POST', `/v1/accounts/${a.id}/suspend`)).body;
  const newSecret = sim.rotateKey(a.org.id);

  const before = exchangesOf(sim, a.org.clientId);
  assertError(await api.call('PUT', `/v1/accounts/${a.id}/credentials`, { clientSecret: a.org.clientSecret }), 422, 'credentials_rejected');
  assert.equal((await api.call('GET', `/v1/accounts/${a.id}`)).body.secretLast4, a.body.secretLast4, 'a failed re-link keeps the old key');

  const r = await api.call('PUT', `/v1/accounts/${a.id}/credentials`, { clientSecret: newSecret });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(exchangesOf(sim, a.org.clientId), before + 2, 'both keys were tested with an exchange');
  assert.equal(r.body.status, 'suspended');
  assert.equal(r.body.secretLast4, newSecret.slice(-4));
  assert.equal(r.body.suspendedAt, suspended.suspendedAt);
  assert.equal(r.body.nextCheckAt, null);
  assert.equal(r.body.tokenExpiresAt, null);
  assert.equal((await row(a.id)).token_enc, null, 'no token is kept for a suspended account');
  const history = await events(a.id);
  assert.deepEqual(history.map((e) => [e.type, e.from, e.to]), [
    ['relinked', 'suspended', 'suspended'],
    ['suspended', 'active', 'suspended'],
    ['linked', null, 'active'],
  ]);
});

test('resume: one exchange, the resulting status, one resumed event; on a running account it is verify', async () => {
  const a = await linkNew(api, sim, owner('resume'));
  await api.call('POST', `/v1/accounts/${a.id}/suspend`);
  const before = exchangesOf(sim, a.org.clientId);
  const r = await api.call('POST', `/v1/accounts/${a.id}/resume`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(exchangesOf(sim, a.org.clientId), before + 1);
  assert.equal(r.body.status, 'active');
  assert.equal(r.body.suspendedAt, null);
  assert.ok(Date.parse(r.body.nextCheckAt) > Date.now(), 'checks are scheduled again');
  assert.ok(Date.parse(r.body.tokenExpiresAt) > Date.now(), 'the exchange left a token');
  assert.deepEqual((await events(a.id)).map((e) => [e.type, e.from, e.to, e.reason, e.message]), [
    ['resumed', 'suspended', 'active', null, null],
    ['suspended', 'active', 'suspended', null, null],
    ['linked', null, 'active', null, null],
  ]);

  const verifyLike = await api.call('POST', `/v1/accounts/${a.id}/resume`);
  assert.equal(verifyLike.status, 200);
  assert.equal(verifyLike.body.status, 'active');
  assert.equal(exchangesOf(sim, a.org.clientId), before + 2, 'resume of a running account is a fresh exchange, as verify');
  assert.equal((await events(a.id)).length, 3, 'and no event');
});

test('resume with a rotated key: needs_relink, and the event says why in words', async () => {
  const a = await linkNew(api, sim, owner('resume-rejected'));
  await api.call('POST', `/v1/accounts/${a.id}/suspend`);
  sim.rotateKey(a.org.id);
  const r = await api.call('POST', `/v1/accounts/${a.id}/resume`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'needs_relink');
  assert.equal(r.body.statusReason, 'credentials_rejected');
  assert.equal(r.body.suspendedAt, null);
  const [latest, ...rest] = await events(a.id);
  assert.equal(latest.type, 'resumed');
  assert.equal(latest.to, 'needs_relink');
  assert.equal(latest.reason, 'credentials_rejected');
  assert.match(latest.message as string, /Admin Console/);
  assert.ok(!rest.some((e) => e.type === 'status_changed'), 'a resume is one event');
});

test('resume without a budget slot in time: 503 provider_rate_limited with Retry-After, still suspended, nothing written', async () => {
  // A second API process sharing the budget in Redis, allowed one exchange a minute on the host: the link spent it.
  const limited = await startApi(sim.port, { IDENTITY_RATE_LIMIT_PER_MINUTE: '1' });
  try {
    const a = await linkNew(api, sim, owner('resume-budget'));
    await api.call('POST', `/v1/accounts/${a.id}/suspend`);
    const stored = await row(a.id);
    const before = exchangesOf(sim, a.org.clientId);
    const r = await limited.call('POST', `/v1/accounts/${a.id}/resume`);
    assertError(r, 503, 'provider_rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) >= 1, `Retry-After: ${r.headers.get('retry-after')}`);
    assert.equal(exchangesOf(sim, a.org.clientId), before);
    assert.deepEqual(await row(a.id), stored, 'nothing written');
    assert.equal((await events(a.id))[0].type, 'suspended');
  } finally {
    await limited.close();
  }
});

test('webhooks: suspended, resumed and relinked are one event each, data carries the sentence, ids match the events API', async () => {
  const a = await linkNew(api, sim, owner('webhooks'));
  await api.call('POST', `/v1/accounts/${a.id}/suspend`);
  sim.rotateKey(a.org.id);
  await api.call('POST', `/v1/accounts/${a.id}/resume`); // → needs_relink
  const newSecret = sim.rotateKey(a.org.id);
  assert.equal((await api.call('PUT', `/v1/accounts/${a.id}/credentials`, { clientSecret: newSecret })).status, 200);
  const mine = () => received.filter((r) => r.json.accountId === a.id);
  const got = await eventually(async () => (mine().length >= 4 ? mine() : null), 10_000, '4 webhooks');
  await sleep(500);
  assert.deepEqual(mine().map((r) => r.json.type), ['account.linked', 'account.suspended', 'account.resumed', 'account.relinked']);
  assert.deepEqual(got[1].json.data, { from: 'active', to: 'suspended', reason: null, message: null });
  assert.equal(got[2].json.data.reason, 'credentials_rejected');
  assert.match(got[2].json.data.message, /Organization info/);
  assert.deepEqual(got[3].json.data, { from: 'needs_relink', to: 'active', reason: null, message: null });
  const served = (await events(a.id)).map((e) => e.id).reverse();
  assert.deepEqual(got.map((r) => r.json.id), served);
  assert.deepEqual(got.map((r) => r.headers['webhook-id']), served);
});

test('event retention: the worker deletes events older than EVENT_RETENTION_DAYS, under its lock, and keeps newer ones', async () => {
  const acct = '00000000-0000-4000-8000-00000000abcd';
  const day = 86_400_000;
  await withPg(async (pg) => {
    for (const [seq, ageDays] of [[1, 45], [2, 31], [3, 29]]) {
      await pg.query(`INSERT INTO account_events (account_id, owner_id, type, seq, to_status, at) VALUES ($1, 'retention', 'account.linked', $2, 'active', $3)`, [
        acct,
        seq,
        new Date(Date.now() - ageDays * day),
      ]);
    }
  });
  const deleted = await worker.get(EventRetention).runOnce();
  assert.ok(deleted !== null && deleted >= 2, `deleted ${deleted}`);
  const left = await withPg(async (pg) => (await pg.query('SELECT seq FROM account_events WHERE account_id = $1 ORDER BY seq', [acct])).rows);
  assert.deepEqual(left.map((r) => r.seq), [3]);
  await withPg((pg) => pg.query('DELETE FROM account_events WHERE account_id = $1', [acct]));
});
