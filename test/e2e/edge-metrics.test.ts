// /metrics behind METRICS_TOKEN: open when it is unset, a bearer token in the error shape's 401 when it is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SimulatorHandle } from '@app/simulator';
import { AppConfig, ConfigError } from '@app/config';
import { Api, startApi, useStack } from '../support/stack';
import { SERVICE_KEY } from '../support/env';
import { assertError } from './e2e-helpers';

const TOKEN = 'metrics-token-for-tests-0123456789';
let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s), { METRICS_TOKEN: TOKEN });

const metrics = (authorization?: string) => api.call('GET', '/metrics', undefined, authorization === undefined ? { authorization: '' } : { authorization });

test('with METRICS_TOKEN set, /metrics needs exactly that bearer token', async () => {
  const ok = await metrics(`Bearer ${TOKEN}`);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(String(ok.body), /^# (HELP|TYPE) \w+/m, 'Prometheus text');
  assert.equal((await metrics(`bearer ${TOKEN}`)).status, 200, 'the scheme is case-insensitive');

  for (const bad of [undefined, '', 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, `Bearer ${SERVICE_KEY}`, `Bearer ${TOKEN} ${TOKEN}`]) {
    const res = await metrics(bad);
    assertError(res, 401, 'unauthorized');
    assert.ok(res.headers.get('x-request-id'), 'the 401 carries X-Request-Id');
    assert.ok(!JSON.stringify(res.body).includes(TOKEN), 'the token is never echoed');
  }
});

test('without METRICS_TOKEN, /metrics stays open', async () => {
  const open = await startApi(sim.port);
  try {
    const res = await open.call('GET', '/metrics', undefined, { authorization: '' });
    assert.equal(res.status, 200);
  } finally {
    await open.close();
  }
});

test('METRICS_TOKEN is validated: it must be usable as a bearer token', () => {
  const base = { ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, SERVICE_API_KEYS: `hub:${SERVICE_KEY}` };
  assert.equal(new AppConfig(base).metricsToken, '', 'empty by default: /metrics open');
  assert.equal(new AppConfig({ ...base, METRICS_TOKEN: TOKEN }).metricsToken, TOKEN);
  for (const bad of ['has space', 'tab\there', 'nul\u0000', 'é-not-ascii', 'x'.repeat(513)]) {
    assert.throws(() => new AppConfig({ ...base, METRICS_TOKEN: bad }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.problems.some((p) => p.includes('METRICS_TOKEN')), e.message);
      assert.ok(!e.message.includes(bad), 'the bad token is not echoed');
      return true;
    });
  }
});
