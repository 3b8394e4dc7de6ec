// Worker throughput: background checks per second over a backlog of due accounts, at the default
// WORKER_CONCURRENCY and at 64, against the simulator's own rate for bare exchanges.
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { SimOrg } from '@app/simulator';
import { CA_FILE, rssMb, sleep, waitFor } from '../../test/support/procs';
import { BenchContext } from '../context';
import { log } from '../lib/log';
import { seedAccounts } from '../lib/seed';
import { closedLoop } from '../lib/stats';
import { countChecked } from '../lib/worker-sampling';
import { f2, ScenarioResult } from '../scenario';

async function throughputWindow(ctx: BenchContext, n: number, over: Record<string, string>, maxSeconds: number): Promise<{ rate: number; done: number; rss: number | null }> {
  const { pg } = ctx;
  await ctx.redis.flushdb();
  await pg.query(`UPDATE accounts SET next_check_at = now() - interval '1 second', last_checked_at = NULL`);
  const t0 = new Date(Date.now() - 1000);
  const w = await ctx.worker(over);
  try {
    // Skip the first seconds (boot, first sweep), then measure until done or out of time.
    await waitFor(async () => (await countChecked(pg, t0)) > Math.min(200, n / 10), 30_000, 'first checks');
    const s0 = { t: Date.now(), c: await countChecked(pg, t0) };
    let s1 = s0;
    const end = Date.now() + maxSeconds * 1000;
    while (Date.now() < end) {
      await sleep(1000);
      s1 = { t: Date.now(), c: await countChecked(pg, t0) };
      if (s1.c >= n * 0.95) break;
    }
    const rss = rssMb(w.pid);
    return { rate: (s1.c - s0.c) / ((s1.t - s0.t) / 1000), done: s1.c, rss };
  } finally {
    await w.stop();
  }
}

export async function workerThroughput(ctx: BenchContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const n = quick ? 5000 : 10_000;
  log(`worker throughput: ${n} due accounts, unlimited simulator`);
  const { sim } = ctx;
  await ctx.resetStores();
  const orgs = await Promise.all(Array.from({ length: 100 }, () => sim.createOrg()));
  await seedAccounts(ctx.pg, ctx.box, { count: n, orgs, place: (i) => ({ owner: `bench-w-${Math.floor(i / 100)}`, org: i % 100 }), due: true, keyId: 't1' });
  // Baseline: the simulator's own exchange rate for a bare client at the worker's concurrency.
  const poolSim = new Pool(sim.base, { connections: 16, connect: { ca: readFileSync(CA_FILE), servername: 'identity.bitwarden.com' } });
  const form = (o: SimOrg) => new URLSearchParams({ grant_type: 'client_credentials', scope: 'api.organization', client_id: o.clientId, client_secret: o.clientSecret }).toString();
  const bare = await closedLoop(poolSim, { method: 'POST', path: '/connect/token', headers: { host: 'identity.bitwarden.com', 'content-type': 'application/x-www-form-urlencoded' }, body: form(orgs[0]!) }, 16, 3000).finally(() => poolSim.close());
  const d = await throughputWindow(ctx, n, {}, quick ? 10 : 15);
  const c64 = await throughputWindow(ctx, n, { WORKER_CONCURRENCY: '64' }, quick ? 10 : 15);
  return {
    rows: [
      {
        scenario: `worker: background checks/s, ${n} due, one worker, WORKER_CONCURRENCY 16 (default)`,
        measured: `${Math.round(d.rate)} checks/s (RSS ${d.rss?.toFixed(0)} MB)`,
        baseline: `bare exchanges against the simulator at concurrency 16: ${Math.round(bare.rps)}/s`,
        ratio: f2(d.rate / bare.rps),
        target: '≥ 500 checks/s',
        ok: d.rate >= 500,
      },
      {
        scenario: `worker: background checks/s, ${n} due, one worker, WORKER_CONCURRENCY 64`,
        measured: `${Math.round(c64.rate)} checks/s (RSS ${c64.rss?.toFixed(0)} MB)`,
        baseline: `bare exchanges at concurrency 16: ${Math.round(bare.rps)}/s`,
        ratio: f2(c64.rate / bare.rps),
        target: '≥ 500 checks/s',
        ok: c64.rate >= 500,
      },
    ],
    notes: [],
  };
}
