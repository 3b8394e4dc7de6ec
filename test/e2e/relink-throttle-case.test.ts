// The per-account re-link limit counts an account once, whatever the letter case of its id in the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, US, useStack } from '../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s), { LINK_RATE_LIMIT_PER_MINUTE: '3' });

test('re-link attempts on one account share one limit across id case variants', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'throttle-case', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  const id: string = linked.body.id;
  const variants = [id, id.toUpperCase(), id.replace(/[a-f]/, (c) => c.toUpperCase())];
  const statuses: number[] = [];
  for (const v of [...variants, id.toUpperCase()]) {
    statuses.push((await api.call('PUT', `/v1/accounts/${v}/credentials`, { clientSecret: org.clientSecret })).status);
  }
  assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
  assert.equal(statuses[3], 429, 'the fourth attempt in the minute is refused, whatever the case');
});
