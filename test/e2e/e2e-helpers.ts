// Shared helpers for the Connect-flow end-to-end tests: contract error shape, "nothing stored" checks, DB access.
import assert from 'node:assert/strict';
import { Api } from '../support/stack';
import { SIM_HOSTS } from '../support/env';

export type { Res } from '../support/api-errors';
export { assertError } from '../support/api-errors';

import { accountRowsOf } from '../support/fixtures';
export { withPg } from '../support/stack';

export const accountRows = accountRowsOf;

/** After a failed link: the API lists nothing for the owner and the table holds no row for it. */
export async function assertNothingStored(api: Api, ownerId: string): Promise<void> {
  const list = await api.call('GET', `/v1/accounts?ownerId=${encodeURIComponent(ownerId)}`);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body.data, [], `accounts listed for ${ownerId}`);
  assert.equal((await accountRows(ownerId)).length, 0, `rows stored for ${ownerId}`);
}

/** OUTBOUND_CONNECT_TO for the simulator's hosts plus extra entries. */
export const connectTo = (simPort: number, extra: string[] = []) =>
  [...SIM_HOSTS.map((h) => `${h}:443:127.0.0.1:${simPort}`), ...extra].join(',');

export { closedPort, countingListener } from '../support/servers';
export { newOwner } from '../support/factories';

export const ACCOUNT_KEYS = [
  'id',
  'ownerId',
  'provider',
  'organizationId',
  'label',
  'region',
  'apiBaseUrl',
  'identityBaseUrl',
  'clientId',
  'secretLast4',
  'status',
  'statusReason',
  'lastError',
  'lastVerifiedAt',
  'lastCheckedAt',
  'tokenExpiresAt',
  'tokenRefreshAt',
  'nextCheckAt',
  'suspendedAt',
  'server',
  'createdAt',
  'updatedAt',
].sort();
