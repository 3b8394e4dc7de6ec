// `npm run bench`: performance figures of bitwarden-connect against the simulator, the bench's own Postgres
// database and Redis db. Every figure is a ratio against a baseline measured in the same run.
//
//   node dist/bench/run.js [--only name,name] [--quick] [--out file]
//
// --only (or BENCH_ONLY) runs some scenarios, --quick (or BENCH_QUICK=1) makes a smaller, shorter run. A full run
// fills the measured parts of docs/PERFORMANCE.md; a partial run only prints, unless --out names a file to fill.
import 'reflect-metadata';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from '../test/support/procs';
import { BenchContext, optionsFromEnv } from './context';
import { log } from './lib/log';
import { machineList, notesList, resultsTable, writeReport } from './report';
import type { Row, Scenario } from './scenario';
import { accountsPage } from './scenarios/accounts-page';
import { backlogLinks } from './scenarios/backlog-links';
import { identityBudget } from './scenarios/identity-budget';
import { linkOverhead } from './scenarios/link';
import { proxyMemory } from './scenarios/proxy-memory';
import { proxyOverhead } from './scenarios/proxy-overhead';
import { proxyThroughput } from './scenarios/proxy-throughput';
import { tokenHit } from './scenarios/token-hit';
import { upstreamEfficiency } from './scenarios/upstream-efficiency';
import { workerRss } from './scenarios/worker-rss';
import { workerThroughput } from './scenarios/worker-throughput';

// In this order: link, token-hit and the proxy scenarios run on the freshly emptied stores, the big table is seeded last because
// the scenarios before it empty the stores, and worker-rss sweeps the table accounts-page read.
const SCENARIOS: Array<[string, Scenario]> = [
  ['link', linkOverhead],
  ['token-hit', tokenHit],
  ['proxy-overhead', proxyOverhead],
  ['proxy-throughput', proxyThroughput],
  ['proxy-memory', proxyMemory],
  ['upstream-efficiency', upstreamEfficiency],
  ['identity-budget', identityBudget],
  ['backlog-links', backlogLinks],
  ['worker-throughput', workerThroughput],
  ['accounts-page', accountsPage],
  ['worker-rss', workerRss],
];

function cli(): { only: string[] | null; quick: boolean; out: string | null } {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, quick: { type: 'boolean', default: false }, out: { type: 'string' } },
  });
  const only = (values.only ?? process.env.BENCH_ONLY)?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  const known = SCENARIOS.map(([n]) => n);
  const unknown = only?.filter((n) => !known.includes(n)) ?? [];
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { only, quick: values.quick || process.env.BENCH_QUICK === '1', out: values.out ?? (only ? null : join(REPO, 'docs', 'PERFORMANCE.md')) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = cli();
  const ctx = await BenchContext.create(optionsFromEnv(args.quick));
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const [name, run] of SCENARIOS) {
      if (args.only && !args.only.includes(name)) continue;
      try {
        const r = await run(ctx);
        rows.push(...r.rows);
        notes.push(...ctx.takeNotes(), ...r.notes);
      } catch (e) {
        // One failed scenario is a row of the report, not the end of the run.
        rows.push({ scenario: name, measured: `failed: ${(e as Error).message}`, baseline: '', ratio: '', target: '', ok: false });
        notes.push(...ctx.takeNotes());
        log(`${name} failed: ${(e as Error).stack}`);
      }
    }
  } finally {
    await ctx.close();
  }
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  const results = resultsTable(rows);
  process.stdout.write(`\n${results}\n\n${notes.join('\n')}\nbench took ${minutes} min\n`);
  if (args.out) {
    writeReport(args.out, { machine: machineList({ quick: args.quick, minutes, scenarios: args.only }), results, notes: notesList(notes) });
    log(`wrote ${args.out}`);
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => process.exit(process.exitCode ?? 0));
