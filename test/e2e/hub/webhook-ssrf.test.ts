import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkAccount } from '../../support/factories';
import { deliveriesOf } from '../../support/fixtures';
import { countingListener } from '../../support/servers';
import { eventually, startApi, useStack } from '../../support/stack';

// The API and worker are started by the test, with the trap's port in their webhook URL.
let trap: Awaited<ReturnType<typeof countingListener>>;
const stack = useStack({
  api: false,
  prepare: async () => void (trap = await countingListener()),
  teardown: () => trap.close(),
});

test('the webhook URL goes through the SSRF guard: a loopback receiver that is not allowlisted is never contacted', async () => {
  const env = { WEBHOOK_URL: `https://127.0.0.1:${trap.port}/hook`, WEBHOOK_SECRET: 'whsec-ssrf-test' };
  const api = await startApi(stack.sim.port, env);
  await stack.startWorker(env);
  try {
    const linked = await linkAccount(api, stack.sim, { ownerId: 'wh-ssrf' });
    const row = await eventually(async () => {
      const [r] = await deliveriesOf(linked.id);
      return r && r.delivery_attempts >= 1 ? r : null;
    }, 10000, 'a refused delivery attempt');
    assert.equal(row.delivered_at, null, 'the event stays in the outbox');
    assert.equal(trap.connections(), 0, 'the guard refused before any socket opened');
  } finally {
    await stack.stopWorker();
    await api.close();
  }
});
