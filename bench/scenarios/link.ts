// Link overhead: POST /v1/accounts against a bare client doing the same two upstream calls (token + policies),
// with 50 ms of injected upstream latency so the local work is measured against a realistic round trip.
import { Pool } from 'undici';
import { AUTH, BenchContext, US } from '../context';
import { log } from '../lib/log';
import { median, pct } from '../lib/stats';
import { f1, f2, ScenarioResult } from '../scenario';

export async function linkOverhead(ctx: BenchContext): Promise<ScenarioResult> {
  log('link overhead: 50 ms injected latency');
  const { sim } = ctx;
  const org = await sim.createOrg();
  await sim.configure({ latencyMs: 50 });
  const pool = new Pool(ctx.api.url, { connections: 1 });
  const n = ctx.options.quick ? 15 : 40;
  const base: number[] = [];
  const ours: number[] = [];
  try {
    // Three unmeasured rounds first (connections, JIT).
    for (let i = -3; i < n; i++) {
      let t = performance.now();
      const tok = await sim.exchange(org);
      await sim.policies(tok);
      const b = performance.now() - t;
      t = performance.now();
      const res = await pool.request({
        method: 'POST',
        path: '/v1/accounts',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ ownerId: `bench-link-${i + 3}`, ...US, clientId: org.clientId, clientSecret: org.clientSecret }),
      });
      await res.body.arrayBuffer();
      const o = performance.now() - t;
      if (res.statusCode !== 201) throw new Error(`link answered ${res.statusCode}`);
      if (i >= 0) {
        base.push(b);
        ours.push(o);
      }
    }
  } finally {
    await pool.close();
    await sim.configure({ latencyMs: 0 });
  }
  const mb = median(base);
  const mo = median(ours);
  const ratio = mo / mb;
  return {
    rows: [
      {
        scenario: 'link: POST /v1/accounts, 50 ms upstream latency (median of ' + n + ')',
        measured: `${f1(mo)} ms (p90 ${f1(pct([...ours].sort((a, b) => a - b), 90))})`,
        baseline: `${f1(mb)} ms bare token POST + GET /public/policies`,
        ratio: `${f2(ratio)} (overhead ${f1(mo - mb)} ms)`,
        target: '≤ 1.2, overhead ≤ 10 ms',
        ok: ratio <= 1.2 && mo - mb <= 10,
      },
    ],
    notes: [],
  };
}
