// Bitwarden misbehaving: hanging, 5xx, 429 with Retry-After, garbage, redirects, oversized bodies, bad token
// responses, reset connections. Accounts are degraded or left untouched, never needs_relink, and recover.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiProc, FaultStack, TRANSIENT_OK, waitFor, WorkerProc, useFaultStack } from './support/fault-stack';

const EU = { apiBaseUrl: 'https://api.bitwarden.eu', identityBaseUrl: 'https://identity.bitwarden.eu' };

let s: FaultStack;
let api: ApiProc;
let worker: WorkerProc;
const ids: string[] = [];
const TRANSIENT_CODES = new Set(['provider_timeout', 'provider_error', 'provider_unreachable', 'provider_rate_limited']);

useFaultStack({ tag: 'faults-up', accounts: 6, worker: true }, (f) => {
  ({ s, api, worker } = f);
  ids.push(...f.accounts.map((a) => a.id));
});

/** Polls statuses in the background and remembers anything outside active/degraded. */
function watchStatuses(): { stop(): Promise<string[]> } {
  const bad: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      for (const r of await s.statuses(ids).catch(() => [])) if (!TRANSIENT_OK.has(r.status)) bad.push(`${r.id}: ${r.status}/${r.status_reason}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return bad;
    },
  };
}

const KINDS: Array<{ kind: string; extra?: Record<string, unknown> }> = [
  { kind: 'hang' },
  { kind: '5xx', extra: { status: 503 } },
  { kind: '429', extra: { retryAfterSeconds: 2 } },
  { kind: 'non-json' },
  { kind: 'redirect' },
  { kind: 'oversized' },
  { kind: 'bad-token-response' },
  { kind: 'reset' },
];

for (const { kind, extra } of KINDS) {
  test(`Bitwarden answers token requests with "${kind}": degraded or untouched, never needs_relink, then active`, async () => {
    const watch = watchStatuses();
    try {
      // The Test button meets the fault: a contract error code, the account is not blamed.
      s.sim.addFault({ kind, target: 'token', count: 1, ...extra } as never);
      const v = await s.call(api, 'POST', `/v1/accounts/${ids[0]}/verify`, {});
      assert.equal(v.status, 200, JSON.stringify(v.body));
      assert.ok(TRANSIENT_OK.has(v.body.status), `verify left ${v.body.status}`);
      assert.ok(TRANSIENT_CODES.has(v.body.lastError?.code), `lastError ${JSON.stringify(v.body.lastError)}`);
      console.log(`# ${kind}: verify → ${v.body.status} ${v.body.lastError.code} in ${Math.round(v.ms)} ms`);
      s.sim.clearFaults();
      // Background checks meet it three times, then Bitwarden is healthy again.
      s.sim.addFault({ kind, target: 'token', count: 3, ...extra } as never);
      const t0 = new Date();
      await s.makeDue();
      await s.allCheckedActive(ids, t0, 40_000, `recovery to active after "${kind}"`);
      await waitFor(async () => (await s.sql(`SELECT count(*)::int AS n FROM accounts WHERE id = ANY($1) AND last_verified_at > $2`, [ids, t0]))[0].n === ids.length, 10_000, 'verified again');
    } finally {
      s.sim.clearFaults();
      assert.deepEqual(await watch.stop(), []);
    }
  });
}

test('sustained 5xx outage of one identity host: the breaker stops degrading its accounts, none needs_relink; all recover', async () => {
  // A host of its own (EU) so the breaker's window holds only this outage, not the successes of the tests above.
  const eu: string[] = [];
  for (let i = 0; i < 30; i++) {
    const org = s.sim.createOrg({ realm: 'eu' });
    const r = await s.call(api, 'POST', '/v1/accounts', { ownerId: `faults-eu-${i}`, ...EU, clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    eu.push(r.body.id);
  }
  ids.push(...eu);
  const watch = watchStatuses();
  try {
    s.sim.addFault({ kind: '5xx', target: 'token', status: 500, realm: 'eu' } as never);
    const t0 = new Date();
    await s.makeDue(eu);
    await waitFor(() => s.sim.counters().tokenLog.filter((e) => e.at >= t0.getTime() && e.status === 500).length >= 5, 15_000, 'failures seen', 100);
    await new Promise((r) => setTimeout(r, 3000));
    const during = await s.statuses(eu);
    const degraded = during.filter((r) => r.status === 'degraded').length;
    console.log(`# outage: ${degraded} of ${eu.length} accounts degraded while their host was down (breaker opens after 5 failures)`);
    assert.ok(degraded <= 12, `${degraded} of ${eu.length} degraded`);
    s.sim.clearFaults();
    await s.allCheckedActive(eu, t0, 60_000, 'recovery after the outage');
    console.log(`# outage: all ${eu.length} active again ${Date.now() - t0.getTime()} ms after the outage began`);
    assert.ok(worker.alive());
  } finally {
    s.sim.clearFaults();
    assert.deepEqual(await watch.stop(), []);
  }
  await s.assertConsistent();
});
