// Token cache hits: POST /v1/accounts/{id}/token with a cached token, against GET /health/live (the cheapest
// request the same process answers) and against an authenticated request that does no I/O at all
// (GET /v1/accounts/x: the guard, the pipes and the error filter, 404 before any lookup), all in a closed loop at
// concurrency 32. The three alternate in rounds and each ratio is the median of the rounds' ratios, so that load
// from elsewhere on the machine falls on all of them alike.
import { Pool } from 'undici';
import { AUTH, BenchContext } from '../context';
import { log } from '../lib/log';
import { closedLoop, LoadResult, median } from '../lib/stats';
import { f1, f2, ScenarioResult } from '../scenario';

export interface TokenHitRun {
  rows: ScenarioResult['rows'];
  /** Median token-hit throughput of the rounds (the proxy-throughput baseline). */
  tokenRps: number;
}

export const tokenRequest = (id: string) => ({
  method: 'POST' as const,
  path: `/v1/accounts/${id}/token`,
  headers: { ...AUTH, 'content-type': 'application/json' },
  body: '{}',
});

export async function tokenHit(ctx: BenchContext): Promise<ScenarioResult> {
  const r = await measureTokenHits(ctx);
  return { rows: r.rows, notes: [] };
}

export async function measureTokenHits(ctx: BenchContext): Promise<TokenHitRun> {
  log('token cache hits vs /health/live and a no-I/O authenticated request, concurrency 32');
  const { sim } = ctx;
  const org = await sim.createOrg();
  const id = await ctx.link(org, 'bench-token');
  const first = await ctx.apiJson('POST', `/v1/accounts/${id}/token`, {});
  if (first.status !== 200) throw new Error(`token: ${first.status}`);
  const before = (await sim.counters()).tokenSuccesses;
  const pool = new Pool(ctx.api.url, { connections: 32, pipelining: 1 });
  const rounds = ctx.options.quick ? 3 : 5;
  const ms = ctx.options.quick ? 1500 : 2500;
  const live = { method: 'GET' as const, path: '/health/live' };
  const noIo = { method: 'GET' as const, path: '/v1/accounts/x', headers: AUTH };
  const tok = tokenRequest(id);
  const runs: Array<{ l: LoadResult; t: LoadResult; n: LoadResult }> = [];
  try {
    for (const req of [live, noIo, tok]) await closedLoop(pool, req, 32, 1000); // warm-up (JIT, connections)
    for (let i = 0; i < rounds; i++) {
      const l = await closedLoop(pool, live, 32, ms);
      const t = await closedLoop(pool, tok, 32, ms);
      const n = await closedLoop(pool, noIo, 32, ms);
      runs.push({ l, t, n });
    }
  } finally {
    await pool.close();
  }
  const exchanges = (await sim.counters()).tokenSuccesses - before;
  const tokRatio = median(runs.map((r) => r.t.rps / r.l.rps));
  const noIoRatio = median(runs.map((r) => r.n.rps / r.l.rps));
  const mid = (pick: (r: (typeof runs)[number]) => LoadResult) => {
    const xs = runs.map(pick);
    return { rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)), errors: xs.reduce((s, x) => s + x.errors, 0) };
  };
  const t = mid((r) => r.t);
  const l = mid((r) => r.l);
  const n = mid((r) => r.n);
  const perRound = runs.map((r) => f2(r.t.rps / r.l.rps)).join(', ');
  // The no-I/O request answers 404 by design: its "errors" are all that 404.
  const noIoOther = runs.reduce((s, r) => s + r.n.requests - (r.n.statuses[404] ?? 0), 0);
  return {
    tokenRps: t.rps,
    rows: [
      {
        scenario: 'token cache hit: POST /v1/accounts/{id}/token, concurrency 32',
        measured: `${Math.round(t.rps)} req/s, p50 ${f1(t.p50)} ms, p99 ${f1(t.p99)} ms, ${t.errors} errors`,
        baseline: `GET /health/live ${Math.round(l.rps)} req/s (p99 ${f1(l.p99)} ms)`,
        ratio: f2(tokRatio),
        target: '≥ 0.6',
        ok: tokRatio >= 0.6 && t.errors === 0,
        note: `median of ${rounds} alternating rounds (per round: ${perRound}); ${exchanges} upstream exchanges during the run`,
      },
      {
        scenario: 'no-I/O authenticated request: GET /v1/accounts/x (404 before any lookup), concurrency 32',
        measured: `${Math.round(n.rps)} req/s, p50 ${f1(n.p50)} ms, p99 ${f1(n.p99)} ms${noIoOther ? `, ${noIoOther} answers other than 404` : ''}`,
        baseline: `GET /health/live ${Math.round(l.rps)} req/s`,
        ratio: f2(noIoRatio),
        target: 'none (what the framework costs an authenticated request)',
        ok: null,
        note: `token hit ÷ this: ${f2(tokRatio / noIoRatio)}`,
      },
    ],
  };
}
