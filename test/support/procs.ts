// Child processes for the fault suite and the bench: the built API, worker and simulator, run exactly as in
// production (`node dist/...`), plus small helpers (spare ports, readiness polling, output capture).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The dist root this file was compiled into (dist/test/support → dist), so a private build runs its own copy. */
export const DIST = join(__dirname, '..', '..');

/** The repository root: REPO_ROOT, else the nearest ancestor of dist holding scripts/gen-certs.sh, else cwd. */
export const REPO = (() => {
  if (process.env.REPO_ROOT) return process.env.REPO_ROOT;
  let dir = DIST;
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'gen-certs.sh'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
})();
export const TLS = join(REPO, '.tmp', 'tls');
export const CA_FILE = join(TLS, 'ca.pem');

export function ensureCerts(): void {
  if (!existsSync(CA_FILE) || !existsSync(join(TLS, 'leaf.pem'))) {
    execFileSync('bash', [join(REPO, 'scripts', 'gen-certs.sh')], { stdio: 'inherit', cwd: REPO });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Rejects as soon as the process ends (a boot failure should not wait out a timeout). */
function orExit<T>(proc: Proc, p: Promise<T>): Promise<T> {
  return Promise.race([p, proc.exited.then((code) => Promise.reject(new Error(`${proc.name} exited (${code}): ${proc.output().slice(-2000)}`)))]);
}

/** Polls until fn() is truthy or the time is up. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Last lines of stdout+stderr (for failure messages and log assertions). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<number | string>;
}

export function spawnNode(name: string, script: string, env: Record<string, string>, args: string[] = []): Proc {
  const child = spawn(process.execPath, [join(DIST, script), ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_EXTRA_CA_CERTS: CA_FILE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    for (const l of b.toString('utf8').split('\n')) if (l) lines.push(l);
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let done = false;
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, sig) => {
      done = true;
      resolve(code ?? sig ?? -1);
    }),
  );
  const proc: Proc = {
    name,
    child,
    pid: child.pid!,
    output: () => lines.join('\n'),
    exited,
    alive: () => !done,
    kill: (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
    },
    async stop(graceMs = 30_000) {
      if (done) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
  return proc;
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/** The API (`node dist/apps/api/src/main.js`) on `port`; resolves once /health/live answers. */
export async function startApiProc(env: Record<string, string>, port?: number, name = 'api'): Promise<Proc & { url: string; port: number }> {
  const p = port ?? (await freePort());
  const proc = spawnNode(name, 'apps/api/src/main.js', { ...env, PORT: String(p) });
  const url = `http://127.0.0.1:${p}`;
  await orExit(proc, waitFor(() => httpOk(`${url}/health/live`), 60_000, `${name} to listen`)).catch((e) => {
    proc.kill('SIGKILL');
    throw e;
  });
  return Object.assign(proc, { url, port: p });
}

/** The worker (`node dist/apps/worker/src/main.js`); resolves once its health port says it is live. */
export async function startWorkerProc(env: Record<string, string>, name = 'worker'): Promise<Proc & { healthUrl: string }> {
  const hp = await freePort();
  const proc = spawnNode(name, 'apps/worker/src/main.js', { ...env, WORKER_HEALTH_PORT: String(hp) });
  const healthUrl = `http://127.0.0.1:${hp}`;
  await orExit(proc, waitFor(() => httpOk(`${healthUrl}/health/live`), 60_000, `${name} to start`)).catch((e) => {
    proc.kill('SIGKILL');
    throw e;
  });
  return Object.assign(proc, { healthUrl });
}

/** The simulator as its own process (`npm run simulator`), on a spare port. */
export async function startSimProc(): Promise<Proc & { port: number }> {
  const port = await freePort();
  const proc = spawnNode('simulator', 'apps/bitwarden-simulator/src/main.js', { SIM_PORT: String(port) });
  await waitFor(() => {
    if (!proc.alive()) throw new Error(`simulator exited: ${proc.output()}`);
    return proc.output().includes('listening');
  }, 30_000, 'simulator to listen');
  return Object.assign(proc, { port });
}

/** VmRSS of a process in MB, from /proc (null when it is gone). */
export function rssMb(pid: number): number | null {
  try {
    const s = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(s);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
