// The fault suite's own Redis and PostgreSQL, on spare ports, so tests may stop, kill and flush them without
// touching the machine's services on 5432/6379.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort, sleep, waitFor } from '../../support/procs';

export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const s = new RedisServer(await freePort());
    await s.start();
    return s;
  }

  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
      stdio: 'ignore',
    });
    await waitFor(() => this.ping(), 10_000, `redis on ${this.port}`);
  }

  async ping(): Promise<boolean> {
    const r = new Redis(this.url(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  }

  /** A crash: SIGKILL, nothing saved. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
    this.child = null;
  }

  /** A hang: SIGSTOP keeps every connection open but nothing is answered (a frozen VM, a full buffer). */
  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  private signal(sig: NodeJS.Signals): void {
    if (!this.child?.pid || this.child.exitCode !== null) throw new Error('redis-server is not running');
    process.kill(this.child.pid, sig);
  }

  async flushAll(): Promise<void> {
    const r = new Redis(this.url());
    try {
      await r.flushall();
    } finally {
      r.disconnect();
    }
  }
}

function pgBin(name: string): string {
  for (const d of ['/usr/local/bin', ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : [])]) {
    if (existsSync(join(d, name))) return join(d, name);
  }
  return name;
}

/** initdb refuses to run as root: then everything runs as the postgres user, in a directory it owns. */
function asPostgres(cmd: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class PgServer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PgServer> {
    const dir = mkdtempSync(join(tmpdir(), 'bwc-faults-pg-'));
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(dir, uid, gid);
    }
    asPostgres(pgBin('initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const s = new PgServer(await freePort(), dir);
    await s.start();
    return s;
  }

  url(db = 'bwc_faults'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  // synchronous_commit stays on: with it off, `stop('immediate')` (a crash) loses commits already acknowledged,
  // and "answered 201, so the row is there" would not hold. fsync=off costs nothing here: the data outlives a
  // crash of Postgres, just not of the machine.
  async start(): Promise<void> {
    asPostgres(pgBin('pg_ctl'), [
      '-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '30',
      '-o', `-p ${this.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
  }

  /** 'immediate' is a crash (no checkpoint, connections cut); 'fast' a clean shutdown. */
  async stop(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    try {
      asPostgres(pgBin('pg_ctl'), ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
    } catch {
      /* already stopped */
    }
    await sleep(100);
  }

  /**
   * A hang: SIGSTOP the postmaster first (so it forks nothing new), then every backend and auxiliary process it
   * started. Found by parent pid, not by name, so only this server's processes are ever signalled.
   */
  pause(): void {
    const master = this.postmasterPid();
    process.kill(master, 'SIGSTOP');
    for (const pid of childrenOf(master)) process.kill(pid, 'SIGSTOP');
  }

  resume(): void {
    const master = this.postmasterPid();
    for (const pid of childrenOf(master)) process.kill(pid, 'SIGCONT');
    process.kill(master, 'SIGCONT');
  }

  /** A server left paused would keep `pg_ctl stop` waiting: resume whatever is stopped first. */
  private resumeQuietly(): void {
    try {
      this.resume();
    } catch {
      /* not running */
    }
  }

  private postmasterPid(): number {
    const pid = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error('no postmaster.pid');
    return pid;
  }

  async destroy(): Promise<void> {
    this.resumeQuietly();
    await this.stop('immediate');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Pids whose parent is `ppid`, read from /proc. */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name (field 2) is in parentheses and may hold spaces: the parent pid follows the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}
