import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'prom-client';
import { AccountsRepository } from '@app/accounts';
import { linkAccount } from '../../support/factories';
import { accountRow, lastChecks } from '../../support/fixtures';
import { eventually, useStack } from '../../support/stack';
import { sample } from './ops-helpers';

// ACCOUNT_CHECK_INTERVAL_SECONDS is "at least this often": an account scheduled far ahead under a longer interval
// is pulled in when a worker with a shorter one boots, and checked; a suspended account stays unscheduled.
const stack = useStack({});

const checksWith = async (outcome: string) => sample(await register.metrics(), 'bwc_checks_total', { outcome }) ?? 0;

test('a worker booting with a shorter interval checks an account scheduled a month ahead', async () => {
  const { api, sim } = stack;
  const far = await linkAccount(api, sim);
  const suspended = await linkAccount(api, sim);
  assert.equal((await api.call('POST', `/v1/accounts/${suspended.id}/suspend`)).status, 200);
  const month = new Date(Date.now() + 30 * 86400_000);
  await api.app.get(AccountsRepository).reschedule(far.id, { nextCheckAt: month });
  const [before] = await lastChecks([far.id]);
  assert.ok(before.last_checked_at, 'the link was the first check');
  const activeBefore = await checksWith('active');

  await stack.startWorker({ ACCOUNT_CHECK_INTERVAL_SECONDS: '2' });
  await eventually(async () => {
    const [row] = await lastChecks([far.id]);
    return row.last_checked_at!.getTime() > before.last_checked_at!.getTime();
  }, 10_000, 'the far-scheduled account to be checked');
  const row = await accountRow(far.id);
  assert.ok(row!.next_check_at.getTime() < Date.now() + 10_000, 'rescheduled on the new interval, not the old month');
  assert.ok((await checksWith('active')) > activeBefore, 'the check was counted as active');

  const s = await accountRow(suspended.id);
  assert.equal(s!.next_check_at, null, 'a suspended account gets no due time');
  assert.equal(s!.status, 'suspended');
});
