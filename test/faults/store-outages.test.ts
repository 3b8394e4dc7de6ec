// Every route class while Redis or Postgres is hung (SIGSTOP: connections stay open, nothing answers) or down:
// each answers within the bound (503 `unavailable` where it needs the store), nothing is half-written, and every
// route works again on its own once the store is back. Answer times are printed for docs/RELIABILITY.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiProc, FaultStack, sleep, waitFor } from './support/fault-stack';
import { assertAnswers, assertNothingHalfWritten, describeProbes, fixture, POSTGRES_OUTAGE, Probe, probeAll, recoveredAfter, REDIS_OUTAGE, RouteClass } from './support/route-probes';

let s: FaultStack;
let api: ApiProc;

before(async () => {
  s = await FaultStack.start();
  api = await s.api();
});
after(async () => {
  // A failed assertion must not leave a store frozen for the teardown.
  try {
    s?.redis.resume();
  } catch {
    /* not paused or not running */
  }
  await s?.close();
});


const outage = (what: string, probes: Record<RouteClass, Probe>, recoveredMs: number) => {
  console.log(describeProbes(what, probes));
  console.log(`# ${what}, then back: every route works again after ${recoveredMs} ms`);
};

test('Redis hung (SIGSTOP): every route answers within the bound, DELETE 204, then all work again after SIGCONT', async (t) => {
  const f = await fixture(s, api, 'redis-hung');
  s.redis.pause();
  let probes;
  try {
    probes = await probeAll(s, api, f);
  } finally {
    s.redis.resume();
  }
  await assertNothingHalfWritten(s, f, probes);
  const recovered = await recoveredAfter(s, api, f);
  outage('Redis hung', probes, recovered);
  await assertAnswers(t, probes, REDIS_OUTAGE);
  // A lock SET that timed out during the hang ran once Redis answered; it must not block the token path for its TTL.
  assert.ok(recovered < 5_000, `routes recovered after ${recovered} ms`);
});

test('Redis down (SIGKILL): every route answers within the bound, DELETE 204, then all work again after a restart', async (t) => {
  const f = await fixture(s, api, 'redis-down');
  await s.redis.kill();
  let probes;
  try {
    probes = await probeAll(s, api, f);
  } finally {
    await s.redis.start();
  }
  await assertNothingHalfWritten(s, f, probes);
  outage('Redis down', probes, await recoveredAfter(s, api, f));
  await assertAnswers(t, probes, REDIS_OUTAGE);
});

test('Postgres hung (SIGSTOP postmaster and backends): every route 503 within the bound, then all work again after SIGCONT', async (t) => {
  const f = await fixture(s, api, 'pg-hung');
  s.pg.pause();
  let probes;
  try {
    probes = await probeAll(s, api, f);
  } finally {
    s.pg.resume();
  }
  // Calls the API gave up on may still commit once the backends run again: let them land before looking.
  await waitFor(async () => (await s.sql('SELECT 1 AS ok'))[0].ok === 1, 10_000, 'Postgres to answer again');
  await sleep(1000);
  await assertNothingHalfWritten(s, f, probes);
  outage('Postgres hung', probes, await recoveredAfter(s, api, f));
  await assertAnswers(t, probes, POSTGRES_OUTAGE);
});

test('Postgres stopped: every route 503 within the bound, then all work again after a restart', async (t) => {
  const f = await fixture(s, api, 'pg-down');
  await s.pg.stop('immediate');
  let probes;
  try {
    probes = await probeAll(s, api, f);
  } finally {
    await s.pg.start();
  }
  await assertNothingHalfWritten(s, f, probes);
  outage('Postgres down', probes, await recoveredAfter(s, api, f));
  await assertAnswers(t, probes, POSTGRES_OUTAGE);
});
