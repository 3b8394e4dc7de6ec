// The API as `npm run start:api` runs it: a process of its own that drains on SIGTERM and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseEnv, SERVICE_KEY } from '../../support/env';
import { migrateOnce, startSim, US, withPg } from '../../support/stack';
import { startApiProc } from '../../support/procs';

test('SIGTERM with a link in flight: the link completes (201), then the API exits 0', async () => {
  await migrateOnce();
  const sim = await startSim();
  const api = await startApiProc(baseEnv(sim.port));
  try {
    assert.equal((await fetch(`${api.url}/health/live`)).status, 200);
    const org = sim.createOrg({ realm: 'us' });
    sim.configure({ latencyMs: 800 });
    const link = fetch(`${api.url}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ownerId: 'sigterm-owner', ...US, clientId: org.clientId, clientSecret: org.clientSecret }),
    });
    await new Promise((r) => setTimeout(r, 300));
    const exit = api.stop(20_000);
    const res = await link;
    const text = await res.text();
    assert.equal(res.status, 201, text);
    assert.equal(await exit, 0, `exit ${await exit}; output:\n${api.output()}`);
    assert.ok((JSON.parse(text) as { id: string }).id);
  } finally {
    sim.configure({ latencyMs: 0 });
    await api.stop(5_000);
    await sim.close();
    await withPg(async (pg) => {
      await pg.query(`DELETE FROM accounts WHERE owner_id = 'sigterm-owner'`);
      await pg.query(`DELETE FROM account_events WHERE owner_id = 'sigterm-owner'`);
    });
  }
});
