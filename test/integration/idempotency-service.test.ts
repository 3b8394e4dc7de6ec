import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IdempotencyRepository } from '../../apps/api/src/idempotency/idempotency.repository';
import { IdempotencyService } from '../../apps/api/src/idempotency/idempotency.service';
import { rejectsWith } from '../support/app-errors';
import { deleteIdempotencyKeys } from '../support/fixtures';
import { useDataSource } from '../support/services';

// Lease-based idempotency against the real Postgres table, without HTTP.
const dataSource = useDataSource();
const scopes: string[] = [];
const newScope = () => {
  const s = `it-${randomUUID()}`;
  scopes.push(s);
  return s;
};
after(() => deleteIdempotencyKeys(scopes));
const service = async () => new IdempotencyService(new IdempotencyRepository(await dataSource()));

test('a repeat with the same body gets the stored response without running again', async () => {
  const svc = await service();
  const scope = newScope();
  let runs = 0;
  const fn = async () => ({ status: 201, body: { run: ++runs } });
  assert.deepEqual(await svc.run(scope, 'h1', fn), { status: 201, body: { run: 1 } });
  assert.deepEqual(await svc.run(scope, 'h1', fn), { status: 201, body: { run: 1 } });
  assert.equal(runs, 1);
});

test('the same key with another body is refused', async () => {
  const svc = await service();
  const scope = newScope();
  await svc.run(scope, 'h1', async () => ({ status: 201, body: {} }));
  await rejectsWith(svc.run(scope, 'h2', async () => ({ status: 201, body: {} })), 'idempotency_key_reused');
});

test('a failed first request leaves nothing behind: a retry runs', async () => {
  const svc = await service();
  const scope = newScope();
  await assert.rejects(svc.run(scope, 'h1', async () => Promise.reject(new Error('upstream down'))), /upstream down/);
  assert.deepEqual(await svc.run(scope, 'h1', async () => ({ status: 201, body: { second: true } })), { status: 201, body: { second: true } });
});

test('two requests at once: one runs, the other waits for its response', async () => {
  const svc = await service();
  const scope = newScope();
  let runs = 0;
  const fn = async () => {
    runs++;
    await new Promise((r) => setTimeout(r, 300));
    return { status: 201, body: { id: 'one' } };
  };
  const [a, b] = await Promise.all([svc.run(scope, 'h1', fn), svc.run(scope, 'h1', fn)]);
  assert.equal(runs, 1);
  assert.deepEqual(a, { status: 201, body: { id: 'one' } });
  assert.deepEqual(b, a);
});

test('final answers are remembered, refusals included; 400, 401, 403, 429 and 5xx are not', async () => {
  const svc = await service();
  for (const status of [200, 201, 404, 409, 422]) {
    const scope = newScope();
    let runs = 0;
    const fn = async () => ({ status, body: { run: ++runs } });
    await svc.run(scope, 'h1', fn);
    assert.deepEqual(await svc.run(scope, 'h1', fn), { status, body: { run: 1 } }, `${status} is replayed`);
    assert.equal(runs, 1, `${status} ran once`);
  }
  for (const status of [400, 401, 403, 429, 500, 502, 503, 504]) {
    const scope = newScope();
    let runs = 0;
    const fn = async () => ({ status, body: { run: ++runs } });
    await svc.run(scope, 'h1', fn);
    assert.deepEqual(await svc.run(scope, 'h1', fn), { status, body: { run: 2 } }, `${status} runs again`);
  }
});

test('a remembered answer the caller may not have is not replayed: it runs afresh, and the remembered one stays', async () => {
  const svc = await service();
  const scope = newScope();
  const first = 'a8a8a8a8-0000-4000-8000-000000000001';
  const second = 'a8a8a8a8-0000-4000-8000-000000000002';
  let runs = 0;
  const fn = async () => ({ status: 201, body: { run: ++runs } });
  const seen: Array<string | null> = [];
  // As for a request without an account in its answer: replayed only to the session that got it.
  const as = (sessionId: string) => ({
    sessionId,
    mayReplay: async (stored: { sessionId: string | null }) => {
      seen.push(stored.sessionId);
      return stored.sessionId === sessionId;
    },
  });
  assert.deepEqual(await svc.run(scope, 'h1', fn, as(first)), { status: 201, body: { run: 1 } });
  assert.deepEqual(await svc.run(scope, 'h1', fn, as(second)), { status: 201, body: { run: 2 } }, 'judged afresh');
  assert.deepEqual(await svc.run(scope, 'h1', fn, as(second)), { status: 201, body: { run: 3 } }, 'still afresh: nothing was stored for it');
  assert.deepEqual(await svc.run(scope, 'h1', fn, as(first)), { status: 201, body: { run: 1 } }, 'the first answer stays');
  assert.deepEqual(seen, [first, first, first], 'the remembered answer names the session that made it');
  await rejectsWith(svc.run(scope, 'h2', fn, as(second)), 'idempotency_key_reused');
});
