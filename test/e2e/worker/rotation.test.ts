import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { INestApplicationContext } from '@nestjs/common';
import { SimulatorHandle } from '@app/simulator';
import { Api, eventually, resetStores, startApi, startSim, startWorker, US } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;
let worker: INestApplicationContext;
const env = { ACCOUNT_CHECK_INTERVAL_SECONDS: '3' };

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

test('a key rotated in Bitwarden is detected within one check interval, and re-link restores active', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'rot', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  const newSecret = sim.rotateKey(org.id);
  const rotatedAt = Date.now();
  const seen = await eventually(async () => {
    const a = await api.call('GET', `/v1/accounts/${linked.body.id}`);
    return a.body.status === 'needs_relink' ? a.body : null;
  }, 8000, 'needs_relink');
  assert.equal(seen.statusReason, 'credentials_rejected');
  assert.ok(Date.now() - rotatedAt <= 3000 + 1500, `detected after ${Date.now() - rotatedAt} ms`);
  const tok = await api.call('POST', `/v1/accounts/${linked.body.id}/token`, {});
  assert.equal(tok.status, 409);
  assert.equal(tok.body.error.code, 'needs_relink');
  const relinked = await api.call('PUT', `/v1/accounts/${linked.body.id}/credentials`, { clientSecret: newSecret });
  assert.equal(relinked.status, 200);
  assert.equal(relinked.body.status, 'active');
});
