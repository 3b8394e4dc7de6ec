// Expired connect sessions and Idempotency-Keys are deleted by the API process that owns those tables (a timer under
// a Redis lock), so neither table grows without bound; live ones stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { PurgeService } from '../../../apps/api/src/maintenance/purge.service';
import { expireAllSessionsAndKeys, sessionAndKeyCounts } from '../../support/fixtures';
import { Api, US, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

test('a purge round deletes expired sessions and keys, keeps live ones, and runs in one process at a time', async () => {
  const org = sim.createOrg({ realm: 'us' });
  for (let i = 0; i < 3; i++) assert.equal((await api.call('POST', '/v1/connect-sessions', { ownerId: 'purge' })).status, 201);
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'purge', ...US, clientId: org.clientId, clientSecret: org.clientSecret }, { 'idempotency-key': 'purge-1' });
  assert.equal(linked.status, 201);
  assert.deepEqual(await sessionAndKeyCounts(), { sessions: 3, keys: 1 });
  await expireAllSessionsAndKeys();
  assert.equal((await api.call('POST', '/v1/connect-sessions', { ownerId: 'purge' })).status, 201, 'one live session');
  const purge = api.app.get(PurgeService);
  const [a, b] = await Promise.all([purge.runOnce(), purge.runOnce()]);
  const ran = [a, b].filter((r) => r !== null);
  assert.equal(ran.length, 1, 'the lock lets one round work at a time');
  assert.deepEqual(ran[0], { sessions: 3, keys: 1 });
  assert.deepEqual(await sessionAndKeyCounts(), { sessions: 1, keys: 0 });
});
