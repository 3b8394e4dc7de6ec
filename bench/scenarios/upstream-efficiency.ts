// Exchanges per token lifetime: sync jobs asking for a token every 200 ms, with short-lived tokens and the worker
// running, against a naive client that exchanges once per sync job.
import { Pool } from 'undici';
import { sleep } from '../../test/support/procs';
import { AUTH, BenchContext } from '../context';
import { log } from '../lib/log';
import { f1, f2, ScenarioResult } from '../scenario';

export async function upstreamEfficiency(ctx: BenchContext): Promise<ScenarioResult> {
  const lifetime = 20;
  const seconds = ctx.options.quick ? 30 : 60;
  const m = 5;
  log(`upstream efficiency: ${m} accounts, token lifetime ${lifetime} s, /token every 200 ms for ${seconds} s, worker running`);
  const { sim } = ctx;
  await ctx.resetStores();
  await sim.configure({ tokenLifetimeSeconds: lifetime });
  const orgs = await Promise.all(Array.from({ length: m }, () => sim.createOrg()));
  const ids: string[] = [];
  for (const [i, o] of orgs.entries()) ids.push(await ctx.link(o, `bench-eff-${i}`));
  const w = await ctx.worker();
  await sim.resetCounters();
  const started = Date.now();
  let calls = 0;
  let errors = 0;
  let short = 0;
  const pool = new Pool(ctx.api.url, { connections: m });
  let elapsed: number;
  let exchanges: number;
  try {
    await Promise.all(
      ids.map(async (id) => {
        while (Date.now() - started < seconds * 1000) {
          const t = Date.now();
          const res = await pool.request({ method: 'POST', path: `/v1/accounts/${id}/token`, headers: { ...AUTH, 'content-type': 'application/json' }, body: '{"minValiditySeconds":2}' });
          const body = (await res.body.json()) as { expiresAt?: string };
          calls++;
          if (res.statusCode !== 200) errors++;
          else if (new Date(body.expiresAt!).getTime() - Date.now() < 2000) short++;
          await sleep(Math.max(0, 200 - (Date.now() - t)));
        }
      }),
    );
    elapsed = (Date.now() - started) / 1000;
    exchanges = (await sim.counters()).tokenLog.filter((e) => e.status === 200 && orgs.some((o) => o.clientId === e.clientId)).length;
  } finally {
    await pool.close();
    await w.stop();
    await sim.configure({ tokenLifetimeSeconds: 3600 });
  }
  const lifetimes = elapsed / lifetime;
  const ours = exchanges / m / lifetimes;
  const naive = calls / m / lifetimes;
  // A token is renewed once it has less than minValiditySeconds + 1 s left, so the steady state is
  // lifetime / (lifetime - 3) exchanges per lifetime here; a 60 s window only holds whole renewals.
  const steady = lifetime / (lifetime - 3);
  return {
    rows: [
      {
        scenario: `upstream efficiency: ${m} accounts, lifetime ${lifetime} s, /token every 200 ms, ${Math.round(elapsed)} s`,
        measured: `${f2(ours)} exchanges/account/lifetime (${exchanges} exchanges, ${calls} token calls, ${errors} errors, ${short} tokens with < 2 s left)`,
        baseline: `naive client: ${f1(naive)} exchanges/account/lifetime (one per sync job)`,
        ratio: `${(ours / naive).toFixed(4)} of naive`,
        target: '≤ 1.05 exchanges/account/lifetime',
        ok: ours <= 1.05,
        note: `steady state for renew-when-under-(minValidity+1 s): ${f2(steady)} for ${lifetime} s tokens, ${(3600 / 3597).toFixed(4)} for Bitwarden's 3600 s tokens`,
      },
    ],
    notes: [],
  };
}
