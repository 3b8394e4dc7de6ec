// Proxy memory: a proxied GET whose upstream answer is a 50 MiB streamed list, read by the client as it comes;
// the API's RSS is sampled every 20 ms during the transfer, and its growth over the RSS just before is the figure.
import { request } from 'undici';
import { AUTH, BenchContext } from '../context';
import { log } from '../lib/log';
import { rssMb, sleep } from '../../test/support/procs';
import { f1, f2, ScenarioResult } from '../scenario';
import { proxyPath } from './proxy-requests';

const SIZE = 50 * 1024 * 1024;
const BUDGET_MB = 30;

async function transfer(ctx: BenchContext, id: string, bytes: number): Promise<{ got: number; peakMb: number; baseMb: number; ms: number }> {
  await ctx.sim.fault({ kind: 'large', sizeBytes: bytes, target: 'api', count: 1 });
  const pid = ctx.api.pid;
  const baseMb = rssMb(pid) ?? NaN;
  let peakMb = baseMb;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = rssMb(pid);
      if (r !== null && r > peakMb) peakMb = r;
      await sleep(20);
    }
  })();
  const t = performance.now();
  let got = 0;
  try {
    const res = await request(ctx.api.url + proxyPath(id, 'public/events'), { headers: AUTH });
    if (res.statusCode !== 200) throw new Error(`large GET: ${res.statusCode} ${await res.body.text()}`);
    for await (const chunk of res.body) got += (chunk as Buffer).length;
  } finally {
    sampling = false;
    await sampler;
    await ctx.sim.clearFaults();
  }
  return { got, peakMb, baseMb, ms: performance.now() - t };
}

export async function proxyMemory(ctx: BenchContext): Promise<ScenarioResult> {
  log('proxy memory: a 50 MiB proxied answer, API RSS sampled during the transfer');
  const org = await ctx.sim.createOrg();
  const id = await ctx.link(org, 'bench-proxy-memory');
  // A small one first: the code paths and buffers of a streamed relay exist before the measured one.
  await transfer(ctx, id, 2 * 1024 * 1024);
  await sleep(500);
  const r = await transfer(ctx, id, SIZE);
  if (r.got < SIZE) throw new Error(`only ${r.got} bytes arrived`);
  const growth = r.peakMb - r.baseMb;
  return {
    rows: [
      {
        scenario: 'proxy memory: one proxied GET with a 50 MiB streamed answer, read as it arrives',
        measured: `API RSS +${growth.toFixed(2)} MB (from ${f1(r.baseMb)} to a peak of ${f1(r.peakMb)} MB; ${f1(r.got / 1048576)} MiB in ${f1(r.ms / 1000)} s)`,
        baseline: `${BUDGET_MB} MB growth budget`,
        ratio: f2(growth / BUDGET_MB),
        target: `growth < ${BUDGET_MB} MB`,
        ok: growth < BUDGET_MB,
      },
    ],
    notes: [],
  };
}
