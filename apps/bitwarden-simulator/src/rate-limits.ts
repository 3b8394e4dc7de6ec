// The real servers' per-IP limits: AspNetCoreRateLimit fixed windows (Bitwarden cloud) and governor's GCRA
// (Vaultwarden's login limit). Pure bookkeeping; the handlers decide which rules apply and write the 429s.
import type { RealmLimits } from './types';

export const DEFAULT_LIMITS: Omit<RealmLimits, 'enabled'> = {
  tokenPerMinute: 10,
  tokenPerSecond: 5,
  apiReadsPerMinute: 200,
  apiWritesPerMinute: 60,
  apiWritesPerSecond: 5,
  loginBurst: 10,
  loginPeriodSeconds: 60,
};

export type Period = '1s' | '1m';
const PERIOD_MS: Record<Period, number> = { '1s': 1000, '1m': 60_000 };

export interface WindowRule {
  /** Counter name; rules with the same key share a counter (AspNetCoreRateLimit keys counters by rule endpoint). */
  key: string;
  period: Period;
  limit: number;
}

export type WindowVerdict =
  | { limited: true; period: Period; retryAfter: number }
  | { limited: false; headers: Record<string, string> | null };

interface Window {
  start: number;
  count: number;
}

/** .NET DateTime.ToString("o") for a UTC instant: seven fractional digits and a Z. */
function roundTrip(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '0000Z');
}

export class FixedWindows {
  private windows = new Map<string, Window>();

  /**
   * AspNetCoreRateLimit's loop: rules from the shortest period up; each one counts the request (refused or not)
   * and the first one over its limit refuses it, so longer rules never see a request a shorter one refused.
   */
  check(scope: string, rules: WindowRule[], now = Date.now()): WindowVerdict {
    const seen: Array<{ rule: WindowRule; w: Window }> = [];
    for (const rule of [...rules].sort((a, b) => PERIOD_MS[a.period] - PERIOD_MS[b.period])) {
      const id = `${scope}|${rule.key}|${rule.period}`;
      let w = this.windows.get(id);
      if (!w || w.start + PERIOD_MS[rule.period] < now) {
        w = { start: now, count: 0 };
        this.windows.set(id, w);
      }
      w.count += 1;
      if (w.count > rule.limit) {
        // RetryAfterFrom: 1 for one-second rules, else the period's seconds minus the (rounded) seconds gone.
        const secs = PERIOD_MS[rule.period] / 1000;
        const retryAfter = secs > 1 ? Math.max(1, secs - Math.round((now - w.start) / 1000)) : 1;
        return { limited: true, period: rule.period, retryAfter };
      }
      seen.push({ rule, w });
    }
    // X-Rate-Limit-* describe the longest rule that matched.
    const longest = seen[seen.length - 1];
    if (!longest) return { limited: false, headers: null };
    return {
      limited: false,
      headers: {
        'X-Rate-Limit-Limit': longest.rule.period,
        'X-Rate-Limit-Remaining': String(longest.rule.limit - longest.w.count),
        'X-Rate-Limit-Reset': roundTrip(longest.w.start + PERIOD_MS[longest.rule.period]),
      },
    };
  }

  clear(): void {
    this.windows.clear();
  }
}

/** governor's GCRA as Vaultwarden configures it: `burst` at once, then one more every `periodMs`; refusals cost nothing. */
export class Gcra {
  private tat = new Map<string, number>();

  allow(key: string, burst: number, periodMs: number, now = Date.now()): boolean {
    const tat = Math.max(this.tat.get(key) ?? now, now);
    if (tat - now > periodMs * (Math.max(1, burst) - 1)) return false;
    this.tat.set(key, tat + periodMs);
    return true;
  }

  clear(): void {
    this.tat.clear();
  }
}
