// Identity budget: with IDENTITY_RATE_LIMIT_PER_MINUTE 10 and 300 accounts due, the worker must never send more
// than 10 exchanges to one identity host in any rolling 60 s window.
import { sleep } from '../../test/support/procs';
import { BenchContext } from '../context';
import { log } from '../lib/log';
import { seedAccounts } from '../lib/seed';
import { f2, ScenarioResult } from '../scenario';

export async function identityBudget(ctx: BenchContext): Promise<ScenarioResult> {
  const seconds = ctx.options.quick ? 65 : 70;
  log(`identity budget: 10 per minute, 300 accounts due, ${seconds} s`);
  const { sim, pg } = ctx;
  await ctx.resetStores();
  const org = await sim.createOrg();
  await seedAccounts(pg, ctx.box, { count: 300, orgs: [org], place: (i) => ({ owner: `bench-budget-${i}`, org: 0 }), due: true, keyId: 't1' });
  await sim.resetCounters();
  const t0 = Date.now();
  const w = await ctx.worker({ IDENTITY_RATE_LIMIT_PER_MINUTE: '10', SWEEP_INTERVAL_MS: '500' });
  try {
    await sleep(seconds * 1000 - (Date.now() - t0));
  } finally {
    await w.stop();
  }
  const times = (await sim.counters()).tokenLog.filter((e) => e.clientId === org.clientId).map((e) => e.at).sort((a, b) => a - b);
  let maxWin = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! < times[i]! - 60_000 + 1) j++;
    maxWin = Math.max(maxWin, i - j + 1);
  }
  const checked = Number((await pg.query(`SELECT count(*) FROM accounts WHERE last_checked_at IS NOT NULL`)).rows[0].count);
  return {
    rows: [
      {
        scenario: `identity budget 10/min: 300 accounts due, one worker, ${seconds} s`,
        measured: `max ${maxWin} exchanges in any rolling 60 s window (${times.length} in total; ${checked} accounts checked)`,
        baseline: 'budget 10 per minute per identity host',
        ratio: f2(maxWin / 10),
        target: '≤ 10 per 60 s',
        ok: maxWin <= 10,
      },
    ],
    notes: [],
  };
}
