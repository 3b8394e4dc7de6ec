// Fair turns: a flood of writes from one account does not starve another account's trickle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorHandle } from '@app/simulator';
import { Api, useStack } from '../../support/stack';
import { linkAccount, proxyPath, raw, sleep } from './proxy-helpers';

let sim: SimulatorHandle;
let api: Api;

useStack((s) => ({ sim, api } = s), { PROXY_BUDGET_WAIT_MS: '30000' });

const post = (id: string) => raw(api, 'POST', proxyPath(id, 'public/members'), { headers: { 'content-type': 'application/json' }, body: '{"type":2}' });

test('account A floods 30 writes (about 4 a second are allowed); B’s 3 writes still go through promptly', async () => {
  const a = await linkAccount(sim, api);
  const b = await linkAccount(sim, api);
  const started = Date.now();
  const flood = Promise.all(Array.from({ length: 30 }, () => post(a.id)));
  await sleep(600);
  const latencies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    const r = await post(b.id);
    assert.equal(r.status, 200, r.text);
    latencies.push(Date.now() - t);
  }
  const bDone = Date.now() - started;
  const answers = await flood;
  const floodTook = Date.now() - started;
  assert.ok(answers.every((r) => r.status === 200), answers.map((r) => r.status).join(','));
  // A's 30 writes need about 7 s at 5 per 1.25 s; B, served in turn, is done long before.
  assert.ok(floodTook > 5_000, `flood took ${floodTook} ms`);
  for (const l of latencies) assert.ok(l < 2_500, `B waited ${latencies.join(', ')} ms`);
  assert.ok(bDone < floodTook - 1_500, `B done at ${bDone} ms, A at ${floodTook} ms`);
});
