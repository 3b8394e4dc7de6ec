// Large answers are streamed, not buffered; a caller that leaves mid-stream frees the upstream socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ApiUpstream } from '@app/bitwarden';
import { SimulatorHandle } from '@app/simulator';
import { Api, eventually, useStack } from '../../support/stack';
import { SERVICE_KEY } from '../../support/env';
import { Linked, MARKER, linkAccount, proxyPath } from './proxy-helpers';

let sim: SimulatorHandle;
let api: Api;
let acct: Linked;

useStack((s) => ({ sim, api } = s), { OUTBOUND_TIMEOUT_MS: '10000' });

// A collection before measuring, so garbage of earlier tests is not counted as growth.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Reads a proxied answer to its end; returns the bytes and the peak RSS seen meanwhile. */
async function drain(res: Response): Promise<{ received: number; peak: number }> {
  let received = 0;
  let peak = process.memoryUsage().rss;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  return { received, peak };
}

const get = (id: string, signal?: AbortSignal) =>
  fetch(`${api.url}${proxyPath(id, 'public/events')}`, { headers: { authorization: `Bearer ${SERVICE_KEY}` }, signal });

test('a 60 MB answer is relayed whole while the process grows by well under 30 MB', async () => {
  acct = await linkAccount(sim, api);
  const size = 60 * 1024 * 1024;
  // Warm-up: TLS sessions, buffers and JIT of the streaming path exist before the baseline.
  sim.addFault({ kind: 'large', sizeBytes: 4 * 1024 * 1024, target: 'api', count: 1 });
  await drain(await get(acct.id));
  sim.addFault({ kind: 'large', sizeBytes: size, target: 'api', count: 1 });
  gc();
  const rssBefore = process.memoryUsage().rss;
  const res = await get(acct.id);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get(MARKER), '1');
  // The simulator and this client run in the same process as the API: their chunks count here too.
  const { received, peak } = await drain(res);
  assert.ok(received >= size * 0.95, `received ${received}`);
  const growth = (peak - rssBefore) / (1024 * 1024);
  assert.ok(growth < 30, `RSS grew by ${growth.toFixed(1)} MB`);
});

test('the caller leaving mid-stream aborts the upstream request: no socket is left streaming', async () => {
  const upstream = api.app.get(ApiUpstream);
  sim.addFault({ kind: 'large', sizeBytes: 200 * 1024 * 1024, target: 'api', count: 1 });
  const ac = new AbortController();
  const res = await get(acct.id, ac.signal);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  await reader.read();
  const during = upstream.openSockets();
  assert.ok(during >= 1, `open during the stream: ${during}`);
  ac.abort();
  await eventually(async () => upstream.openSockets() < during, 3_000, 'the upstream socket to close');
  // The proxy still serves afterwards.
  const after = await get(acct.id);
  assert.equal(after.status, 200);
  await after.arrayBuffer();
});
