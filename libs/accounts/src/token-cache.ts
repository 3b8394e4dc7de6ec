import type { TokenState } from './persistence/accounts.repository';

/**
 * How stale a cached token state may be, at most: a delete, suspend or token reset made by any process is
 * honoured by every other process within this long even if its invalidation message is lost (pub/sub is
 * at-most-once, and a half-open connection is not noticed at once). The invalidation message normally makes it
 * a millisecond or two.
 */
export const TOKEN_CACHE_MAX_AGE_MS = 100;
/** Entries are a few hundred bytes; this bounds the cache to a few MB whatever the number of accounts. */
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;

export interface CachedTokenState {
  state: TokenState;
  /** The opened token of `state.tokenEnc`, once someone needed it. */
  accessToken: string | null;
}

interface Entry {
  value: CachedTokenState;
  /** When the read that produced it started, not ended: what it says was true no earlier than that. */
  readAt: number;
}

/** Taken before the Postgres read whose result is to be cached. */
export interface FillTicket {
  readonly at: number;
  readonly generation: number;
}

/**
 * The token path's in-process cache of account token states (decrypted tokens included). Only in memory, never
 * written anywhere; disabled (and empty) while invalidations cannot be heard.
 *
 * A read that started before an invalidation must not store what it read after it: every invalidation bumps a
 * generation, and a fill whose ticket is older is dropped. One generation for all ids keeps this exact at the
 * price of dropping an unrelated fill now and then.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  /** Reads in flight, so that the misses of a hot id when its entry ages out cost one read, not one each. */
  private readonly pending = new Map<string, { generation: number; read: Promise<CachedTokenState | null> }>();
  private generation = 0;
  private enabled = false;
  /** Counters for tests and diagnostics; not a metric (several in-process instances would share a registry). */
  readonly stats = { hits: 0, fills: 0, invalidations: 0, drops: 0 };

  constructor(
    private readonly maxAgeMs = TOKEN_CACHE_MAX_AGE_MS,
    private readonly maxEntries = TOKEN_CACHE_MAX_ENTRIES,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get isEnabled(): boolean {
    return this.enabled;
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): CachedTokenState | null {
    if (!this.enabled) return null;
    const e = this.entries.get(id);
    if (!e) return null;
    if (this.clock() - e.readAt > this.maxAgeMs) {
      this.entries.delete(id);
      return null;
    }
    this.stats.hits++;
    return e.value;
  }

  /**
   * The cached state of `id`, else the result of `read`, shared with the concurrent misses of the same id, and
   * stored. A miss never joins a read begun before an invalidation, nor any read while the cache is off.
   */
  through(id: string, read: () => Promise<TokenState | null>): Promise<CachedTokenState | null> {
    const hit = this.get(id);
    if (hit) return Promise.resolve(hit);
    const inFlight = this.pending.get(id);
    if (this.enabled && inFlight && inFlight.generation === this.generation) return inFlight.read;
    const t = this.ticket();
    const p = read().then((state) => {
      if (!state) return null;
      const value: CachedTokenState = { state, accessToken: null };
      this.put(id, t, value);
      return value;
    });
    if (this.enabled) {
      this.pending.set(id, { generation: t.generation, read: p });
      const done = () => {
        if (this.pending.get(id)?.read === p) this.pending.delete(id);
      };
      p.then(done, done);
    }
    return p;
  }

  ticket(): FillTicket {
    return { at: this.clock(), generation: this.generation };
  }

  /** Stores what a read begun at `t` found, unless the cache was invalidated or disabled since. */
  put(id: string, t: FillTicket, value: CachedTokenState): void {
    if (!this.enabled || t.generation !== this.generation || this.clock() - t.at > this.maxAgeMs) return;
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, { value, readAt: t.at });
    this.stats.fills++;
  }

  invalidate(id: string): void {
    this.generation++;
    this.stats.invalidations++;
    this.entries.delete(id);
    this.pending.delete(id);
  }

  /** Forgets everything; with `enabled` false, caches nothing until enabled again. */
  drop(enabled: boolean): void {
    this.generation++;
    this.stats.drops++;
    this.entries.clear();
    this.pending.clear();
    this.enabled = enabled;
  }
}
