// Stampedes across two API processes: 50 concurrent token calls → 1 exchange; 20 identical links → 1 account.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiProc, FaultStack, US } from './support/fault-stack';

let s: FaultStack;
let a1: ApiProc;
let a2: ApiProc;

before(async () => {
  s = await FaultStack.start();
  [a1, a2] = await Promise.all([s.api({}, 'api-1'), s.api({}, 'api-2')]);
});
after(() => s?.close());

test('50 concurrent token calls for an account without a cached token: exactly one exchange', async () => {
  const { id, org } = await s.link(a1, 'faults-stampede');
  await s.sql(`UPDATE accounts SET token_enc = NULL, token_key_id = NULL, token_expires_at = NULL WHERE id = $1`, [id]);
  s.sim.configure({ latencyMs: 300 });
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.call(i % 2 ? a2 : a1, 'POST', `/v1/accounts/${id}/token`, {})));
  s.sim.configure({ latencyMs: 0 });
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200], JSON.stringify(results.find((r) => r.status !== 200)?.body));
  assert.equal(new Set(results.map((r) => r.body.accessToken)).size, 1, 'every caller got the same token');
  assert.equal(s.exchanges([org.clientId], t0, true), 1);
  console.log(`# stampede: 50 calls over 2 API processes, ${s.exchanges([org.clientId], t0, true)} exchange`);
});

test('20 concurrent identical link submissions: one account', async () => {
  const org = s.sim.createOrg();
  const body = { ownerId: 'faults-dup', ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.call(i % 2 ? a2 : a1, 'POST', '/v1/accounts', body)));
  const statuses = results.map((r) => r.status);
  assert.ok(statuses.every((x) => x === 200 || x === 201), `statuses: ${statuses} ${JSON.stringify(results.find((r) => r.status >= 300)?.body)}`);
  assert.equal(statuses.filter((x) => x === 201).length, 1, `statuses: ${statuses}`);
  assert.equal(new Set(results.map((r) => r.body.id)).size, 1, 'every answer names the same account');
  const rows = await s.sql(`SELECT count(*)::int AS n FROM accounts WHERE owner_id = 'faults-dup'`);
  console.log(`# duplicate links: statuses ${statuses.filter((x) => x === 201).length}×201, ${statuses.filter((x) => x === 200).length}×200; ${rows[0].n} row`);
  assert.equal(rows[0].n, 1);
  await s.assertConsistent();
});
