// Proxy overhead: GET public/members through /v1/accounts/{id}/bitwarden/… against the same request sent straight
// to the simulator with the account's token, one at a time, with 50 ms injected Public API latency. Alternating
// proxied and direct calls, so that both see the same machine.
import { BenchContext } from '../context';
import { log } from '../lib/log';
import { median, pct } from '../lib/stats';
import { f1, f2, ScenarioResult } from '../scenario';
import { proxyGet } from './proxy-requests';

const LATENCY_MS = 50;

export async function proxyOverhead(ctx: BenchContext): Promise<ScenarioResult> {
  log(`proxy overhead: GET public/members with ${LATENCY_MS} ms upstream latency, proxied vs direct`);
  const { sim } = ctx;
  const org = await sim.createOrg();
  const id = await ctx.link(org, 'bench-proxy-overhead');
  const tok = await ctx.apiJson('POST', `/v1/accounts/${id}/token`, {});
  if (tok.status !== 200) throw new Error(`token: ${tok.status}`);
  const token: string = tok.body.accessToken;
  const n = ctx.options.quick ? 30 : 60;
  await sim.configure({ apiLatencyMs: LATENCY_MS });
  const proxied: number[] = [];
  const direct: number[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      await proxyGet(ctx, id, 'public/members');
      await sim.apiGet(token, 'public/members');
    }
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      const ps = await proxyGet(ctx, id, 'public/members');
      proxied.push(performance.now() - t);
      t = performance.now();
      const ds = await sim.apiGet(token, 'public/members');
      direct.push(performance.now() - t);
      if (ps !== 200 || ds !== 200) throw new Error(`public/members: proxied ${ps}, direct ${ds}`);
    }
  } finally {
    await sim.configure({ apiLatencyMs: 0 });
  }
  const p = median(proxied);
  const d = median(direct);
  const ratio = p / d;
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return {
    rows: [
      {
        scenario: `proxy overhead: GET public/members via the proxy, ${LATENCY_MS} ms upstream latency, one at a time (median of ${n})`,
        measured: `${f1(p)} ms (p90 ${f1(pct(sorted(proxied), 90))})`,
        baseline: `same GET straight to the simulator with the token: ${f1(d)} ms (p90 ${f1(pct(sorted(direct), 90))})`,
        ratio: `${f2(ratio)} (overhead ${f1(p - d)} ms)`,
        target: '≤ 1.05',
        ok: ratio <= 1.05,
      },
    ],
    notes: [],
  };
}
