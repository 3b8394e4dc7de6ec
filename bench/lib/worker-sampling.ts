// Reading a running worker's progress and memory from the outside, as an operator would.
import { Client } from 'pg';
import { rssMb, sleep } from '../../test/support/procs';

export async function countChecked(pg: Client, since: Date): Promise<number> {
  return Number((await pg.query('SELECT count(*) FROM accounts WHERE last_checked_at >= $1', [since])).rows[0].count);
}

/** VmRSS of `pid` once a second for `seconds` (samples missing while the process is gone). */
export async function sampleRss(pid: number, seconds: number): Promise<number[]> {
  const samples: number[] = [];
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    await sleep(1000);
    const r = rssMb(pid);
    if (r !== null) samples.push(r);
  }
  return samples;
}
