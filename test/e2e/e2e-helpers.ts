// Shared helpers for the Connect-flow end-to-end tests: contract error shape, "nothing stored" checks, DB access.
import assert from 'node:assert/strict';
import net from 'node:net';
import { Api } from '../support/stack';
import { SIM_HOSTS } from '../support/env';

export type { Res } from '../support/api-errors';
export { assertError } from '../support/api-errors';

import { withPg } from '../support/stack';
export { withPg };

export const accountRows = (ownerId: string) =>
  withPg(async (pg) => (await pg.query('SELECT * FROM accounts WHERE owner_id = $1', [ownerId])).rows);

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

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP listener that only counts connections (and drops them). */
export async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    n++;
    sockets.add(sock);
    sock.destroy();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as net.AddressInfo).port,
    connections: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const x of sockets) x.destroy();
        s.close(() => r());
      }),
  };
}

let ownerSeq = 0;
/** A fresh ownerId per test, so "nothing stored" checks cannot see another test's rows. */
export const newOwner = (tag: string) => `e2e-${tag}-${process.pid}-${++ownerSeq}`;

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
  'createdAt',
  'updatedAt',
].sort();
