// `npm run simulator`: runs the simulator as its own process, driven over /__sim/* control endpoints.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startSimulator } from './server';

/** The repo root is the nearest ancestor holding scripts/gen-certs.sh (works from src/ and dist/). */
function repoRoot(): string {
  let dir = __dirname;
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'gen-certs.sh'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

async function main(): Promise<void> {
  const root = repoRoot();
  const port = Number(process.env.SIM_PORT ?? 8443);
  const host = process.env.SIM_HOST ?? '127.0.0.1';
  let tls: { cert: string; key: string } | false = false;
  if (process.env.SIM_TLS !== 'false') {
    const cert = resolve(root, process.env.SIM_TLS_CERT ?? '.tmp/tls/leaf.pem');
    const key = resolve(root, process.env.SIM_TLS_KEY ?? '.tmp/tls/leaf.key');
    if ((!existsSync(cert) || !existsSync(key)) && !process.env.SIM_TLS_CERT) {
      execFileSync('bash', [join(root, 'scripts', 'gen-certs.sh')], { stdio: 'inherit' });
    }
    tls = { cert, key };
  }
  const sim = await startSimulator({ port, host, tls });
  process.stdout.write(`bitwarden-simulator listening on ${sim.url}\n`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`bitwarden-simulator failed to start: ${err.message}\n`);
  process.exit(1);
});
