import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * A Lua script called by its SHA1 (EVALSHA), so that hot paths send a few bytes instead of the whole script on
 * every call; the full text goes only when Redis does not know it (first use, a restart, SCRIPT FLUSH).
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<T = unknown>(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number> = []): Promise<T> {
    try {
      return (await client.evalsha(this.sha, keys.length, ...keys, ...args)) as T;
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return (await client.eval(this.source, keys.length, ...keys, ...args)) as T;
    }
  }
}
