// A link under proxied read load: it exchanges the key (one identity slot of 10 a minute on the cloud) and probes
// the API (one read slot). The probe's read slot is taken first, and ahead of the accounts' proxied reads taking
// turns: a link that cannot get one in time answers 503 before spending an identity slot, and one arriving as a slot
// frees takes it before the waiting sync jobs do. Scaled down: 6 reads a minute, 8 accounts polling through the proxy
// (the window fills at once, then frees 61 s later).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteRedisKeysMatching } from '../support/fixtures';
import { startApi, US, useStack } from '../support/stack';
import { linkAccount, proxyPath, raw, sleep } from '../e2e/proxy/proxy-helpers';

const stack = useStack({});

test('under proxied read load: a link refused for want of a read slot spends no identity slot; one arriving as slots free gets in first', { timeout: 180_000 }, async () => {
  const { sim, api } = stack;
  const accounts = [];
  for (let i = 0; i < 8; i++) accounts.push(await linkAccount(sim, api));
  await deleteRedisKeysMatching('*budget:*');
  const slow = await startApi(sim.port, { API_RATE_LIMIT_READS_PER_MINUTE: '6', PROXY_BUDGET_WAIT_MS: '70000' });
  let stop = false;
  const pollers: Array<Promise<void>> = [];
  const exchangesOf = (clientId: string) => sim.counters().tokenLog.filter((e) => e.clientId === clientId).length;
  try {
    let firstAnswered = 0;
    for (const a of accounts) {
      pollers.push(
        (async () => {
          while (!stop) {
            const r = await raw(slow, 'GET', proxyPath(a.id, 'public/groups'));
            if (r.status === 200 && !firstAnswered) firstAnswered = Date.now();
          }
        })(),
      );
    }
    await sleep(1_500);
    const org = sim.createOrg({ realm: 'us' });
    const link = () => slow.call('POST', '/v1/accounts', { ownerId: 'probe-slot', ...US, clientId: org.clientId, clientSecret: org.clientSecret });
    const refused = await link();
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'provider_rate_limited');
    assert.equal(exchangesOf(org.clientId), 0, 'refused before its exchange: no identity slot spent');
    // The window's first entry was stamped by the time the first proxied answer came, so a slot frees within 61 s of
    // it; eight sync jobs wait for it, and the link (which waits up to 5 s) arrives 4 s before.
    assert.ok(firstAnswered > 0, 'the sync jobs got their first answers');
    await sleep(firstAnswered + 57_000 - Date.now());
    const linked = await link();
    console.log(`# link as the window frees: ${linked.status} ${Date.now() - firstAnswered} ms after the first proxied answer; exchanges ${exchangesOf(org.clientId)}`);
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    assert.equal(exchangesOf(org.clientId), 1);
  } finally {
    stop = true;
    await Promise.race([Promise.all(pollers), sleep(15_000)]);
    await slow.close();
  }
});
