import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressInfo, createServer, Server } from 'node:net';
import { Client } from 'pg';
import { SimulatorHandle } from '@app/simulator';
import { TEST_DATABASE_URL } from '../../support/env';
import { eventually, resetStores, startApi, startSim, startWorker, US } from '../../support/stack';

let sim: SimulatorHandle;
let trap: Server;
let connections = 0;

before(async () => {
  await resetStores();
  sim = await startSim();
  trap = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
});
after(async () => {
  await sim.close();
  await new Promise((r) => trap.close(r));
  await resetStores();
});

test('the webhook URL goes through the SSRF guard: a loopback receiver that is not allowlisted is never contacted', async () => {
  const port = (trap.address() as AddressInfo).port;
  const env = { WEBHOOK_URL: `https://127.0.0.1:${port}/hook`, WEBHOOK_SECRET: 'whsec-ssrf-test' };
  const api = await startApi(sim.port, env);
  const worker = await startWorker(sim.port, env);
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  try {
    const org = sim.createOrg();
    const linked = await api.call('POST', '/v1/accounts', { ownerId: 'wh-ssrf', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(linked.status, 201);
    const row = await eventually(async () => {
      const r = await pg.query('SELECT delivery_attempts, delivered_at FROM account_events WHERE account_id = $1', [linked.body.id]);
      return r.rows[0]?.delivery_attempts >= 1 ? r.rows[0] : null;
    }, 10000, 'a refused delivery attempt');
    assert.equal(row.delivered_at, null, 'the event stays in the outbox');
    assert.equal(connections, 0, 'the guard refused before any socket opened');
  } finally {
    await pg.end();
    await worker.close();
    await api.close();
  }
});
