// Pacing against the server's count, not ours: the 1 s rule's margin (1.25 s) is measured when a slot is taken, but
// the server counts a request when it arrives, and a new connection costs ~2 round trips (TCP + TLS) more than a
// kept-alive one (~300 ms at an RTT of 150 ms, a hub in Asia calling the US cloud). A TCP relay that holds each NEW
// connection for CONNECT_DELAY_MS models it: five verifies at t=0 open five new connections (arriving at ~350 ms)
// and a sixth slot comes at ~1.25 s on a kept-alive socket. Each slot's log entry is stamped again once its call is
// answered (IdentityBudget.settle), so the sixth waits for the server's window, not ours.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { SIM_HOSTS } from '../../support/env';
import { deleteRedisKeysMatching } from '../../support/fixtures';
import { Api, startApi, US, useStack } from '../../support/stack';

const CONNECT_DELAY_MS = Number(process.env.CONNECT_DELAY_MS ?? 350);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let relay: net.Server | null = null;
const stack = useStack({ api: false, teardown: () => new Promise<void>((r) => (relay ? relay.close(() => r()) : r())) });

function startRelay(targetPort: number): Promise<number> {
  relay = net.createServer((c) => {
    c.pause();
    c.on('error', () => undefined);
    setTimeout(() => {
      const u = net.connect(targetPort, '127.0.0.1', () => {
        c.pipe(u);
        u.pipe(c);
        c.resume();
      });
      u.on('error', () => c.destroy());
      c.on('close', () => u.destroy());
      u.on('close', () => c.destroy());
    }, CONNECT_DELAY_MS);
  });
  return new Promise((r) => relay!.listen(0, '127.0.0.1', () => r((relay!.address() as net.AddressInfo).port)));
}

test(`cloud 5/1s rule: new connections ${CONNECT_DELAY_MS} ms slower than kept-alive ones do not trip the server's 1 s window`, { timeout: 120_000 }, async () => {
  const { sim } = stack;
  const relayPort = await startRelay(sim.port);
  const connectTo = SIM_HOSTS.map((h) => (h === 'identity.bitwarden.com' ? `${h}:443:127.0.0.1:${relayPort}` : `${h}:443:127.0.0.1:${sim.port}`)).join(',');
  const api: Api = await startApi(sim.port, {
    OUTBOUND_CONNECT_TO: connectTo,
    IDENTITY_RATE_LIMIT_PER_MINUTE: '10',
    IDENTITY_RATE_LIMIT_PER_SECOND: '5',
  });
  try {
    // Six accounts linked with the simulator's limits still off.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const org = sim.createOrg({ realm: 'us' });
      const r = await api.call('POST', '/v1/accounts', { ownerId: `jitter-${i}`, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    // A fresh minute on our side (the budget's keys gone), the kept-alive sockets closed (idle 5 s), then the real
    // cloud limits on.
    await deleteRedisKeysMatching('*budget:*');
    await sleep(6_000);
    sim.setRealmLimits('us', { enabled: true });
    sim.resetCounters();
    const t0 = Date.now();
    const results = await Promise.all(ids.map((id) => api.call('POST', `/v1/accounts/${id}/verify`, {})));
    const c = sim.counters();
    const log = c.tokenLog.map((e) => `${e.at - t0} ms → ${e.status}`);
    console.log(`# verifies: ${results.map((r) => r.status).join(',')}; simulator saw: ${log.join('; ')}`);
    assert.equal(c.byRealm.us?.tooManyRequests ?? 0, 0, `the simulated cloud answered 429: ${log.join('; ')}`);
  } finally {
    await api.close();
  }
});
