// Links behind a backlog: 5,000 accounts due on one cloud identity host, the service at its default budget
// (10 exchanges a minute, 5 a second), the simulator's real cloud limits on, one worker working the backlog, and
// links arriving at 2 a minute. A link must not wait behind background work (its interactive reserve), and the
// simulator must never answer 429.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { CA_FILE, Proc, sleep, startApiProc, waitFor } from '../../test/support/procs';
import { AUTH, BenchContext, US } from '../context';
import { log } from '../lib/log';
import { seedAccounts } from '../lib/seed';
import { pct } from '../lib/stats';
import { f1, f2, ScenarioResult } from '../scenario';

/** The service's default pacing (the bench's shared API and workers lift it so it is not what they measure). */
const DEFAULT_PACING = {
  IDENTITY_RATE_LIMIT_PER_MINUTE: '10',
  IDENTITY_RATE_LIMIT_PER_SECOND: '5',
  API_RATE_LIMIT_READS_PER_MINUTE: '200',
  API_RATE_LIMIT_WRITES_PER_MINUTE: '60',
  LINK_RATE_LIMIT_PER_MINUTE: '20',
};
const REAL_CLOUD_LIMITS = { enabled: true, tokenPerMinute: 10, tokenPerSecond: 5, apiReadsPerMinute: 200, apiWritesPerMinute: 60, apiWritesPerSecond: 5 };

/** bwc_check_lag_seconds as the worker's /metrics serves it (null when it does not). */
async function lagGauge(healthUrl: string): Promise<number | null> {
  const res = await request(`${healthUrl}/metrics`);
  const text = await res.body.text();
  const m = /^bwc_check_lag_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return res.statusCode === 200 && m ? Number(m[1]) : null;
}

/** The bench's SimHttp has no limits call: the same control route, sent directly. */
async function setRealmLimits(simBase: string, realm: string, limits: Record<string, unknown>): Promise<void> {
  const dispatcher = new Agent({ connect: { ca: readFileSync(CA_FILE) } });
  try {
    const res = await request(`${simBase}/__sim/realms/${realm}/limits`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify(limits) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`sim limits ${realm}: ${res.statusCode} ${text}`);
  } finally {
    await dispatcher.close();
  }
}

export async function backlogLinks(ctx: BenchContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const n = 5000;
  // 2 links a minute; quick runs a minute and a half of it (3 links), a full run four minutes (8 links).
  const links = quick ? 3 : 8;
  const everyMs = 30_000;
  log(`backlog links: ${n} due on identity.bitwarden.com, default budget, real cloud limits, ${links} links ${everyMs / 1000} s apart`);
  const { sim, pg } = ctx;
  await ctx.resetStores();
  const orgs = await Promise.all(Array.from({ length: 100 }, () => sim.createOrg()));
  await seedAccounts(pg, ctx.box, { count: n, orgs, place: (i) => ({ owner: `bench-bl-${Math.floor(i / 100)}`, org: i % 100 }), due: true, keyId: 't1' });
  const dueAt = Number((await pg.query(`SELECT extract(epoch FROM min(next_check_at)) * 1000 AS t FROM accounts`)).rows[0].t);
  const linkOrgs = await Promise.all(Array.from({ length: links }, () => sim.createOrg()));
  await setRealmLimits(sim.base, 'us', REAL_CLOUD_LIMITS);
  await sim.resetCounters();
  const api = await startApiProc(ctx.env(DEFAULT_PACING), undefined, 'api-default-pacing');
  const latencies: number[] = [];
  const statuses: number[] = [];
  const lag: Array<{ rowsLagS: number; unchecked: number; gaugeS: number | null }> = [];
  let checkedAtStart = 0;
  let checkedAtEnd = 0;
  let spanMs = 0;
  try {
    const w = (await ctx.worker(DEFAULT_PACING)) as Proc & { healthUrl: string };
    try {
      // Let the backlog take its share of the host's minute first, so every link meets a full background window.
      await waitFor(async () => Number((await pg.query(`SELECT count(*) FROM accounts WHERE last_checked_at IS NOT NULL`)).rows[0].count) >= 8, 60_000, 'the worker to use its budget');
      await sleep(5000);
      const started = Date.now();
      checkedAtStart = Number((await pg.query(`SELECT count(*) FROM accounts WHERE last_checked_at IS NOT NULL`)).rows[0].count);
      for (let i = 0; i < links; i++) {
        await sleep(Math.max(0, started + i * everyMs - Date.now()));
        const org = linkOrgs[i]!;
        const t = performance.now();
        const res = await request(`${api.url}/v1/accounts`, {
          method: 'POST',
          headers: { ...AUTH, 'content-type': 'application/json' },
          body: JSON.stringify({ ownerId: `bench-bl-link-${i}`, ...US, clientId: org.clientId, clientSecret: org.clientSecret }),
        });
        await res.body.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses.push(res.statusCode);
        // What the rows say about the backlog: the seeded rows not yet checked, and how long ago they fell due.
        const r = (await pg.query(`SELECT count(*) AS n FROM accounts WHERE last_checked_at IS NULL`)).rows[0];
        const gaugeS = await lagGauge(w.healthUrl);
        lag.push({ unchecked: Number(r.n), rowsLagS: (Date.now() - dueAt) / 1000, gaugeS });
        log(`link ${i + 1}/${links}: ${res.statusCode} in ${f1(latencies[latencies.length - 1]!)} ms; ${r.n} seeded rows still unchecked, due ${f1(lag[lag.length - 1]!.rowsLagS)} s ago; bwc_check_lag_seconds ${gaugeS}`);
      }
      await sleep(2000);
      spanMs = Date.now() - started;
      checkedAtEnd = Number((await pg.query(`SELECT count(*) FROM accounts WHERE last_checked_at IS NOT NULL AND owner_id LIKE 'bench-bl-%' AND owner_id NOT LIKE 'bench-bl-link-%'`)).rows[0].count);
    } finally {
      await w.stop();
    }
  } finally {
    await api.stop(10_000);
    await setRealmLimits(sim.base, 'us', { enabled: false });
  }
  const c = await sim.counters();
  const tooMany = c.byRealm.us?.tooManyRequests ?? 0;
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = pct(sorted, 50);
  const p99 = pct(sorted, 99);
  const created = statuses.filter((s) => s === 201).length;
  const checksPerMin = ((checkedAtEnd - checkedAtStart) / spanMs) * 60_000;
  const lastLag = lag[lag.length - 1]!;
  // The gauge is sampled every few seconds: within 10 % (or 10 s) of the rows counts as matching.
  const lagMatches = lag.every((l) => l.gaugeS !== null && Math.abs(l.gaugeS - l.rowsLagS) <= Math.max(10, l.rowsLagS * 0.1));
  const drainHours = lastLag.unchecked / Math.max(checksPerMin, 1e-9) / 60;
  return {
    rows: [
      {
        scenario: `links behind a backlog: ${n.toLocaleString('en')} due on one cloud host, default budget (10/min, 5/s), real cloud limits on, ${links} links 30 s apart${quick ? ' (quick: 1.5 min)' : ' (4 min)'}`,
        measured: `link p50 ${f1(p50)} ms, p99 ${f1(p99)} ms (max of ${links}); ${created}/${links} answered 201 (${statuses.join(',')}); simulator 429s: ${tooMany}; lag at the last link: gauge ${lastLag.gaugeS === null ? 'absent' : f1(lastLag.gaugeS)} s, rows ${f1(lastLag.rowsLagS)} s`,
        baseline: `backlog drained at ${f1(checksPerMin)} checks/min meanwhile (budget 10/min, background cap 8)`,
        ratio: f2(p99 / 2000),
        target: 'p99 ≤ 2 s, every link 201, 0 429s, gauge within 10 % of the rows',
        ok: p99 <= 2000 && created === links && tooMany === 0 && lagMatches,
      },
    ],
    notes: [
      `backlog-links: bwc_check_lag_seconds (worker /metrics) against the rows at each link: ` +
        lag.map((l) => `gauge ${l.gaugeS === null ? 'absent' : f1(l.gaugeS)} s vs rows ${f1(l.rowsLagS)} s (${l.unchecked.toLocaleString('en')} unchecked)`).join('; ') +
        `. At ${f1(checksPerMin)} checks/min the ${lastLag.unchecked.toLocaleString('en')} unchecked rows need about ${f1(drainHours)} h.`,
    ],
  };
}
