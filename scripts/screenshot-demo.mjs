#!/usr/bin/env node
// Updates docs/demo-hub.png (the README's picture of the reference hub page) from the browser test's page flow.
// Needs a build (npm run build), Chromium (CHROMIUM_PATH, else chromium on PATH), and the test Postgres and
// Redis (TEST_DATABASE_URL, TEST_REDIS_URL), whose tables it empties. Tests never write this file.
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
execFileSync('bash', [join(root, 'scripts/gen-certs.sh')], { stdio: 'inherit' });
// NODE_EXTRA_CA_CERTS is read at start-up only, so the renderer runs as its own process.
const r = spawnSync(process.execPath, [join(root, 'dist/test/browser/screenshot-demo.js')], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, NODE_EXTRA_CA_CERTS: join(root, '.tmp/tls/ca.pem'), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
});
process.exit(r.status ?? 1);
