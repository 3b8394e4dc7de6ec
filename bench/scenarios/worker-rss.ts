// Worker memory over a sweep of the whole big table (every row due): RSS sampled once a second with Node's default
// heap, then the same sweep with the old generation capped at 160 MB as `npm run start:worker` ships it, which
// tells retained memory from heap slack V8 takes because it may.
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { BenchContext } from '../context';
import { log } from '../lib/log';
import { countChecked, sampleRss } from '../lib/worker-sampling';
import { f1, f2, Row, ScenarioResult } from '../scenario';

export async function workerRss(ctx: BenchContext): Promise<ScenarioResult> {
  const { total } = await ctx.bigTable();
  const quick = ctx.options.quick;
  const rows: Row[] = [];
  const notes: string[] = [];

  const seconds = quick ? 20 : 60;
  log(`worker RSS: ${total} accounts due, sampling VmRSS for ${seconds} s`);
  await ctx.redis.flushdb();
  const t0 = new Date();
  const w = await ctx.worker();
  let samples: number[];
  let done: number;
  let waiting: number;
  try {
    samples = await sampleRss(w.pid, seconds);
    done = await countChecked(ctx.pg, t0);
    const q = new Queue('accounts', { connection: new Redis(ctx.options.redisUrl, { maxRetriesPerRequest: null }), prefix: 'bwc-bull' });
    const counts = await q.getJobCounts('wait', 'prioritized', 'delayed', 'active').finally(() => q.close());
    waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
  } finally {
    await w.stop();
  }
  const half = samples.slice(Math.floor(samples.length / 2));
  const max = Math.max(...samples);
  const growth = half[half.length - 1]! - half[0]!;
  rows.push({
    scenario: `worker RSS while sweeping ${total.toLocaleString('en')} due accounts, ${seconds} s`,
    measured: `max ${f1(max)} MB (first ${f1(samples[0]!)}, last ${f1(samples[samples.length - 1]!)}; 2nd-half drift ${growth >= 0 ? '+' : ''}${f1(growth)} MB)`,
    baseline: '256 MB budget',
    ratio: f2(max / 256),
    target: '≤ 256 MB, flat',
    ok: max <= 256 && Math.abs(growth) < 32,
    note: `${done.toLocaleString('en')} checks completed (${Math.round(done / seconds)}/s); ${waiting.toLocaleString('en')} jobs waiting in Redis at the end`,
  });
  notes.push(`RSS samples (MB, 1/s): ${samples.map((x) => x.toFixed(0)).join(' ')}`);

  const capped = quick ? 15 : 30;
  log(`worker RSS with --max-old-space-size=160, ${capped} s`);
  await ctx.redis.flushdb();
  await ctx.pg.query(`UPDATE accounts SET next_check_at = now() WHERE next_check_at > now()`);
  const t1 = new Date();
  const w2 = await ctx.worker({ NODE_OPTIONS: '--max-old-space-size=160' });
  let s2: number[];
  let done2: number;
  let alive: boolean;
  try {
    s2 = await sampleRss(w2.pid, capped);
    done2 = await countChecked(ctx.pg, t1);
    alive = w2.alive();
  } finally {
    await w2.stop();
  }
  rows.push({
    scenario: `worker RSS, same sweep, NODE_OPTIONS=--max-old-space-size=160, ${capped} s`,
    measured: `max ${f1(Math.max(...s2))} MB (last ${f1(s2[s2.length - 1]!)}), ${alive ? 'no OOM' : 'DIED'}`,
    baseline: '256 MB budget',
    ratio: f2(Math.max(...s2) / 256),
    target: '≤ 256 MB, flat',
    ok: alive && Math.max(...s2) <= 256,
    note: `${done2.toLocaleString('en')} checks (${Math.round(done2 / capped)}/s)`,
  });
  notes.push(`RSS samples with a 160 MB old generation (MB, 1/s): ${s2.map((x) => x.toFixed(0)).join(' ')}`);
  return { rows, notes };
}
