#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner, one file at a time
// (they share one Postgres and one Redis), and ends with the plain line "N passed, N failed[, N skipped]".
// Arguments are substrings of dist paths (node scripts/run-tests.mjs dist/test/unit/); without any, every tier but
// faults runs, cheapest first, so a broken rule fails in seconds rather than after the e2e tier.
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const filter = process.argv.slice(2);
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
  });
// The fault-injection suite (test/faults) starts and kills its own Postgres and Redis: it runs only when asked
// for (npm run test:faults), never as part of the default suite.
const TIER_ORDER = ['unit', 'integration', 'e2e', 'browser'];
const tierRank = (f) => {
  const tier = f.slice(join(root, 'dist/test').length + 1).split('/')[0];
  const i = TIER_ORDER.indexOf(tier);
  return i === -1 ? TIER_ORDER.length : i;
};
let files = walk(join(root, 'dist/test')).sort((a, b) => tierRank(a) - tierRank(b) || (a < b ? -1 : a > b ? 1 : 0));
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
else files = files.filter((f) => !f.includes('/dist/test/faults/'));
if (!files.length) {
  console.error(`no test files match ${filter.join(' ')}`);
  process.exit(1);
}

execFileSync('bash', [join(root, 'scripts/gen-certs.sh')], { stdio: 'inherit' });

const env = {
  ...process.env,
  NODE_EXTRA_CA_CERTS: join(root, '.tmp/tls/ca.pem'),
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};
const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter=tap', '--test-reporter-destination=stdout', `--test-reporter-destination=${join(root, '.tmp/test-results.tap')}`, ...files],
  { stdio: ['ignore', 'inherit', 'inherit'], env, cwd: root },
);
child.on('exit', async (code) => {
  const { readFileSync } = await import('node:fs');
  const tap = readFileSync(join(root, '.tmp/test-results.tap'), 'utf8');
  const num = (k) => Number((tap.match(new RegExp(`^# ${k} (\\d+)`, 'm')) ?? [])[1] ?? 0);
  const skipped = num('skipped') + num('todo');
  console.log(`${num('pass')} passed, ${num('fail') + num('cancelled')} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? 1);
});
