// Proxy throughput: proxied GET public/members at concurrency 32 with no injected latency, against the token
// cache hit's throughput measured in the same scenario (a proxied call is a token hit plus the relay).
import { Pool } from 'undici';
import { BenchContext } from '../context';
import { log } from '../lib/log';
import { closedLoop, LoadResult, median } from '../lib/stats';
import { f1, f2, ScenarioResult } from '../scenario';
import { proxyRequest } from './proxy-requests';
import { tokenRequest } from './token-hit';

export async function proxyThroughput(ctx: BenchContext): Promise<ScenarioResult> {
  log('proxy throughput: proxied GET public/members vs token hits, concurrency 32');
  const { sim } = ctx;
  await sim.configure({ apiLatencyMs: 0, latencyMs: 0 });
  const org = await sim.createOrg();
  const id = await ctx.link(org, 'bench-proxy-throughput');
  const pool = new Pool(ctx.api.url, { connections: 32, pipelining: 1 });
  const rounds = ctx.options.quick ? 3 : 5;
  const ms = ctx.options.quick ? 1500 : 2500;
  const proxied = proxyRequest(id, 'public/members');
  const tok = tokenRequest(id);
  const runs: Array<{ p: LoadResult; t: LoadResult }> = [];
  const before = (await sim.counters()).apiRequests;
  try {
    await closedLoop(pool, tok, 32, 1000);
    await closedLoop(pool, proxied, 32, 1000);
    for (let i = 0; i < rounds; i++) runs.push({ t: await closedLoop(pool, tok, 32, ms), p: await closedLoop(pool, proxied, 32, ms) });
  } finally {
    await pool.close();
  }
  const upstream = (await sim.counters()).apiRequests - before;
  const ratio = median(runs.map((r) => r.p.rps / r.t.rps));
  const p = { rps: median(runs.map((r) => r.p.rps)), p99: median(runs.map((r) => r.p.p99)), errors: runs.reduce((s, r) => s + r.p.errors, 0) };
  const t = median(runs.map((r) => r.t.rps));
  const statuses = runs.reduce<Record<string, number>>((acc, r) => {
    for (const [k, v] of Object.entries(r.p.statuses)) acc[k] = (acc[k] ?? 0) + v;
    return acc;
  }, {});
  return {
    rows: [
      {
        scenario: 'proxy throughput: proxied GET public/members, concurrency 32, no injected latency',
        measured: `${Math.round(p.rps)} req/s, p99 ${f1(p.p99)} ms, ${p.errors} errors (statuses ${JSON.stringify(statuses)})`,
        baseline: `token cache hits in the same rounds: ${Math.round(t)} req/s`,
        ratio: f2(ratio),
        target: '≥ 0.6',
        ok: ratio >= 0.6 && p.errors === 0,
        note: `median of ${rounds} alternating rounds (per round: ${runs.map((r) => f2(r.p.rps / r.t.rps)).join(', ')}); ${upstream} upstream API calls`,
      },
    ],
    notes: [],
  };
}
