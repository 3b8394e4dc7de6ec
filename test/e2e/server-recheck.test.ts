// Background checks look at the server behind a working key once a day: its /config and a probe of the API URL. An
// API URL that broke after linking shows as degraded with a clear message, a token-only check does not clear it, and
// only a successful probe does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, eventually, startWorker, US, useStack, withPg } from '../support/stack';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s));

const makeDue = (id: string, serverCheckedAgo: string | null) =>
  withPg((pg) =>
    pg.query(
      `UPDATE accounts SET next_check_at = now() - interval '1 second', last_checked_at = now() - interval '1 hour',
              server_checked_at = ${serverCheckedAgo === null ? 'server_checked_at' : `now() - interval '${serverCheckedAgo}'`}
        WHERE id = $1`,
      [id],
    ),
  );

/** The Account once a background check after `since` has finished (with its server look, when `probed`). */
const checkedSince = (id: string, since: number, probed: boolean) =>
  eventually(async () => {
    const [row] = (await withPg((pg) => pg.query('SELECT last_checked_at, server_checked_at FROM accounts WHERE id = $1', [id]))).rows;
    if (!row || row.last_checked_at.getTime() <= since) return null;
    if (probed && !(row.server_checked_at?.getTime() > since)) return null;
    return (await api.call('GET', `/v1/accounts/${id}`)).body;
  }, 15_000, 'a background check');

test('a broken API URL degrades the account; a token-only check keeps it so; a good probe restores it', async () => {
  const org = sim.createOrg({ realm: 'us' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId: 'recheck', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201);
  assert.deepEqual(linked.body.server?.flavor, 'bitwarden', 'the server is known from the link');
  const id: string = linked.body.id;
  const worker = await startWorker(sim.port);
  try {
    sim.addFault({ kind: '5xx', target: 'api', status: 503 });
    let since = Date.now();
    await makeDue(id, '2 days');
    const degraded = await checkedSince(id, since, true);
    assert.equal(degraded.status, 'degraded');
    assert.equal(degraded.statusReason, 'provider_error');
    assert.match(degraded.lastError.message, /Bitwarden API|API/);

    sim.clearFaults();
    since = Date.now();
    await makeDue(id, null); // the server was just looked at: this check exchanges a token only
    const still = await checkedSince(id, since, false);
    assert.equal(still.status, 'degraded', 'a token-only check does not clear an API problem');

    since = Date.now();
    await makeDue(id, '2 days');
    const back = await checkedSince(id, since, true);
    assert.equal(back.status, 'active', 'a successful probe clears it');
    assert.equal(back.lastError, null);
  } finally {
    sim.clearFaults();
    await worker.close();
  }
});
