import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { baseEnv, ROOT } from '../../support/env';
import { Linked, linkAccount } from '../../support/factories';
import { lastChecks, makeDue, withRedis } from '../../support/fixtures';
import { eventually, useStack } from '../../support/stack';

// The worker as a real process (dist/apps/worker/src/main.js): killed with jobs in flight, another one picks the
// work up; stopped with SIGTERM, it finishes what it is doing and exits 0.
const env = { ACCOUNT_CHECK_INTERVAL_SECONDS: '3' };
let accounts: Linked[] = [];
const children: ChildProcess[] = [];
const stack = useStack(
  {
    env,
    // The test stops its workers itself; this only catches one left running by a failure.
    teardown: () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    },
  },
  async ({ api, sim }) => {
    accounts = [];
    for (let i = 0; i < 6; i++) accounts.push(await linkAccount(api, sim, { ownerId: 'proc' }));
    // Slow Bitwarden: every check stays in flight for 1.5 s.
    sim.configure({ latencyMs: 1500 });
  },
);

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorkerProcess(): Proc {
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/worker/src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? join(ROOT, '.tmp/tls/ca.pem'),
      ...baseEnv(stack.sim.port, { ...env, WORKER_LOCK_MS: '5000', SWEEP_INTERVAL_MS: '200' }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out.slice(-4000), exited };
}

const activeJobIds = () => withRedis((r) => r.lrange('bwc-bull:accounts:active', 0, -1));

async function lastChecked(): Promise<Map<string, number>> {
  const rows = await lastChecks();
  return new Map(rows.map((r) => [r.id, r.last_checked_at!.getTime()]));
}

test('SIGKILL with checks in flight: a new worker checks every account again; SIGTERM drains and exits 0', async () => {
  await makeDue();
  const first = startWorkerProcess();
  await eventually(async () => (await activeJobIds()).length > 0, 15_000, `jobs in flight (worker output: ${first.output()})`);
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');

  const second = startWorkerProcess();
  try {
    await eventually(async () => {
      const times = await lastChecked();
      return accounts.every((a) => (times.get(a.id) ?? 0) > killedAt);
    }, 20_000, 'every account checked again after the kill');
    // None is left behind: each keeps being checked on schedule.
    const mark = Date.now();
    await eventually(async () => {
      const times = await lastChecked();
      return accounts.every((a) => (times.get(a.id) ?? 0) > mark);
    }, 3000 + 1500 + 3000, 'every account checked on schedule after recovery');

    // SIGTERM while checks are in flight: they complete, then the process exits 0.
    const dueAt = Date.now();
    await makeDue();
    const inFlight = await eventually(async () => {
      const ids = await activeJobIds();
      return ids.length > 0 ? ids : null;
    }, 10_000, 'jobs in flight before SIGTERM');
    second.child.kill('SIGTERM');
    const exit = await second.exited;
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}; output: ${second.output()}`);
    const times = await lastChecked();
    for (const jobId of inFlight) {
      const id = jobId.replace(/^(check|refresh)-/, '');
      assert.ok((times.get(id) ?? 0) > dueAt, `the in-flight check of ${id} did not complete before exit`);
    }
    assert.deepEqual(await activeJobIds(), [], 'no job left active (locked) by the stopped worker');
  } finally {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  }
});
