// Vaultwarden after a 429: its bucket is empty whatever ours says (other logins from our egress IP, a Vaultwarden
// behind a proxy that hides client IPs, our Redis restarted empty). After the pause the server has ONE login left,
// so our GCRA is drained too (IdentityBudget.drain): one call per period, never a burst the server cannot have.
// Real numbers: burst 10, period 60 s; here the period is 3 s on both sides to keep the run short.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call } from '../../simulator/sim-client';
import { useStack } from '../../support/stack';

const REALM = 'vaultwarden.selfhosted.test';
const VW = { apiBaseUrl: `https://${REALM}/api`, identityBaseUrl: `https://${REALM}/identity` };
const PERIOD = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stack = useStack({ env: { VAULTWARDEN_LOGIN_BURST: '10', VAULTWARDEN_LOGIN_PERIOD_SECONDS: String(PERIOD) } });

test('Vaultwarden: after a 429 and its pause, one call per period (no second 429), the rest our 503 with Retry-After', { timeout: 120_000 }, async () => {
  const { sim, api } = stack;
  sim.setRealmLimits(REALM, { enabled: false });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const org = sim.createOrg({ realm: REALM });
    const r = await api.call('POST', '/v1/accounts', { ownerId: `vw-${i}`, ...VW, clientId: org.clientId, clientSecret: org.clientSecret });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.id);
  }
  sim.setRealmLimits(REALM, { enabled: true, loginBurst: 10, loginPeriodSeconds: PERIOD });
  // Another login client on our egress IP empties the server's bucket.
  const form = { grant_type: 'client_credentials', scope: 'api.organization', client_id: 'organization.00000000-0000-4000-8000-000000000000', client_secret: 'x', device_identifier: 'd', device_name: 'n', device_type: '21' };
  let external = 0;
  for (;;) {
    const r = await call(sim, { host: REALM, path: '/identity/connect/token', form });
    external++;
    if (r.status === 429) break;
  }
  const mark = sim.counters().tokenLog.length;
  const first = await api.call('POST', `/v1/accounts/${ids[0]}/verify`, {});
  console.log(`# after ${external} external logins: verify ${first.status} Retry-After ${first.headers.get('retry-after')}`);
  await sleep(Number(first.headers.get('retry-after') ?? PERIOD) * 1000 + 300);
  const herd = await Promise.all(ids.slice(1).map((id) => api.call('POST', `/v1/accounts/${id}/verify`, {})));
  const ours = sim.counters().tokenLog.slice(mark);
  const refused = ours.filter((e) => e.status === 429).length;
  console.log(`# herd after the pause: ${herd.map((r) => `${r.status}/${r.headers.get('retry-after') ?? '-'}`).join(', ')}; our token requests: ${ours.map((e) => e.status).join(',')}`);
  assert.ok(refused <= 1, `${refused} of our token requests were answered 429 (only the first, which found the bucket spent by others, may be)`);
});
