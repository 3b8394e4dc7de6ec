// /metrics labels calls to Bitwarden by host class, never by a tenant's host: linking organizations on many
// distinct self-hosted servers adds no `bwc_` series, and no host name ever appears in the exposition.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, resetStores, startApi, startSim } from '../support/stack';
import { connectTo } from './e2e-helpers';

/** Distinct self-hosted servers; the simulator serves each as its own realm (realm = host name). */
const HOSTS = Array.from({ length: 13 }, (_, i) => `card-${i}.selfhosted.test`);

let sim: SimulatorHandle;
let api: Api;

before(async () => {
  await resetStores();
  sim = await startSim();
  api = await startApi(sim.port, { OUTBOUND_CONNECT_TO: connectTo(sim.port, HOSTS.map((h) => `${h}:443:127.0.0.1:${sim.port}`)) });
});
after(async () => {
  await api?.close();
  await sim?.close();
  await resetStores();
});

async function exposition(): Promise<string> {
  const res = await fetch(`${api.url}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

/** The `bwc_` series (one sample line each: a histogram counts every bucket), by name and labels. */
const bwcSeries = (text: string) => text.split('\n').filter((l) => l.startsWith('bwc_')).map((l) => l.slice(0, l.lastIndexOf(' ')));

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
const OK_SELF_HOSTED = 'bwc_token_exchanges_total{host_class="self-hosted",outcome="ok"}';

/** What traffic for one host does: a link, the Test button, a token call, and a link with a wrong secret. */
async function traffic(host: string, i: number): Promise<void> {
  const urls = { apiBaseUrl: `https://${host}/api`, identityBaseUrl: `https://${host}/identity` };
  const org = sim.createOrg({ realm: host });
  const linked = await api.call('POST', '/v1/accounts', { ownerId: `cardinality-${i}`, ...urls, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201, `${host}: ${JSON.stringify(linked.body)}`);
  assert.equal((await api.call('POST', `/v1/accounts/${linked.body.id}/verify`)).status, 200);
  assert.equal((await api.call('POST', `/v1/accounts/${linked.body.id}/token`, {})).status, 200);
  const wrong = await api.call('POST', '/v1/accounts', { ownerId: `cardinality-${i}-wrong`, ...urls, clientId: org.clientId, clientSecret: 'W'.repeat(30) });
  assert.equal(wrong.status, 422, `${host}: ${JSON.stringify(wrong.body)}`);
}

test(`the bwc_ series stay the same over ${HOSTS.length} distinct self-hosted hosts, and no host name appears`, async () => {
  // The first host creates every series self-hosted traffic can create; the others must add none.
  await traffic(HOSTS[0], 0);
  const base = await exposition();
  const baseSeries = bwcSeries(base);
  assert.ok(baseSeries.length > 0, 'the API exposes bwc_ series');
  assert.ok(sample(base, OK_SELF_HOSTED) >= 2, `${OK_SELF_HOSTED} counted the first host's exchanges`);

  for (let i = 1; i < HOSTS.length; i++) await traffic(HOSTS[i], i);
  const end = await exposition();
  const endSeries = bwcSeries(end);
  console.log(`# metrics cardinality: ${baseSeries.length} bwc_ series after 1 host, ${endSeries.length} after ${HOSTS.length}`);
  // The traffic was really counted (a registry that records nothing would keep its series constant too).
  assert.ok(sample(end, OK_SELF_HOSTED) >= sample(base, OK_SELF_HOSTED) + 2 * (HOSTS.length - 1), 'every exchange was counted');
  assert.deepEqual(endSeries.filter((x) => !baseSeries.includes(x)), [], 'new series');
  assert.equal(endSeries.length, baseSeries.length);
  for (const h of HOSTS) assert.ok(!end.includes(h), `${h} appears in /metrics`);
  assert.ok(!/selfhosted\.test|card-\d/.test(end), 'no tenant host name in /metrics');
});
