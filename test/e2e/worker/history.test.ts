import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { INestApplicationContext } from '@nestjs/common';
import { SimulatorHandle } from '@app/simulator';
import { Api, eventually, resetStores, startApi, startSim, startWorker } from '../../support/stack';
import { linkOrg, sql } from '../tokens/helpers';

// account_events is the account's history: every transition, whoever made it (API or worker), kept after DELETE.
const env = { ACCOUNT_CHECK_INTERVAL_SECONDS: '3' };
let sim: SimulatorHandle;
let api: Api;
let worker: INestApplicationContext;

before(async () => {
  await resetStores();
  sim = await startSim();
  api = await startApi(sim.port, env);
  worker = await startWorker(sim.port, env);
});
after(async () => {
  await worker.close();
  await api.close();
  await sim.close();
  await resetStores();
});

const events = (id: string) =>
  sql<{ type: string; seq: number; from_status: string | null; to_status: string; reason: string | null; owner_id: string }>(
    'SELECT type, seq, from_status, to_status, reason, owner_id FROM account_events WHERE account_id = $1 ORDER BY seq',
    [id],
  );

test('linked, rejected by the worker, re-linked and deleted: each transition is recorded and the history survives DELETE', async () => {
  const a = await linkOrg(api, sim, 'history');
  assert.deepEqual((await events(a.id)).map((e) => [e.type, e.from_status, e.to_status]), [['account.linked', null, 'active']]);

  const newSecret = sim.rotateKey(a.org.id);
  await eventually(async () => (await api.call('GET', `/v1/accounts/${a.id}`)).body.status === 'needs_relink', 8000, 'needs_relink');
  const relinked = await api.call('PUT', `/v1/accounts/${a.id}/credentials`, { clientSecret: newSecret });
  assert.equal(relinked.status, 200);
  assert.equal(relinked.body.status, 'active');

  // More checks in between (active → active) add no rows.
  await new Promise((r) => setTimeout(r, 4000));
  const del = await api.call('DELETE', `/v1/accounts/${a.id}`);
  assert.equal(del.status, 204);
  assert.equal((await sql('SELECT id FROM accounts WHERE id = $1', [a.id])).length, 0);

  const history = await events(a.id);
  const types = history.map((e) => e.type);
  assert.deepEqual(
    history.map((e) => e.seq),
    history.map((_, i) => i + 1),
    'seq counts 1, 2, 3… per account',
  );
  assert.deepEqual(types[0], 'account.linked');
  const rejected = history.find((e) => e.type === 'account.status_changed' && e.to_status === 'needs_relink');
  assert.ok(rejected, JSON.stringify(history));
  assert.equal(rejected.from_status, 'active');
  assert.equal(rejected.reason, 'credentials_rejected');
  const relinkIdx = types.indexOf('account.relinked');
  assert.ok(relinkIdx > history.indexOf(rejected), JSON.stringify(history));
  // The re-link brought it back to active, also recorded.
  assert.ok(history.slice(relinkIdx).some((e) => e.type === 'account.status_changed' && e.from_status === 'needs_relink' && e.to_status === 'active'), JSON.stringify(history));
  assert.equal(types[types.length - 1], 'account.deleted');
  assert.equal(types.filter((t) => t === 'account.status_changed').length, 2, `no rows for unchanged checks: ${JSON.stringify(types)}`);
  for (const e of history) assert.equal(e.owner_id, 'history');
});
