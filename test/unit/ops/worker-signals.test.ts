import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeLabel } from '../../../apps/api/src/common/http-metrics';
import { jobOutcomeLabel } from '../../../apps/worker/src/ops/job-outcome-label';
import { lagThresholdSeconds, RateLimitedWarning } from '../../../apps/worker/src/ops/lag-warning';

test('job outcomes map to a closed set of labels; unknown details become other', () => {
  const cases: Array<[Parameters<typeof jobOutcomeLabel>[0], string]> = [
    [{ kind: 'done', detail: 'active' }, 'active'],
    [{ kind: 'done', detail: 'credentials_rejected' }, 'needs_relink'],
    [{ kind: 'done', detail: 'provider_timeout' }, 'provider_timeout'],
    [{ kind: 'done', detail: 'provider_unreachable' }, 'provider_unreachable'],
    [{ kind: 'done', detail: 'rate limited by Bitwarden; host paused' }, 'provider_rate_limited'],
    [{ kind: 'done', detail: 'API URL probe failed: provider_error' }, 'api_probe_failed'],
    [{ kind: 'skipped', detail: 'identity host is in outage' }, 'postponed_outage'],
    [{ kind: 'skipped', detail: 'probe of the identity host failed: provider_unreachable' }, 'probe_failed'],
    [{ kind: 'skipped', detail: 'credentials changed meanwhile' }, 'superseded'],
    [{ kind: 'skipped', detail: 'suspended' }, 'skipped'],
    [{ kind: 'delay', at: 0, detail: 'budget exhausted' }, 'budget_delay'],
    [{ kind: 'delay', at: 0, detail: 'token exchange in progress elsewhere' }, 'lock_delay'],
    [{ kind: 'done', detail: 'something new 123e4567' }, 'other'],
    [{ kind: 'done', detail: 'toString' }, 'other'],
  ];
  for (const [outcome, label] of cases) assert.equal(jobOutcomeLabel(outcome), label, JSON.stringify(outcome));
});

test('the lag threshold is a fifth of the interval, never under a minute', () => {
  assert.equal(lagThresholdSeconds(21600), 4320);
  assert.equal(lagThresholdSeconds(3), 60);
  assert.equal(lagThresholdSeconds(300), 60);
});

test('the lag warning is written at most once a minute', () => {
  const w = new RateLimitedWarning(60_000);
  assert.equal(w.shouldWarn(1_000), true);
  assert.equal(w.shouldWarn(5_000), false);
  assert.equal(w.shouldWarn(60_999), false);
  assert.equal(w.shouldWarn(61_000), true);
});

test('route labels are the matched template; no route or a catch-all is unmatched', () => {
  const req = (path?: unknown, baseUrl = '') => ({ route: path === undefined ? undefined : { path }, baseUrl }) as never;
  assert.equal(routeLabel(req('/v1/accounts/:id/verify')), '/v1/accounts/:id/verify');
  assert.equal(routeLabel(req('/v1/accounts/:id/bitwarden/*path')), '/v1/accounts/:id/bitwarden/*path');
  assert.equal(routeLabel(req(undefined)), 'unmatched');
  assert.equal(routeLabel(req('/{*path}')), 'unmatched');
  assert.equal(routeLabel(req(/regex/)), 'unmatched');
});
