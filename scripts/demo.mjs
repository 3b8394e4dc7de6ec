#!/usr/bin/env node
// `npm run demo`: migrate, then run the simulator, the API and the worker together with dev defaults, and print
// where everything is plus a first curl that links the simulator's organization. Ctrl-C stops all three.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { Agent, fetch } from 'undici';

const root = resolve(new URL('..', import.meta.url).pathname);
const SIM_PORT = Number(process.env.SIM_PORT ?? 8443);
const PORT = Number(process.env.PORT ?? 3000);
const SERVICE_KEY = process.env.DEMO_SERVICE_KEY ?? 'demo-service-key-change-me-0123456789abcdef';
// A fixed development key so that a restarted demo can still open what it stored. Never use it for real data.
const DEV_KEY = 'dev:' + Buffer.alloc(32, 0x44).toString('base64');
// The owner the demo page's backend works for; the printed curl uses it too, so both show the same accounts.
const OWNER = 'demo-owner';
const ORIGIN = `http://127.0.0.1:${PORT}`;
const hosts = ['identity.bitwarden.com', 'api.bitwarden.com', 'identity.bitwarden.eu', 'api.bitwarden.eu', 'vault.selfhosted.test', 'vaultwarden.selfhosted.test'];

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const listening = (port) =>
  new Promise((done) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), done(true)));
    s.on('error', () => done(false));
  });
const settle = async (port) => {
  for (let i = 0; i < 30 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 500));
  return listening(port);
};
const giveUp = (line) => {
  console.error(line);
  process.exit(1);
};

// A newcomer's machine often has both installed but not running (no systemd in containers): start them as CI does.
// Only the default local ports are managed; a DATABASE_URL or REDIS_URL of your own is left to you.
async function ensureServices() {
  if (!process.env.DATABASE_URL && !(await listening(5432))) {
    const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
    if (!has('pg_ctlcluster') || !versions.length) giveUp('PostgreSQL is not running on 127.0.0.1:5432 and is not installed: install it (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL.');
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], { stdio: 'inherit' });
    if (!(await settle(5432))) giveUp(`PostgreSQL ${versions[0]} did not start on 127.0.0.1:5432; see its log under /var/log/postgresql.`);
  }
  if (!process.env.REDIS_URL && !(await listening(6379))) {
    if (!has('redis-server')) giveUp('Redis is not running on 127.0.0.1:6379 and is not installed: install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL.');
    const dir = join(root, '.tmp/redis');
    mkdirSync(dir, { recursive: true });
    spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log')], { stdio: 'inherit' });
    if (!(await settle(6379))) giveUp(`Redis did not start on 127.0.0.1:6379; see ${join(dir, 'redis.log')}.`);
  }
  if (!has('openssl')) giveUp('openssl is needed for the simulator\'s test certificates: install it (Debian/Ubuntu: apt-get install openssl).');
}
await ensureServices();

execFileSync('bash', [join(root, 'scripts/gen-certs.sh')], { stdio: 'inherit' });
const env = {
  ...process.env,
  PORT: String(PORT),
  NODE_EXTRA_CA_CERTS: join(root, '.tmp/tls/ca.pem'),
  ENCRYPTION_KEYS: process.env.ENCRYPTION_KEYS ?? DEV_KEY,
  SERVICE_API_KEYS: process.env.SERVICE_API_KEYS ?? `demo:${SERVICE_KEY}`,
  OUTBOUND_CONNECT_TO: process.env.OUTBOUND_CONNECT_TO ?? hosts.map((h) => `${h}:443:127.0.0.1:${SIM_PORT}`).join(','),
  DEMO_PAGE: 'true',
  // The demo page is its own hub: the hosted Connect page may report back to it, and its links point here.
  CORS_ORIGINS: process.env.CORS_ORIGINS ?? ORIGIN,
  PUBLIC_URL: process.env.PUBLIC_URL ?? ORIGIN,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  SIM_PORT: String(SIM_PORT),
};

try {
  execFileSync(process.execPath, [join(root, 'dist/libs/database/src/migrate.js')], { stdio: ['ignore', 'inherit', 'pipe'], env });
} catch (e) {
  giveUp(`The migration failed: ${String(e.stderr ?? e.message).trim().split('\n').pop()}`);
}

const children = [];
const run = (name, file) => {
  const child = spawn(process.execPath, [join(root, file)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk) => chunk.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}`).join('\n') + '\n';
  child.stdout.on('data', (c) => process.env.DEMO_QUIET || process.stdout.write(prefix(c)));
  child.stderr.on('data', (c) => process.stderr.write(prefix(c)));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping the demo`);
      stop(1);
    }
  });
  children.push(child);
  return child;
};

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// This process talks to the simulator too, so it trusts the demo CA like the children do.
const dispatcher = new Agent({ connect: { ca: readFileSync(join(root, '.tmp/tls/ca.pem')) } });
const waitFor = async (url, what) => {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(url, { dispatcher });
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up at ${url}`);
};

run('simulator', 'dist/apps/bitwarden-simulator/src/main.js');
await waitFor(`https://127.0.0.1:${SIM_PORT}/__sim/counters`, 'the simulator');
run('api', 'dist/apps/api/src/main.js');
run('worker', 'dist/apps/worker/src/main.js');
await waitFor(`http://127.0.0.1:${PORT}/health/ready`, 'the API');

const org = await (await fetch(`https://127.0.0.1:${SIM_PORT}/__sim/orgs`, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"realm":"us"}' })).json();
console.log(`
bitwarden-connect demo is running
  API            http://127.0.0.1:${PORT}        (service key: ${SERVICE_KEY})
  Hub demo page  http://127.0.0.1:${PORT}/demo   (owner ${OWNER}; Connect opens the hosted page via /connect.js)
  API docs       http://127.0.0.1:${PORT}/docs
  Simulator      https://127.0.0.1:${SIM_PORT}   (answers for api/identity.bitwarden.com and .eu via OUTBOUND_CONNECT_TO)

A simulator organization (US cloud) to link:
  clientId      ${org.clientId}
  clientSecret  ${org.clientSecret}

First curl (links it):
  curl -s -X POST http://127.0.0.1:${PORT}/v1/accounts \\
    -H 'Authorization: Bearer ${SERVICE_KEY}' -H 'Content-Type: application/json' \\
    -d '{"ownerId":"${OWNER}","apiBaseUrl":"https://api.bitwarden.com","identityBaseUrl":"https://identity.bitwarden.com","clientId":"${org.clientId}","clientSecret":"${org.clientSecret}"}'

Or a hosted Connect page link for the same owner (open the printed url):
  curl -s -X POST http://127.0.0.1:${PORT}/v1/connect-sessions \\
    -H 'Authorization: Bearer ${SERVICE_KEY}' -H 'Content-Type: application/json' -d '{"ownerId":"${OWNER}"}'

Rotate its key in the simulator (then press Verify on the demo page):
  curl -sk -X POST https://127.0.0.1:${SIM_PORT}/__sim/orgs/${org.id}/rotate

Ctrl-C stops everything.
`);
