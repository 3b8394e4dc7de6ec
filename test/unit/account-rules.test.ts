import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AccountRules } from '@app/accounts';
import { AppError } from '@app/common';

// The account rules case by case, with a fixed clock and `rand` pinned to the ends of its range (0 and 1), so
// every bound of a jittered time is an exact value.
const NOW = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const ZERO = () => 0;
const ONE = () => 1;
const CFG = { checkIntervalSeconds: 21600, refreshMarginSeconds: 300 };
const rejection = new AppError('credentials_rejected', 'Bitwarden rejected the credentials.');
const outage = new AppError('provider_unreachable', 'Bitwarden could not be reached.');
const TOKEN = { expiresAt: at(3600_000), expiresIn: 3600, scope: 'api.organization' };

describe('provenState', () => {
  test('an exchange proves the credentials: active, failures reset, next check one interval out (less jitter)', () => {
    const s = AccountRules.provenState(null, TOKEN, NOW, CFG, ZERO);
    assert.equal(s.status, 'active');
    assert.equal(s.statusReason, null);
    assert.equal(s.lastError, null);
    assert.equal(s.consecutiveFailures, 0);
    assert.deepEqual(s.lastVerifiedAt, NOW);
    assert.deepEqual(s.lastCheckedAt, NOW);
    assert.deepEqual(s.nextCheckAt, at(21600_000 * 0.9));
    assert.deepEqual(s.tokenExpiresAt, TOKEN.expiresAt);
    assert.equal(s.tokenScope, 'api.organization');
    assert.equal(s.tokenLifetimeSeconds, 3600);
  });

  test('no renewal is planned for an account nobody asked a token of; one is for an account in active use', () => {
    assert.equal(AccountRules.provenState(null, TOKEN, NOW, CFG, ZERO).refreshAt, null);
    const used = AccountRules.provenState(at(-60_000), TOKEN, NOW, CFG, ZERO);
    assert.deepEqual(used.refreshAt, at(3600_000 - 300_000));
  });
});

describe('rejectedState', () => {
  test('needs_relink with the reason and error, one more failure, the token cleared, the slow check kept', () => {
    const s = AccountRules.rejectedState({ consecutiveFailures: 2 }, rejection, NOW, CFG, ONE);
    assert.equal(s.status, 'needs_relink');
    assert.equal(s.statusReason, 'credentials_rejected');
    assert.deepEqual(s.lastError, { code: 'credentials_rejected', message: 'Bitwarden rejected the credentials.', at: NOW.toISOString() });
    assert.equal(s.consecutiveFailures, 3);
    assert.deepEqual(s.lastCheckedAt, NOW);
    assert.deepEqual(s.nextCheckAt, at(21600_000));
    for (const k of ['tokenEnc', 'tokenKeyId', 'tokenExpiresAt', 'tokenScope', 'tokenLifetimeSeconds', 'refreshAt'] as const) assert.equal(s[k], null, k);
  });
});

describe('transientState', () => {
  test('an active account becomes degraded with the failure code as reason, never needs_relink', () => {
    const s = AccountRules.transientState({ consecutiveFailures: 0, status: 'active', statusReason: null }, outage, NOW, CFG, ZERO);
    assert.equal(s.status, 'degraded');
    assert.equal(s.statusReason, 'provider_unreachable');
    assert.deepEqual(s.lastError, { code: 'provider_unreachable', message: 'Bitwarden could not be reached.', at: NOW.toISOString() });
    assert.equal(s.consecutiveFailures, 1);
    // First failure: the base backoff (30 s at a 6 h interval) at the low end of its jitter.
    assert.deepEqual(s.nextCheckAt, at(30_000 * 0.8));
    assert.equal('tokenEnc' in s, false, 'an outage leaves the cached token alone');
  });

  test('a needs_relink account stays needs_relink, with its rejection reason, through an outage', () => {
    const s = AccountRules.transientState({ consecutiveFailures: 4, status: 'needs_relink', statusReason: 'credentials_rejected' }, outage, NOW, CFG, ZERO);
    assert.equal(s.status, 'needs_relink');
    assert.equal(s.statusReason, 'credentials_rejected');
    assert.equal(s.lastError.code, 'provider_unreachable');
    assert.equal(s.consecutiveFailures, 5);
  });

  test('a degraded account stays degraded, its reason the latest failure', () => {
    const timeout = new AppError('provider_timeout', 'Bitwarden did not answer in time.');
    const s = AccountRules.transientState({ consecutiveFailures: 1, status: 'degraded', statusReason: 'provider_unreachable' }, timeout, NOW, CFG, ZERO);
    assert.equal(s.status, 'degraded');
    assert.equal(s.statusReason, 'provider_timeout');
  });
});

describe('backoffCheck', () => {
  const delay = (failures: number, interval: number, rand: () => number) => AccountRules.backoffCheck(NOW, failures, interval, rand).getTime() - NOW.getTime();

  test('doubles per failure from a 30 s base, jitter from 0.8 to 1.2 of the delay', () => {
    assert.equal(delay(1, 21600, ZERO), 24_000);
    assert.equal(delay(1, 21600, ONE), 36_000);
    assert.equal(delay(2, 21600, ZERO), 48_000);
    assert.equal(delay(3, 21600, ONE), 144_000);
    assert.equal(delay(0, 21600, ZERO), 24_000, 'no failure yet counts as the first');
  });

  test('is capped at one hour, and at the check interval when that is shorter', () => {
    assert.equal(delay(8, 21600, ZERO), 3600_000 * 0.8, '30 s × 2^7 = 64 min, capped at 60');
    assert.equal(delay(30, 21600, ONE), 3600_000 * 1.2);
    assert.equal(delay(6, 600, ZERO), 600_000 * 0.8, '30 s × 2^5 = 16 min, capped at the 10 min interval');
  });

  test('the base scales down with a short interval (a twentieth of it, at least 1 s)', () => {
    assert.equal(delay(1, 200, ZERO), 10_000 * 0.8);
    assert.equal(delay(1, 3, ZERO), 1000 * 0.8);
    assert.equal(delay(3, 3, ONE), 3000 * 1.2, '1 s × 4 capped at the 3 s interval');
  });
});

describe('nextRegularCheck', () => {
  test('one interval out, less up to a tenth: exactly 0.9 and 1.0 of it at the ends of rand', () => {
    assert.deepEqual(AccountRules.nextRegularCheck(NOW, 1000, ZERO), at(900_000));
    assert.deepEqual(AccountRules.nextRegularCheck(NOW, 1000, ONE), at(1000_000));
    assert.deepEqual(AccountRules.nextRegularCheck(NOW, 1000, () => 0.5), at(950_000));
  });
});

describe('isInActiveUse and refreshAtFor', () => {
  test('in active use: a token was asked for within two lifetimes', () => {
    assert.equal(AccountRules.isInActiveUse(null, 3600, NOW), false);
    assert.equal(AccountRules.isInActiveUse(at(-7200_000), 3600, NOW), true, 'exactly two lifetimes ago');
    assert.equal(AccountRules.isInActiveUse(at(-7200_001), 3600, NOW), false);
  });

  test('null when the account is not in active use', () => {
    assert.equal(AccountRules.refreshAtFor(null, TOKEN, NOW, 300, ZERO), null);
    assert.equal(AccountRules.refreshAtFor(at(-7200_001), TOKEN, NOW, 300, ZERO), null);
  });

  test('the margin before expiry, plus up to a tenth of it as jitter', () => {
    assert.deepEqual(AccountRules.refreshAtFor(NOW, TOKEN, NOW, 300, ZERO), at(3600_000 - 300_000));
    assert.deepEqual(AccountRules.refreshAtFor(NOW, TOKEN, NOW, 300, ONE), at(3600_000 - 330_000));
  });

  test('a short-lived token is renewed a quarter of its life before its end', () => {
    const short = { expiresAt: at(600_000), expiresIn: 600 };
    assert.deepEqual(AccountRules.refreshAtFor(NOW, short, NOW, 300, ZERO), at(600_000 - 150_000));
  });
});

describe('refreshMarginFor', () => {
  test('the configured margin for long tokens, a quarter of the lifetime for short ones', () => {
    assert.equal(AccountRules.refreshMarginFor(3600, 300), 300);
    assert.equal(AccountRules.refreshMarginFor(1200, 300), 300, 'a quarter is exactly the margin');
    assert.equal(AccountRules.refreshMarginFor(600, 300), 150);
    assert.equal(AccountRules.refreshMarginFor(61, 300), 15, 'rounded down to whole seconds');
  });
});

describe('tokenUsable', () => {
  const need = 60;
  const edge = need * 1000 + AccountRules.TOKEN_SAFETY_MS;

  test('usable when it outlives what was asked plus the safety second, not a millisecond less', () => {
    assert.equal(AccountRules.tokenUsable({ tokenEnc: 'blob', tokenExpiresAt: at(edge) }, need, NOW), true);
    assert.equal(AccountRules.tokenUsable({ tokenEnc: 'blob', tokenExpiresAt: at(edge - 1) }, need, NOW), false);
  });

  test('no token, or no expiry, is never usable', () => {
    assert.equal(AccountRules.tokenUsable({ tokenEnc: null, tokenExpiresAt: at(3600_000) }, need, NOW), false);
    assert.equal(AccountRules.tokenUsable({ tokenEnc: 'blob', tokenExpiresAt: null }, need, NOW), false);
  });
});

describe('renewedMeanwhile and nextRenewalOf', () => {
  test('renewed when more than the margin plus a tenth is left', () => {
    assert.equal(AccountRules.renewedMeanwhile({ tokenEnc: 'blob', tokenExpiresAt: at(330_001) }, 3600, 300, NOW), true);
    assert.equal(AccountRules.renewedMeanwhile({ tokenEnc: 'blob', tokenExpiresAt: at(330_000) }, 3600, 300, NOW), false);
    assert.equal(AccountRules.renewedMeanwhile({ tokenEnc: null, tokenExpiresAt: at(3600_000) }, 3600, 300, NOW), false);
    assert.equal(AccountRules.renewedMeanwhile({ tokenEnc: 'blob', tokenExpiresAt: null }, 3600, 300, NOW), false);
  });

  test('uses the short-token margin too', () => {
    assert.equal(AccountRules.renewedMeanwhile({ tokenEnc: 'blob', tokenExpiresAt: at(165_001) }, 600, 300, NOW), true);
    assert.equal(AccountRules.renewedMeanwhile({ tokenEnc: 'blob', tokenExpiresAt: at(165_000) }, 600, 300, NOW), false);
  });

  test('the next renewal is the margin before the end, with up to a tenth more', () => {
    const end = at(3600_000);
    assert.deepEqual(AccountRules.nextRenewalOf(end, 3600, 300, ZERO), at(3300_000));
    assert.deepEqual(AccountRules.nextRenewalOf(end, 3600, 300, ONE), at(3270_000));
  });
});
