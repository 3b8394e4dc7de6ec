// What the token-cache tests share: reaching an API instance's cache, waiting out the cache's staleness bound
// after a change made behind the service's back, and a TCP gate in front of Redis that can be cut.
import { createConnection, createServer, Server, Socket } from 'node:net';
import { TOKEN_CACHE_MAX_AGE_MS, TokenCache, TokenCacheService } from '@app/accounts';
import { clearToken } from '../../support/fixtures';
import { sleep } from '../../support/procs';
import { Api } from '../../support/stack';

export const cacheOf = (api: Api): TokenCache => api.app.get(TokenCacheService).cache;

/**
 * A change written straight to Postgres announces nothing: only the age bound makes the caches forget it. Waiting
 * that bound out makes the next call deterministic.
 */
export const afterCacheBound = () => sleep(TOKEN_CACHE_MAX_AGE_MS + 5);

export async function clearTokenBehindCaches(id: string): Promise<void> {
  await clearToken(id);
  await afterCacheBound();
}

/** A TCP forwarder to Redis; cut() closes every connection through it and refuses new ones until restore(). */
export interface RedisGate {
  /** The Redis URL through the gate (same database as `upstream`). */
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startRedisGate(upstream: string): Promise<RedisGate> {
  const u = new URL(upstream);
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) return void client.destroy();
    const up = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    open.add(client).add(up);
    const end = () => {
      client.destroy();
      up.destroy();
      open.delete(client);
      open.delete(up);
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    client.pipe(up).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const through = new URL(upstream);
  through.hostname = '127.0.0.1';
  through.port = String(port);
  return {
    url: through.toString(),
    cut() {
      cut = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
