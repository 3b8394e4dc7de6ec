import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Test } from '@nestjs/testing';
import { AccountsRepository, AccountVerifier, VerifyResult } from '@app/accounts';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { AccountEntity } from '@app/database';
import { RedisLock } from '@app/redis';
import { AccountJobsProcessor, JobOutcome } from '../../apps/worker/src/jobs/account-jobs.processor';
import { BreakerState, HostBreaker } from '@app/bitwarden';

// The worker's decision tree, one case per branch, with in-memory stand-ins for its collaborators (no Postgres,
// Redis or Bitwarden): each records what it was asked, so a test asserts both the outcome and the side effects.
const HOST = 'identity.bitwarden.com';
const INTERVAL_S = 21600;
const PROBE_MS = 5000;

type Call = [string, ...unknown[]];

function account(over: Partial<AccountEntity> = {}): AccountEntity {
  return {
    id: '7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b11',
    identityBaseUrl: `https://${HOST}`,
    status: 'active',
    statusReason: null,
    consecutiveFailures: 0,
    credentialsVersion: 1,
    tokenEnc: null,
    tokenExpiresAt: null,
    tokenLifetimeSeconds: 3600,
    lastTokenRequestAt: null,
    // The server was looked at recently: a check only exchanges a token (the daily look is its own case below).
    serverCheckedAt: new Date(),
    ...over,
  } as AccountEntity;
}

class World {
  calls: Call[] = [];
  row: AccountEntity | null = account();
  breakerState: BreakerState = { open: false };
  probeGranted = false;
  breakerOpensOnFailure = false;
  lockFree = true;
  result: VerifyResult = { kind: 'superseded' };

  repo = {
    findById: async (id: string) => (this.row && this.row.id === id ? this.row : null),
    reschedule: async (id: string, patch: Record<string, Date | null>) => void this.calls.push(['reschedule', id, patch]),
  };
  verifier = {
    ruleConfig: { checkIntervalSeconds: INTERVAL_S, refreshMarginSeconds: 300 },
    verify: async (a: AccountEntity, o: unknown) => {
      this.calls.push(['verify', a.id, o]);
      return this.result;
    },
    recordFailure: async (a: AccountEntity, e: AppError) => {
      this.calls.push(['verifier.recordFailure', a.id, e.code]);
      return { kind: 'transient', account: a, error: e } as VerifyResult;
    },
    reprobe: async (a: AccountEntity) => {
      this.calls.push(['verifier.reprobe', a.id]);
      return this.reprobed;
    },
  };
  reprobed: AccountEntity | null = null;
  breaker = {
    state: async (host: string) => (assert.equal(host, HOST), this.breakerState),
    tryProbe: async (host: string, ms: number) => (this.calls.push(['tryProbe', host, ms]), this.probeGranted),
    close: async (host: string) => void this.calls.push(['close', host]),
    recordSuccess: async (host: string) => void this.calls.push(['recordSuccess', host]),
    recordFailure: async (host: string) => (this.calls.push(['breaker.recordFailure', host]), this.breakerOpensOnFailure),
    probeFailed: async (host: string, probeMs: number, capMs: number) => void this.calls.push(['probeFailed', host, probeMs, capMs]),
  };
  lock = {
    withLock: async <T>(spec: { name: string }, fn: () => Promise<T>) => {
      this.calls.push(['withLock', spec.name]);
      return this.lockFree ? { acquired: true as const, value: await fn() } : { acquired: false as const };
    },
  };

  names = () => this.calls.map((c) => c[0]);
  find = (name: string) => this.calls.find((c) => c[0] === name);
}

async function processorFor(w: World): Promise<AccountJobsProcessor> {
  const mod = await Test.createTestingModule({
    providers: [
      AccountJobsProcessor,
      { provide: AccountsRepository, useValue: w.repo },
      { provide: AccountVerifier, useValue: w.verifier },
      { provide: HostBreaker, useValue: w.breaker },
      { provide: RedisLock, useValue: w.lock },
      { provide: AppConfig, useValue: { accountCheckIntervalSeconds: INTERVAL_S } },
    ],
  }).compile();
  return mod.get(AccountJobsProcessor);
}

const transient = (code: 'provider_unreachable' | 'provider_rate_limited' = 'provider_unreachable'): VerifyResult => ({
  kind: 'transient',
  account: null,
  error: new AppError(code, 'Bitwarden could not be reached.'),
});

/** The time a reschedule call set for `field`, in ms from `t0`. */
function rescheduledIn(w: World, field: 'nextCheckAt' | 'refreshAt', t0: number): number {
  const c = w.find('reschedule');
  assert.ok(c, `a reschedule in ${JSON.stringify(w.calls)}`);
  const patch = c[2] as Record<string, Date | null>;
  assert.deepEqual(Object.keys(patch), [field]);
  return (patch[field] as Date).getTime() - t0;
}

// A fresh world and processor for every test.
let w: World;
let p: AccountJobsProcessor;
beforeEach(async () => {
  w = new World();
  p = await processorFor(w);
});

describe('AccountJobsProcessor.check', () => {

  test('a deleted account is skipped without an exchange', async () => {
    w.row = null;
    assert.deepEqual(await p.check(account().id), { kind: 'skipped', detail: 'account deleted' });
    assert.deepEqual(w.calls, []);
  });

  test('breaker open and no probe slot: postponed past the probe interval, status untouched, no exchange', async () => {
    w.breakerState = { open: true, probeIntervalMs: PROBE_MS };
    const t0 = Date.now();
    assert.deepEqual(await p.check(account().id), { kind: 'skipped', detail: 'identity host is in outage' });
    assert.deepEqual(w.names(), ['tryProbe', 'reschedule']);
    const inMs = rescheduledIn(w, 'nextCheckAt', t0);
    assert.ok(inMs >= PROBE_MS - 5 && inMs <= 2 * PROBE_MS + 50, `postponed ${inMs} ms`);
  });

  test('breaker open and the probe succeeds: the breaker is closed', async () => {
    w.breakerState = { open: true, probeIntervalMs: PROBE_MS };
    w.probeGranted = true;
    w.result = { kind: 'ok', account: account(), token: {} as never };
    assert.deepEqual(await p.check(account().id), { kind: 'done', detail: 'active' });
    assert.deepEqual(w.names(), ['tryProbe', 'verify', 'close']);
  });

  test('the probe fails: probeFailed with the current interval and the check interval as cap, then postponed', async () => {
    w.breakerState = { open: true, probeIntervalMs: PROBE_MS };
    w.probeGranted = true;
    w.result = transient();
    const t0 = Date.now();
    const out = await p.check(account().id);
    assert.deepEqual(out, { kind: 'skipped', detail: 'probe of the identity host failed: provider_unreachable' });
    assert.deepEqual(w.find('probeFailed'), ['probeFailed', HOST, PROBE_MS, INTERVAL_S * 1000]);
    assert.deepEqual(w.names(), ['tryProbe', 'verify', 'probeFailed', 'reschedule']);
    const inMs = rescheduledIn(w, 'nextCheckAt', t0);
    assert.ok(inMs >= 24_000 - 5 && inMs <= 36_000 + 50, `postponed ${inMs} ms (the first backoff step)`);
  });

  test('the budget is spent: a delay of the wait (plus up to 250 ms), nothing recorded', async () => {
    w.result = { kind: 'budget', waitMs: 4000, error: new AppError('provider_rate_limited', 'budget') };
    const t0 = Date.now();
    const out = (await p.check(account().id)) as Extract<JobOutcome, { kind: 'delay' }>;
    assert.equal(out.kind, 'delay');
    assert.equal(out.detail, 'budget exhausted');
    assert.ok(out.at >= t0 + 4000 && out.at <= Date.now() + 4250, `delay until +${out.at - t0} ms`);
    assert.deepEqual(w.names(), ['verify']);
  });

  test('the exchange asks for a background slot, without waiting, and leaves transient failures to the worker', async () => {
    await p.check(account().id);
    assert.deepEqual(w.find('verify'), ['verify', account().id, { priority: 'background', maxWaitMs: 0, recordTransient: false }]);
  });

  test('credentials replaced meanwhile: skipped', async () => {
    w.result = { kind: 'superseded' };
    assert.deepEqual(await p.check(account().id), { kind: 'skipped', detail: 'credentials changed meanwhile' });
    assert.deepEqual(w.names(), ['verify']);
  });

  test('ok with the breaker closed: a success is recorded for the host', async () => {
    w.result = { kind: 'ok', account: account(), token: {} as never };
    assert.deepEqual(await p.check(account().id), { kind: 'done', detail: 'active' });
    assert.deepEqual(w.names(), ['verify', 'recordSuccess']);
  });

  test('ok and the daily look at the server is due: the API URL is probed again; a failed probe is reported', async () => {
    const stale = account({ serverCheckedAt: new Date(Date.now() - 25 * 3600_000) });
    w.result = { kind: 'ok', account: stale, token: {} as never };
    w.reprobed = { ...stale, apiError: { code: 'provider_error', message: 'The API URL broke.', at: new Date().toISOString() } } as AccountEntity;
    assert.deepEqual(await p.check(stale.id), { kind: 'done', detail: 'API URL probe failed: provider_error' });
    assert.deepEqual(w.names(), ['verify', 'recordSuccess', 'verifier.reprobe']);
  });

  test('ok with a recent look at the server: no probe of the API URL', async () => {
    w.result = { kind: 'ok', account: account({ serverCheckedAt: new Date(Date.now() - 23 * 3600_000) }), token: {} as never };
    assert.deepEqual(await p.check(account().id), { kind: 'done', detail: 'active' });
    assert.equal(w.find('verifier.reprobe'), undefined);
  });

  test('rejected: done with the code; the breaker hears nothing (a rejection is no outage)', async () => {
    w.result = { kind: 'rejected', account: account(), error: new AppError('credentials_rejected', 'rejected') };
    assert.deepEqual(await p.check(account().id), { kind: 'done', detail: 'credentials_rejected' });
    assert.deepEqual(w.names(), ['verify']);
  });

  test('transient and the breaker opens: postponed, the failure is not recorded on the account', async () => {
    w.result = transient();
    w.breakerOpensOnFailure = true;
    assert.deepEqual(await p.check(account().id), { kind: 'skipped', detail: 'identity host is in outage' });
    assert.deepEqual(w.names(), ['verify', 'breaker.recordFailure', 'reschedule']);
    assert.equal(w.find('verifier.recordFailure'), undefined);
  });

  test('transient below the threshold: recorded on the account, no reschedule of its own', async () => {
    w.result = transient();
    assert.deepEqual(await p.check(account().id), { kind: 'done', detail: 'provider_unreachable' });
    assert.deepEqual(w.names(), ['verify', 'breaker.recordFailure', 'verifier.recordFailure']);
    assert.deepEqual(w.find('verifier.recordFailure'), ['verifier.recordFailure', account().id, 'provider_unreachable']);
  });

  test('a 429 below the threshold is recorded and reported as a paused host', async () => {
    w.result = transient('provider_rate_limited');
    assert.deepEqual(await p.check(account().id), { kind: 'done', detail: 'rate limited by Bitwarden; host paused' });
  });
});

describe('AccountJobsProcessor.refresh', () => {
  const now = () => Date.now();

  test('a deleted account is skipped', async () => {
    w.row = null;
    assert.deepEqual(await p.refresh(account().id), { kind: 'skipped', detail: 'account deleted' });
    assert.deepEqual(w.calls, []);
  });

  test('needs_relink: the renewal is dropped (refreshAt null), no exchange', async () => {
    w.row = account({ status: 'needs_relink', lastTokenRequestAt: new Date() });
    assert.deepEqual(await p.refresh(account().id), { kind: 'skipped', detail: 'needs relink' });
    assert.deepEqual(w.calls, [['reschedule', account().id, { refreshAt: null }]]);
  });

  test('no longer in active use: the renewal is dropped, no exchange', async () => {
    w.row = account({ lastTokenRequestAt: new Date(now() - 2 * 3600_000 - 60_000) });
    assert.deepEqual(await p.refresh(account().id), { kind: 'skipped', detail: 'no longer in active use' });
    assert.deepEqual(w.calls, [['reschedule', account().id, { refreshAt: null }]]);
  });

  test('renewed meanwhile: the next renewal is planned the margin (plus jitter) before this token ends', async () => {
    const expires = new Date(now() + 3000_000);
    w.row = account({ lastTokenRequestAt: new Date(), tokenEnc: Buffer.from('blob'), tokenExpiresAt: expires });
    assert.deepEqual(await p.refresh(account().id), { kind: 'skipped', detail: 'token already renewed' });
    assert.deepEqual(w.names(), ['reschedule']);
    const before = expires.getTime() - rescheduledIn(w, 'refreshAt', 0);
    assert.ok(before >= 300_000 && before <= 330_000, `renewal ${before} ms before the end`);
  });

  test('the token lock is held elsewhere: a delay of a second, no exchange', async () => {
    w.row = account({ lastTokenRequestAt: new Date() });
    w.lockFree = false;
    const t0 = now();
    const out = (await p.refresh(account().id)) as Extract<JobOutcome, { kind: 'delay' }>;
    assert.equal(out.kind, 'delay');
    assert.equal(out.detail, 'token exchange in progress elsewhere');
    assert.ok(out.at >= t0 + 1000 && out.at <= now() + 1000, `delay until +${out.at - t0} ms`);
    assert.deepEqual(w.calls, [['withLock', `token-${account().id}`]]);
  });

  test('under the lock: an interactive exchange; a transient failure is recorded and the renewal retried soon', async () => {
    w.row = account({ lastTokenRequestAt: new Date() });
    w.result = transient();
    const t0 = now();
    assert.deepEqual(await p.refresh(account().id), { kind: 'done', detail: 'provider_unreachable' });
    assert.deepEqual(w.names(), ['withLock', 'verify', 'breaker.recordFailure', 'verifier.recordFailure', 'reschedule']);
    assert.deepEqual((w.find('verify') as Call)[2], { priority: 'interactive', maxWaitMs: 0, recordTransient: false });
    const inMs = rescheduledIn(w, 'refreshAt', t0);
    assert.ok(inMs >= 3000 * 0.8 - 5 && inMs <= 3000 * 1.2 + 50, `retried in ${inMs} ms (first step at a 60 s scale)`);
  });
});
