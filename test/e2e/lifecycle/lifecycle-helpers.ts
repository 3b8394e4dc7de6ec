// Helpers of the lifecycle e2e tests (suspend/resume, rename, events, offboarding).
import assert from 'node:assert/strict';
import { SimOrg, SimulatorHandle } from '@app/simulator';
import { Api, US, withPg } from '../../support/stack';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Token requests (any outcome) the simulator saw for one client id. */
export const exchangesOf = (sim: SimulatorHandle, clientId: string) => sim.counters().tokenLog.filter((e) => e.clientId === clientId).length;

export async function linkNew(api: Api, sim: SimulatorHandle, ownerId: string): Promise<{ id: string; org: SimOrg; body: any }> {
  const org = sim.createOrg();
  const res = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.id, org, body: res.body };
}

export const row = (id: string) => withPg(async (pg) => (await pg.query('SELECT * FROM accounts WHERE id = $1', [id])).rows[0]);

export const storedEvents = (accountId: string) =>
  withPg(async (pg) => (await pg.query('SELECT * FROM account_events WHERE account_id = $1 ORDER BY id', [accountId])).rows);

let seq = 0;
export const owner = (tag: string) => `lc-${tag}-${process.pid}-${++seq}`;
