import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linked, linkAccount } from '../../support/factories';
import { clearToken, flushTestRedis, idsWithStatus, makeDue, statusCounts } from '../../support/fixtures';
import { sleep } from '../../support/procs';
import { Api, eventually, startApi, useStack } from '../../support/stack';

// The identity-host budget (IDENTITY_RATE_LIMIT_PER_MINUTE, shared through Redis by the API and every worker):
// background checks take at most limit - reserve, sync-job token calls still get through, and a 429 pauses the host.
const HOST = 'identity.bitwarden.com';
// Each test starts its own API and worker with its limit: the stack holds only the simulator.
let accounts: Linked[] = [];
let api: Api | null = null;
const stack = useStack({ api: false, teardown: () => api?.close() }, async ({ sim }) => {
  const linker = await startApi(sim.port, { IDENTITY_RATE_LIMIT_PER_MINUTE: '10000' });
  try {
    accounts = [];
    for (let i = 0; i < 40; i++) accounts.push(await linkAccount(linker, sim, { ownerId: 'budget' }));
  } finally {
    await linker.close();
  }
});

const usLog = (from: number, to = Infinity) => stack.sim.counters().tokenLog.filter((e) => e.host === HOST && e.at >= from && e.at < to);

async function restart(limit: string) {
  await stack.stopWorker();
  await api?.close();
  api = null;
  // Every account due at once, and an empty budget log.
  await makeDue();
  await flushTestRedis();
  api = await startApi(stack.sim.port, { IDENTITY_RATE_LIMIT_PER_MINUTE: limit });
  await stack.startWorker({ IDENTITY_RATE_LIMIT_PER_MINUTE: limit, ACCOUNT_CHECK_INTERVAL_SECONDS: '2' });
}

test('40 accounts due at once with a limit of 10/min: 8 background exchanges, and a sync job still gets its token', async () => {
  const start = Date.now();
  await restart('10');
  // Background work may not take the reserve (20 % of 10 = 2 slots).
  await eventually(async () => usLog(start).length >= 8, 8000, '8 background exchanges');
  await sleep(1000);
  assert.equal(usLog(start).length, 8, 'background stopped at its share');

  const sync = accounts[39];
  await clearToken(sync.id);
  const callAt = Date.now();
  const tok = await api!.call('POST', `/v1/accounts/${sync.id}/token`, { minValiditySeconds: 60 });
  assert.equal(tok.status, 200, `the sync job was refused: ${JSON.stringify(tok.body)}`);
  const syncExchanges = usLog(callAt);
  assert.equal(syncExchanges.length, 1);
  assert.equal(syncExchanges[0].clientId, sync.org.clientId);

  await sleep(Math.max(0, start + 15_000 - Date.now()));
  const all = usLog(start);
  assert.ok(all.length <= 10, `${all.length} exchanges with ${HOST} within 15 s (limit 10/min)`);
  assert.equal(usLog(start, callAt).length, 8, 'exactly the background share');
  assert.equal(all.length, 9);
  // Budget-starved accounts are simply waiting, not failed.
  assert.deepEqual(Object.keys(await statusCounts()), ['active']);
});

test('a 429 with Retry-After 5 pauses the host: no token request reaches it until the pause is over', async () => {
  stack.sim.addFault({ kind: '429', target: 'token', realm: 'us', count: 1, retryAfterSeconds: 5 });
  const start = Date.now();
  await restart('10000');
  const first429 = await eventually(async () => usLog(start).find((e) => e.status === 429), 8000, 'a 429');
  const t429 = first429.at;
  // A sync job asking meanwhile waits for the pause to end (or is told to retry later); it never hits the host early.
  await sleep(Math.max(0, t429 + 500 - Date.now()));
  const sync = accounts.find((a) => a.org.clientId !== first429.clientId)!;
  await clearToken(sync.id);
  const tok = await api!.call('POST', `/v1/accounts/${sync.id}/token`, { minValiditySeconds: 60 });
  assert.ok(tok.status === 200 || (tok.status === 503 && tok.body.error.code === 'provider_rate_limited'), JSON.stringify(tok.body));
  await sleep(Math.max(0, t429 + 7000 - Date.now()));

  // Requests already on the wire when the 429 came back may land a few ms after it; nothing later until 5 s passed.
  const during = usLog(t429 + 300, t429 + 4900);
  assert.deepEqual(during, [], `${during.length} token requests reached ${HOST} during the pause`);
  assert.ok(usLog(t429 + 4900).length > 0, 'exchanges resumed after the pause');
  assert.deepEqual(await idsWithStatus('needs_relink'), [], 'a 429 never means needs_relink');
});
