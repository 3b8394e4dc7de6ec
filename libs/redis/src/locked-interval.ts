import { LockResult, LockSpec, RedisLock } from './redis-lock';

/**
 * A timer that every process runs and, each round, one process works under a Redis lock: the housekeeping of tables
 * (expired sessions and idempotency keys, old events). Rounds never overlap within a process, and stop() waits for
 * the one running.
 */
export class LockedInterval<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly lock: RedisLock,
    private readonly spec: LockSpec,
    private readonly everyMs: number,
    private readonly work: () => Promise<T>,
    private readonly onError: (e: Error) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.runOnce().catch(this.onError);
    }, this.everyMs);
    this.timer.unref();
  }

  /** One round now: its result, or `{acquired: false}` when another process held the lock. */
  runOnce(): Promise<LockResult<T>> {
    return this.lock.withLock(this.spec, this.work);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}

/** Calls `batch(size)` until it deletes fewer than `size` rows or `maxBatches` ran; the total it deleted. */
export async function drainInBatches(batch: (size: number) => Promise<number>, size: number, maxBatches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await batch(size);
    total += n;
    if (n < size) break;
  }
  return total;
}
