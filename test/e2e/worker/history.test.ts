import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkAccount } from '../../support/factories';
import { accountRow, eventsOf } from '../../support/fixtures';
import { eventually, useStack } from '../../support/stack';

// account_events is the account's history: every transition, whoever made it (API or worker), kept after DELETE.
const stack = useStack({ env: { ACCOUNT_CHECK_INTERVAL_SECONDS: '3' }, worker: true });

test('linked, rejected by the worker, re-linked and deleted: each transition is recorded and the history survives DELETE', async () => {
  const { api, sim } = stack;
  const a = await linkAccount(api, sim, { ownerId: 'history' });
  assert.deepEqual((await eventsOf(a.id)).map((e) => [e.type, e.from_status, e.to_status]), [['account.linked', null, 'active']]);

  const newSecret = sim.rotateKey(a.org.id);
  await eventually(async () => (await api.call('GET', `/v1/accounts/${a.id}`)).body.status === 'needs_relink', 8000, 'needs_relink');
  const relinked = await api.call('PUT', `/v1/accounts/${a.id}/credentials`, { clientSecret: newSecret });
  assert.equal(relinked.status, 200);
  assert.equal(relinked.body.status, 'active');

  // A check that changes nothing (active → active) adds no row: wait until the worker has checked the account
  // again after the re-link, then compare.
  const rowsAfterRelink = (await eventsOf(a.id)).length;
  const relinkCheckedAt = Date.parse(relinked.body.lastCheckedAt);
  const checked = await eventually(async () => {
    const v = (await api.call('GET', `/v1/accounts/${a.id}`)).body;
    return Date.parse(v.lastCheckedAt) > relinkCheckedAt ? v : null;
  }, 8000, 'a background check after the re-link');
  assert.equal(checked.status, 'active');
  assert.equal((await eventsOf(a.id)).length, rowsAfterRelink, 'the unchanged check added no row');
  const del = await api.call('DELETE', `/v1/accounts/${a.id}`);
  assert.equal(del.status, 204);
  assert.equal(await accountRow(a.id), undefined);

  const history = await eventsOf(a.id);
  const types = history.map((e) => e.type);
  assert.deepEqual(
    history.map((e) => e.seq),
    history.map((_, i) => i + 1),
    'seq counts 1, 2, 3… per account',
  );
  assert.deepEqual(types[0], 'account.linked');
  const rejected = history.find((e) => e.type === 'account.status_changed' && e.to_status === 'needs_relink');
  assert.ok(rejected, JSON.stringify(history));
  assert.equal(rejected.from_status, 'active');
  assert.equal(rejected.reason, 'credentials_rejected');
  const relinkIdx = types.indexOf('account.relinked');
  assert.ok(relinkIdx > history.indexOf(rejected), JSON.stringify(history));
  // The re-link brought it back to active: one relinked event carries the transition.
  assert.equal(history[relinkIdx].from_status, 'needs_relink');
  assert.equal(history[relinkIdx].to_status, 'active');
  assert.equal(types[types.length - 1], 'account.deleted');
  assert.equal(types.filter((t) => t === 'account.status_changed').length, 1, `no rows for unchanged checks or the re-link: ${JSON.stringify(types)}`);
  for (const e of history) assert.equal(e.owner_id, 'history');
});
