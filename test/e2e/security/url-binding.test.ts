// A database writer who points a row at their own host gets nothing: the secret and the token are sealed for the
// URLs they are sent to, so the blobs no longer open and no connection is made.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressInfo, createServer, Server } from 'node:net';
import { Client } from 'pg';
import { SimulatorHandle } from '@app/simulator';
import { TEST_DATABASE_URL } from '../../support/env';
import { Api, resetStores, SELF, startApi, startSim } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;
let trap: Server;
let connections = 0;

before(async () => {
  await resetStores();
  trap = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  sim = await startSim();
  const trapPort = (trap.address() as AddressInfo).port;
  api = await startApi(sim.port, {
    OUTBOUND_CONNECT_TO: [
      ...['identity.bitwarden.com', 'api.bitwarden.com', 'bw.selfhosted.test'].map((h) => `${h}:443:127.0.0.1:${sim.port}`),
      `attacker.selfhosted.test:443:127.0.0.1:${trapPort}`,
    ].join(','),
  });
});
after(async () => {
  await api.close();
  await sim.close();
  await new Promise((r) => trap.close(r));
  await resetStores();
});

test('a row re-pointed at another host in the database no longer opens, and nothing is sent there', async () => {
  const org = sim.createOrg({ realm: 'bw.selfhosted.test' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'binding', ...SELF, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  try {
    await pg.query(
      `UPDATE accounts SET api_base_url = 'https://attacker.selfhosted.test/api', identity_base_url = 'https://attacker.selfhosted.test/identity' WHERE id = $1`,
      [linked.body.id],
    );
    const verify = await api.call('POST', `/v1/accounts/${linked.body.id}/verify`);
    assert.equal(verify.status, 500);
    assert.equal(verify.body.error.code, 'internal_error');
    const token = await api.call('POST', `/v1/accounts/${linked.body.id}/token`, { minValiditySeconds: 0 });
    assert.equal(token.status, 500, 'the cached token is bound to the API URL too');
    assert.ok(!JSON.stringify(token.body).includes('eyJ'), 'no token in the answer');
    assert.equal(connections, 0, 'nothing was sent to the re-pointed host');
    await pg.query(`UPDATE accounts SET api_base_url = $2, identity_base_url = $3 WHERE id = $1`, [linked.body.id, SELF.apiBaseUrl, SELF.identityBaseUrl]);
    assert.equal((await api.call('POST', `/v1/accounts/${linked.body.id}/verify`)).body.status, 'active', 'restoring the URLs restores service');
  } finally {
    await pg.end();
  }
});
