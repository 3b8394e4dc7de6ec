import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobName } from '@app/queue';
import { assertEveryJobHasAHandler } from '../../apps/worker/src/processors/worker-runtime';

// The worker refuses to boot when a job name has no handler, rather than failing each such job at run time.
const handler = async () => ({ kind: 'done' as const, detail: '' });

test('a handler for every job name passes', () => {
  assert.doesNotThrow(() => assertEveryJobHasAHandler({ [JobName.CheckAccount]: handler, [JobName.RefreshToken]: handler }));
});

test('a missing handler is refused, naming the job', () => {
  assert.throws(() => assertEveryJobHasAHandler({ [JobName.CheckAccount]: handler }), { message: 'no handler for job name(s): refresh-token' });
  assert.throws(() => assertEveryJobHasAHandler({}), { message: 'no handler for job name(s): check-account, refresh-token' });
});

test('a value that is not a function does not count as a handler', () => {
  assert.throws(() => assertEveryJobHasAHandler({ [JobName.CheckAccount]: handler, [JobName.RefreshToken]: 'refresh' }), /refresh-token/);
});
