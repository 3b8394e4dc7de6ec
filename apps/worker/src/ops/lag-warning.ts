/**
 * Lag worth a warning: a fifth of the interval (twice the spread the scheduler itself allows, 10 %), but never
 * under a minute, so that the sweep's own few seconds of delay on a short test interval are not called a problem.
 */
export const lagThresholdSeconds = (intervalSeconds: number): number => Math.max(60, intervalSeconds / 5);

/** Says yes at most once per `everyMs`, so a lag that lasts hours writes one line a minute, not one per sample. */
export class RateLimitedWarning {
  private last = -Infinity;

  constructor(private readonly everyMs: number) {}

  shouldWarn(nowMs: number): boolean {
    if (nowMs - this.last < this.everyMs) return false;
    this.last = nowMs;
    return true;
  }
}
