// Every real limit of the simulated servers switched on, and the service at its own default pacing: a burst of
// links (40 cloud accounts over us and eu, 12 on one Vaultwarden host), repeated verifies, proxied GETs and a
// worker checking every 20 s. No simulated server may ever answer 429: what cannot be sent now is our own 503
// with a Retry-After, and coming back after it usually works.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SimOrg } from '@app/simulator';
import { ApiProc, CallResult, FaultStack, sleep, US } from './support/fault-stack';

const EU = { apiBaseUrl: 'https://api.bitwarden.eu', identityBaseUrl: 'https://identity.bitwarden.eu' };
const VW_REALM = 'vaultwarden.selfhosted.test';
const VW = { apiBaseUrl: `https://${VW_REALM}/api`, identityBaseUrl: `https://${VW_REALM}/identity` };
/** Vaultwarden's real period is 60 s; both sides use 3 s so the run fits in minutes (burst stays 10). */
const VW_PERIOD_SECONDS = 3;
const PER_CLOUD_REALM = 20;
const VW_ACCOUNTS = 12;
/** How long the verify rounds go on once every account is linked. */
const VERIFY_PHASE_MS = 30_000;
/** Links must all succeed by then: 20 per cloud host at 10 a minute need at least two windows. */
const LINK_DEADLINE_MS = 150_000;

// The service's own defaults for every pacing rule: the fault stack (and baseEnv) lift them for other tests.
const REAL_PACING = {
  IDENTITY_RATE_LIMIT_PER_MINUTE: '10',
  IDENTITY_RATE_LIMIT_PER_SECOND: '5',
  SELF_HOSTED_IDENTITY_RATE_LIMIT_PER_MINUTE: '60',
  VAULTWARDEN_LOGIN_BURST: '10',
  VAULTWARDEN_LOGIN_PERIOD_SECONDS: String(VW_PERIOD_SECONDS),
  API_RATE_LIMIT_READS_PER_MINUTE: '200',
  API_RATE_LIMIT_WRITES_PER_MINUTE: '60',
  LINK_RATE_LIMIT_PER_MINUTE: '20',
  OUTBOUND_TIMEOUT_MS: '10000',
  WORKER_LOCK_MS: '30000',
  SWEEP_INTERVAL_MS: '2000',
  ACCOUNT_CHECK_INTERVAL_SECONDS: '20',
};

let s: FaultStack;
let api: ApiProc;

before(async () => {
  s = await FaultStack.start();
  for (const realm of ['us', 'eu']) {
    s.sim.setRealmLimits(realm, { enabled: true, tokenPerMinute: 10, tokenPerSecond: 5, apiReadsPerMinute: 200, apiWritesPerMinute: 60, apiWritesPerSecond: 5 });
  }
  s.sim.setRealmLimits(VW_REALM, { enabled: true, loginBurst: 10, loginPeriodSeconds: VW_PERIOD_SECONDS });
  api = await s.api(REAL_PACING);
  await s.worker(REAL_PACING);
});
after(() => s?.close());

interface Tally {
  ok: number;
  refused: number;
  /** 503s without a usable Retry-After, or any answer that is neither success nor our 503. */
  wrong: string[];
  /** Calls made after waiting out a Retry-After, and how many of them went through. */
  retries: number;
  retriesOk: number;
  /** Retries refused again: what, the Retry-After waited out, and the new one. */
  refusedAgain: string[];
}

const tally = (): Tally => ({ ok: 0, refused: 0, wrong: [], retries: 0, retriesOk: 0, refusedAgain: [] });

/**
 * Calls until it succeeds, waiting out each Retry-After as a well-behaved hub would; gives up (null) when the next
 * try would fall after `deadline`.
 */
async function untilOk(t: Tally, what: string, call: () => Promise<CallResult>, deadline: number): Promise<CallResult | null> {
  let waited: number | null = null;
  for (;;) {
    const r = await call();
    const ok = r.status === 200 || r.status === 201;
    if (waited !== null) {
      t.retries++;
      if (ok) t.retriesOk++;
      else t.refusedAgain.push(`${what}: waited ${waited} s, then ${r.status} Retry-After ${r.headers.get('retry-after')} after ${Math.round(r.ms)} ms`);
    }
    if (ok) {
      t.ok++;
      return r;
    }
    const retryAfter = Number(r.headers.get('retry-after'));
    if (r.status !== 503 || r.body?.error?.code !== 'provider_rate_limited' || !Number.isInteger(retryAfter) || retryAfter < 1) {
      t.wrong.push(`${what}: ${r.status} ${r.headers.get('retry-after')} ${JSON.stringify(r.body)}`);
      return null;
    }
    t.refused++;
    if (Date.now() + retryAfter * 1000 > deadline) return null;
    await sleep(retryAfter * 1000);
    waited = retryAfter;
  }
}

test('real limits on everywhere: links, verifies, proxied GETs and the worker cause no 429; every refusal is our 503 with a truthful Retry-After', async () => {
  const t0 = Date.now();
  s.sim.resetCounters();
  const links = tally();
  const verifies = tally();
  const gets = tally();
  const plan: Array<{ urls: typeof US; org: SimOrg; owner: string; cloud: boolean }> = [];
  for (let i = 0; i < PER_CLOUD_REALM; i++) {
    plan.push({ urls: US, org: s.sim.createOrg({ realm: 'us' }), owner: `limits-us-${i}`, cloud: true });
    plan.push({ urls: EU, org: s.sim.createOrg({ realm: 'eu' }), owner: `limits-eu-${i}`, cloud: true });
  }
  for (let i = 0; i < VW_ACCOUNTS; i++) plan.push({ urls: VW, org: s.sim.createOrg({ realm: VW_REALM }), owner: `limits-vw-${i}`, cloud: false });

  // All at once: each link is retried after its Retry-After until it is in.
  const linked = await Promise.all(
    plan.map(async (p) => {
      const body = { ownerId: p.owner, ...p.urls, clientId: p.org.clientId, clientSecret: p.org.clientSecret };
      const r = await untilOk(links, `link ${p.owner}`, () => s.call(api, 'POST', '/v1/accounts', body), t0 + LINK_DEADLINE_MS);
      return r ? { ...p, id: r.body.id as string, at: Date.now() - t0 } : null;
    }),
  );
  const linkedMs = Date.now() - t0;
  const accounts = linked.filter((a): a is NonNullable<typeof a> => a !== null);

  // Then every account verifies again and again (the Test button), and cloud accounts make a few proxied reads.
  const verifyUntil = Date.now() + VERIFY_PHASE_MS;
  let verifyRounds = 0;
  await Promise.all(
    accounts.map(async (a) => {
      let reads = a.cloud ? 3 : 0;
      while (Date.now() < verifyUntil) {
        const v = await untilOk(verifies, `verify ${a.owner}`, () => s.call(api, 'POST', `/v1/accounts/${a.id}/verify`, {}), verifyUntil);
        if (v) {
          verifyRounds++;
          assert.ok(['active', 'degraded'].includes(v.body.status), `verify ${a.owner}: ${JSON.stringify(v.body)}`);
        }
        if (reads-- > 0) await untilOk(gets, `GET ${a.owner}`, () => s.call(api, 'GET', `/v1/accounts/${a.id}/bitwarden/public/members`), verifyUntil);
        await sleep(2000 + Math.random() * 3000);
      }
    }),
  );

  // A lone caller, with no herd waiting for the same slot: it spends the Vaultwarden host's budget, is refused, waits
  // out the Retry-After once and must then get through (the worker's checks keep running meanwhile).
  const lone = accounts.find((a) => !a.cloud)!;
  const loneRetries: string[] = [];
  for (let i = 0; i < 3; i++) {
    let r: CallResult;
    let n = 0;
    do r = await s.call(api, 'POST', `/v1/accounts/${lone.id}/verify`, {});
    while (r.status === 200 && ++n < 40);
    assert.equal(r.status, 503, `the lone caller was never refused: ${JSON.stringify(r.body)}`);
    const retryAfter = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, String(r.headers.get('retry-after')));
    await sleep(retryAfter * 1000);
    const again = await s.call(api, 'POST', `/v1/accounts/${lone.id}/verify`, {});
    loneRetries.push(`${retryAfter} s → ${again.status}`);
  }

  const c = s.sim.counters();
  const realm = (r: string) => c.byRealm[r] ?? { tokenRequests: 0, tokenSuccesses: 0, apiRequests: 0, tooManyRequests: 0 };
  const tookS = ((Date.now() - t0) / 1000).toFixed(0);
  const exchanges = ['us', 'eu', VW_REALM].map((r) => `${r} ${realm(r).tokenSuccesses}/${realm(r).tokenRequests} (429: ${realm(r).tooManyRequests}, API calls ${realm(r).apiRequests})`);
  const worker = c.tokenSuccesses - links.ok - verifies.ok;
  const pct = (x: Tally) => (x.retries ? `${((100 * x.retriesOk) / x.retries).toFixed(0)} %` : 'n/a');
  console.log(`# ${accounts.length}/${plan.length} linked in ${(linkedMs / 1000).toFixed(1)} s; last link at ${Math.max(...accounts.map((a) => a.at)) / 1000} s`);
  console.log(`# links: ${links.ok} ok, ${links.refused} of our 503s, ${links.retries} retries after Retry-After (${pct(links)} went through)`);
  console.log(`# verifies: ${verifies.ok} ok (${verifyRounds} rounds), ${verifies.refused} of our 503s, ${verifies.retries} retries (${pct(verifies)} went through)`);
  console.log(`# proxied GETs: ${gets.ok} ok, ${gets.refused} of our 503s`);
  console.log(`# exchanges ok/sent per realm: ${exchanges.join('; ')}; worker exchanges ≈ ${worker}; run ${tookS} s`);

  console.log(`# lone caller on Vaultwarden, Retry-After waited out: ${loneRetries.join(', ')}`);
  console.log(`# first refusals after waiting: ${[...links.refusedAgain, ...verifies.refusedAgain].slice(0, 8).join('; ')}`);
  for (const r of ['us', 'eu', VW_REALM]) assert.equal(realm(r).tooManyRequests, 0, `429s from ${r}`);
  assert.equal(c.tooManyRequests, 0);
  assert.deepEqual([...links.wrong, ...verifies.wrong, ...gets.wrong], [], 'answers that were neither success nor our 503 with Retry-After');
  assert.equal(accounts.length, plan.length, 'every account linked before the deadline');
  // The limits were really reached (else the run proves nothing) and the worker really checked.
  assert.ok(links.refused >= PER_CLOUD_REALM, `only ${links.refused} links refused`);
  assert.ok(verifies.refused > 0, 'no verify was refused');
  assert.ok(worker > 0, 'the worker made no exchange');
  assert.ok(realm('us').tokenSuccesses >= PER_CLOUD_REALM && realm('eu').tokenSuccesses >= PER_CLOUD_REALM, exchanges.join('; '));
  // Truthful: waiting out the Retry-After usually is enough. Not for a herd of verifies all told the same time for
  // one Vaultwarden slot every period (one of them wins), so links, where each waiter had a slot coming, and the
  // lone caller are what is asserted.
  assert.ok(links.retries > 0 && links.retriesOk / links.retries >= 0.5, `${links.retriesOk} of ${links.retries} link retries after Retry-After went through`);
  assert.ok(loneRetries.filter((x) => x.endsWith('→ 200')).length >= 2, `lone caller: ${loneRetries.join(', ')}`);
  await s.assertConsistent();
});
