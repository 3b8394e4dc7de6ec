// Token cache hits: POST /v1/accounts/{id}/token with a cached token, against GET /health/live (the cheapest
// request the same process answers), both in a closed loop at concurrency 32.
import { Pool } from 'undici';
import { AUTH, BenchContext } from '../context';
import { log } from '../lib/log';
import { closedLoop, LoadResult } from '../lib/stats';
import { f1, f2, ScenarioResult } from '../scenario';

export async function tokenHit(ctx: BenchContext): Promise<ScenarioResult> {
  log('token cache hits vs /health/live at concurrency 32');
  const { sim } = ctx;
  const org = await sim.createOrg();
  const id = await ctx.link(org, 'bench-token');
  const first = await ctx.apiJson('POST', `/v1/accounts/${id}/token`, {});
  if (first.status !== 200) throw new Error(`token: ${first.status}`);
  const before = (await sim.counters()).tokenSuccesses;
  const pool = new Pool(ctx.api.url, { connections: 32, pipelining: 1 });
  const ms = ctx.options.quick ? 3000 : 5000;
  const live = { method: 'GET' as const, path: '/health/live' };
  const tok = { method: 'POST' as const, path: `/v1/accounts/${id}/token`, headers: { ...AUTH, 'content-type': 'application/json' }, body: '{}' };
  let l: LoadResult;
  let t: LoadResult;
  try {
    await closedLoop(pool, live, 32, 1000); // warm-up (JIT, connections)
    await closedLoop(pool, tok, 32, 1000);
    l = await closedLoop(pool, live, 32, ms);
    t = await closedLoop(pool, tok, 32, ms);
  } finally {
    await pool.close();
  }
  const exchanges = (await sim.counters()).tokenSuccesses - before;
  const ratio = t.rps / l.rps;
  return {
    rows: [
      {
        scenario: 'token cache hit: POST /v1/accounts/{id}/token, concurrency 32',
        measured: `${Math.round(t.rps)} req/s, p50 ${f1(t.p50)} ms, p99 ${f1(t.p99)} ms, ${t.errors} errors`,
        baseline: `GET /health/live ${Math.round(l.rps)} req/s (p99 ${f1(l.p99)} ms)`,
        ratio: f2(ratio),
        target: '≥ 0.7, p99 ≤ 10 ms',
        ok: ratio >= 0.7 && t.p99 <= 10 && t.errors === 0,
        note: `${exchanges} upstream exchanges during the run`,
      },
    ],
    notes: [],
  };
}
