// Tenant isolation (docs/API.md, "Connect sessions and their rights"; docs/SECURITY.md, "2.5"): a connect session sees and changes only what it
// is bound to, everything else looks nonexistent or is forbidden; ciphertexts are bound to their owner and row, so
// tampering with owner_id or swapping blobs in the database makes them unreadable without leaking anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimulatorHandle, SimOrg } from '@app/simulator';
import { errorCode } from '../../support/api-errors';
import { linkAccount } from '../../support/factories';
import { expireSession, setOwner, swapSecretBlobs } from '../../support/fixtures';
import { Api, US, useStack } from '../../support/stack';

let sim: SimulatorHandle;
let api: Api;
const A = 'tenant-a';
const B = 'tenant-b';
interface Acct {
  id: string;
  org: SimOrg;
  ownerId: string;
}
let a1: Acct; // A's, linked by the hub
let a2: Acct; // A's, linked by the hub
let b1: Acct; // B's

// fatal: the decrypt failures below are expected and logged at error level.
useStack({ env: { LINK_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'fatal' } }, async (s) => {
  ({ sim, api } = s);
  a1 = await link(A, 'us');
  a2 = await link(A, 'eu');
  b1 = await link(B, 'us');
});

async function link(ownerId: string, region: 'us' | 'eu'): Promise<Acct> {
  const { id, org } = await linkAccount(api, sim, { ownerId, region });
  return { id, org, ownerId };
}

async function session(ownerId: string, accountId?: string): Promise<string> {
  const res = await api.call('POST', '/v1/connect-sessions', { ownerId, ...(accountId ? { accountId } : {}) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token;
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });

function expectError(res: { status: number; body: any }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(errorCode(res.body), code, JSON.stringify(res.body));
}

test("a session of owner A cannot see or re-link B's account: 404, exactly like a missing one", async () => {
  const tok = await session(A);
  expectError(await api.call('GET', `/v1/accounts/${b1.id}`, undefined, as(tok)), 404, 'not_found');
  expectError(await api.call('PUT', `/v1/accounts/${b1.id}/credentials`, { clientSecret: b1.org.clientSecret }, as(tok)), 404, 'not_found');
  const missing = await api.call('GET', '/v1/accounts/00000000-0000-4000-8000-000000000000', undefined, as(tok));
  const foreign = await api.call('GET', `/v1/accounts/${b1.id}`, undefined, as(tok));
  assert.deepEqual(foreign.body, missing.body, 'same answer as a nonexistent id');
  // An edit session of A, aimed at B's account, cannot even be made.
  expectError(await api.call('POST', '/v1/connect-sessions', { ownerId: A, accountId: b1.id }), 404, 'not_found');
  // B's row is untouched.
  const b = await api.call('GET', `/v1/accounts/${b1.id}`);
  assert.equal(b.body.status, 'active');
});

test('a session gets 403 forbidden on every route only the hub may call, even for its own account', async () => {
  const tok = await session(A, a1.id);
  const calls: Array<[string, string, unknown?]> = [
    ['GET', '/v1/accounts'],
    ['GET', `/v1/accounts?ownerId=${A}`],
    ['POST', `/v1/accounts/${a1.id}/verify`],
    ['POST', `/v1/accounts/${b1.id}/verify`],
    ['DELETE', `/v1/accounts/${a1.id}`],
    ['POST', `/v1/accounts/${a1.id}/token`, {}],
    ['POST', `/v1/accounts/${b1.id}/token`, {}],
    ['POST', `/v1/accounts/${a1.id}/report-unauthorized`],
    ['POST', '/v1/connect-sessions', { ownerId: A }],
    ['POST', '/v1/connect-sessions', { ownerId: B }],
  ];
  const before = sim.counters().tokenRequests;
  for (const [m, p, body] of calls) expectError(await api.call(m, p, body, as(tok)), 403, 'forbidden');
  assert.equal(sim.counters().tokenRequests, before, 'no forbidden call reached Bitwarden');
  assert.equal((await api.call('GET', `/v1/accounts/${a1.id}`)).status, 200, 'the DELETE did nothing');
});

test('a session links only for its own owner, reads what it created, and not other accounts of that owner', async () => {
  const tok = await session(A);
  const org = sim.createOrg({ realm: 'us' });
  const form = { ...US, clientId: org.clientId, clientSecret: org.clientSecret };
  for (const ownerId of [B, A]) {
    const res = await api.call('POST', '/v1/accounts', { ownerId, ...form }, as(tok));
    expectError(res, 400, 'validation_failed');
    assert.ok(res.body.error.fields?.ownerId, 'the ownerId field is named');
  }
  assert.equal(sim.counters().tokenLog.filter((e) => e.clientId === org.clientId).length, 0, 'refused before any exchange');
  const created = await api.call('POST', '/v1/accounts', form, as(tok));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.ownerId, A, 'the owner comes from the session');
  assert.equal((await api.call('GET', `/v1/accounts/${created.body.id}`, undefined, as(tok))).status, 200);
  expectError(await api.call('GET', `/v1/accounts/${a1.id}`, undefined, as(tok)), 404, 'not_found');
  expectError(await api.call('GET', `/v1/accounts/${b1.id}`, undefined, as(tok)), 404, 'not_found');
  // Creating is not editing: a plain session may not re-link even the account it created.
  expectError(await api.call('PUT', `/v1/accounts/${created.body.id}/credentials`, { clientSecret: org.clientSecret }, as(tok)), 403, 'forbidden');
  // Another session of the same owner does not inherit what this one created.
  const other = await session(A);
  expectError(await api.call('GET', `/v1/accounts/${created.body.id}`, undefined, as(other)), 404, 'not_found');
  assert.equal((await api.call('DELETE', `/v1/accounts/${created.body.id}`)).status, 204);
});

test('an edit session re-links its account only', async () => {
  const tok = await session(A, a1.id);
  assert.equal((await api.call('GET', `/v1/accounts/${a1.id}`, undefined, as(tok))).status, 200);
  expectError(await api.call('GET', `/v1/accounts/${a2.id}`, undefined, as(tok)), 404, 'not_found');
  const a2Secret = sim.rotateKey(a2.org.id);
  expectError(await api.call('PUT', `/v1/accounts/${a2.id}/credentials`, { clientSecret: a2Secret }, as(tok)), 404, 'not_found');
  expectError(await api.call('PUT', `/v1/accounts/${b1.id}/credentials`, { clientSecret: b1.org.clientSecret }, as(tok)), 404, 'not_found');
  const fresh = sim.rotateKey(a1.org.id);
  const res = await api.call('PUT', `/v1/accounts/${a1.id}/credentials`, { clientSecret: fresh }, as(tok));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.secretLast4, fresh.slice(-4));
  a1.org = { ...a1.org, clientSecret: fresh };
  // Put a2 back in working order through the hub.
  assert.equal((await api.call('PUT', `/v1/accounts/${a2.id}/credentials`, { clientSecret: a2Secret })).status, 200);
  a2.org = { ...a2.org, clientSecret: a2Secret };
});

test('an expired, unknown or altered session token is 401 unauthorized', async () => {
  const tok = await session(A, a1.id);
  const altered = tok.slice(0, -1) + (tok.endsWith('A') ? 'B' : 'A');
  expectError(await api.call('GET', `/v1/accounts/${a1.id}`, undefined, as(altered)), 401, 'unauthorized');
  expectError(await api.call('GET', `/v1/accounts/${a1.id}`, undefined, as('cs_' + 'x'.repeat(43))), 401, 'unauthorized');
  const hash = createHash('sha256').update(tok).digest();
  await expireSession(hash);
  expectError(await api.call('GET', `/v1/accounts/${a1.id}`, undefined, as(tok)), 401, 'unauthorized');
  expectError(await api.call('PUT', `/v1/accounts/${a1.id}/credentials`, { clientSecret: a1.org.clientSecret }, as(tok)), 401, 'unauthorized');
  expectError(await api.call('POST', '/v1/accounts', { ...US, clientId: a1.org.clientId, clientSecret: a1.org.clientSecret }, as(tok)), 401, 'unauthorized');
});

test('GET /v1/accounts?ownerId=A never includes B rows', async () => {
  const page = await api.call('GET', `/v1/accounts?ownerId=${A}&limit=200`);
  assert.equal(page.status, 200);
  assert.ok(page.body.data.length >= 2);
  for (const acc of page.body.data) assert.equal(acc.ownerId, A);
  assert.ok(!page.body.data.some((x: any) => x.id === b1.id));
  const pageB = await api.call('GET', `/v1/accounts?ownerId=${B}&limit=200`);
  assert.deepEqual(pageB.body.data.map((x: any) => x.id), [b1.id]);
});

/** Every way a leaked secret or token could appear in a response body or header. */
function assertNoLeak(res: { body: unknown; headers: Headers }, secrets: string[]) {
  const headers: string[] = [];
  res.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
  const text = JSON.stringify(res.body) + headers.join('\n');
  for (const s of secrets) {
    for (const f of [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('hex')]) assert.ok(!text.includes(f), 'response leaks a secret');
  }
  assert.ok(!/secret_enc|token_enc|\\x[0-9a-f]{16}/i.test(text), 'no ciphertext or column names');
}

test("a row whose owner_id is changed to another owner no longer decrypts; token and verify fail cleanly without leaking", async () => {
  const v0 = await api.call('POST', `/v1/accounts/${a2.id}/token`, {});
  assert.equal(v0.status, 200, JSON.stringify(v0.body));
  const cachedToken = v0.body.accessToken as string;
  await setOwner(a2.id, B);
  try {
    const before = sim.counters().tokenRequests;
    const tok = await api.call('POST', `/v1/accounts/${a2.id}/token`, {});
    assert.ok(tok.status >= 500, `token must fail: ${JSON.stringify(tok.body)}`);
    expectError(tok, 500, 'internal_error');
    assertNoLeak(tok, [a2.org.clientSecret, cachedToken]);
    const v = await api.call('POST', `/v1/accounts/${a2.id}/verify`);
    expectError(v, 500, 'internal_error');
    assertNoLeak(v, [a2.org.clientSecret, cachedToken]);
    assert.equal(sim.counters().tokenRequests, before, 'the undecryptable secret was never sent anywhere');
    // The moved row shows up under B now (a DB-level change), but it is useless there: nothing opens.
    const listB = await api.call('GET', `/v1/accounts?ownerId=${B}`);
    assert.ok(listB.body.data.some((x: any) => x.id === a2.id));
    assertNoLeak(listB, [a2.org.clientSecret, cachedToken]);
  } finally {
    await setOwner(a2.id, A);
  }
  const back = await api.call('POST', `/v1/accounts/${a2.id}/verify`);
  assert.equal(back.status, 200, 'restoring owner_id restores the row');
  assert.equal(back.body.status, 'active');
});

test('two rows with swapped secret_enc both fail to decrypt; swapping back restores both', async () => {
  const swap = () => swapSecretBlobs(a1.id, b1.id);
  await swap();
  try {
    const before = sim.counters().tokenRequests;
    for (const x of [a1, b1]) {
      const v = await api.call('POST', `/v1/accounts/${x.id}/verify`);
      expectError(v, 500, 'internal_error');
      assertNoLeak(v, [a1.org.clientSecret, b1.org.clientSecret]);
    }
    assert.equal(sim.counters().tokenRequests, before, 'neither secret was sent to the other tenant');
  } finally {
    await swap();
  }
  for (const x of [a1, b1]) {
    const v = await api.call('POST', `/v1/accounts/${x.id}/verify`);
    assert.equal(v.status, 200, JSON.stringify(v.body));
  }
});
