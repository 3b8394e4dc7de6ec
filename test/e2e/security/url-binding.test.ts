// A database writer who points a row at their own host gets nothing: the secret and the token are sealed for the
// URLs they are sent to, so the blobs no longer open and no connection is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { linkAccount } from '../../support/factories';
import { setUrls } from '../../support/fixtures';
import { countingListener } from '../../support/servers';
import { Api, SELF, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;
let trap: Awaited<ReturnType<typeof countingListener>>;

useStack(
  {
    prepare: async () => void (trap = await countingListener()),
    teardown: () => trap.close(),
    env: (simPort) => ({
      OUTBOUND_CONNECT_TO: [
        ...['identity.bitwarden.com', 'api.bitwarden.com', 'bw.selfhosted.test'].map((h) => `${h}:443:127.0.0.1:${simPort}`),
        `attacker.selfhosted.test:443:127.0.0.1:${trap.port}`,
      ].join(','),
    }),
  },
  (s) => ({ sim, api } = s),
);

test('a row re-pointed at another host in the database no longer opens, and nothing is sent there', async () => {
  const linked = await linkAccount(api, sim, { ownerId: 'binding', region: 'self-hosted' });
  await setUrls(linked.id, { apiBaseUrl: 'https://attacker.selfhosted.test/api', identityBaseUrl: 'https://attacker.selfhosted.test/identity' });
  const verify = await api.call('POST', `/v1/accounts/${linked.id}/verify`);
  assert.equal(verify.status, 500);
  assert.equal(verify.body.error.code, 'internal_error');
  const token = await api.call('POST', `/v1/accounts/${linked.id}/token`, { minValiditySeconds: 0 });
  assert.equal(token.status, 500, 'the cached token is bound to the API URL too');
  assert.ok(!JSON.stringify(token.body).includes('eyJ'), 'no token in the answer');
  assert.equal(trap.connections(), 0, 'nothing was sent to the re-pointed host');
  await setUrls(linked.id, SELF);
  assert.equal((await api.call('POST', `/v1/accounts/${linked.id}/verify`)).body.status, 'active', 'restoring the URLs restores service');
});
