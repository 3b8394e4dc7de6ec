// Key rotation (docs/SECURITY.md "Key rotation"): keys:rotate moves every client secret and cached
// token to the active key, is idempotent, never overwrites a concurrent write, converges when run twice at once next
// to a busy API, and every process refuses to boot when ENCRYPTION_KEYS cannot open what is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { secretContext, tokenContext } from '@app/accounts';
import { Keyring, SecretBox } from '@app/crypto';
import { createDataSource } from '@app/database';
import { SimulatorHandle, SimOrg } from '@app/simulator';
import { createApiApp } from '../../../apps/api/src/bootstrap';
import { KeyRotationRepository } from '../../../libs/accounts/src/keys/key-rotation.repository';
import { baseEnv } from '../../support/env';
import { blobColumns, deleteAccountRow, secretColumnsOf, setSecretBlob } from '../../support/fixtures';
import { K1, K2, K3, keyB64, runKeysCli } from '../../support/keys-cli';
import { Api, EU, startApi, US, useStack, withPg } from '../../support/stack';

let sim: SimulatorHandle;

// Each test starts the APIs it needs, with its own ENCRYPTION_KEYS: the stack holds only the simulator.
useStack({ api: false }, (s) => (sim = s.sim));

interface Linked {
  org: SimOrg;
  id: string;
  ownerId: string;
  secret: string;
  accessToken: string;
}
const linked: Linked[] = [];

const keyIdOfBlob = (b: Buffer) => b.subarray(2, 2 + b[1]!).toString('latin1');
const rows = blobColumns;

async function withApi<T>(env: Record<string, string>, fn: (api: Api) => Promise<T>): Promise<T> {
  const api = await startApi(sim.port, env);
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

/** The API application with `keys` must refuse to start, with a message matching `msg`. */
async function assertApiRefuses(keys: string, msg: RegExp): Promise<void> {
  const app = await createApiApp(baseEnv(sim.port, { ENCRYPTION_KEYS: keys }));
  try {
    await assert.rejects(app.init(), (e: Error) => {
      assert.match(e.message, msg);
      assert.equal(e.name, 'KeyringMismatchError');
      return true;
    });
  } finally {
    await app.close().catch(() => undefined);
  }
}

test('keys:rotate moves every secret and cached token from t1 to t2; an API with only t2 then serves tokens and verifies', async () => {
  await withApi({ ENCRYPTION_KEYS: `t1:${K1}` }, async (api) => {
    for (const [i, [realm, urls]] of ([['us', US], ['eu', EU], ['us', US]] as const).entries()) {
      const org = sim.createOrg({ realm });
      const ownerId = `rot-owner-${i}`;
      const res = await api.call('POST', '/v1/accounts', { ownerId, ...urls, clientId: org.clientId, clientSecret: org.clientSecret });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const tok = await api.call('POST', `/v1/accounts/${res.body.id}/token`, {});
      assert.equal(tok.status, 200, JSON.stringify(tok.body));
      linked.push({ org, id: res.body.id, ownerId, secret: org.clientSecret, accessToken: tok.body.accessToken });
    }
  });
  const before = await rows();
  assert.equal(before.length, 3);
  for (const r of before) {
    assert.equal(r.secret_key_id, 't1');
    assert.equal(r.token_key_id, 't1');
    assert.ok(r.token_enc, 'a cached token is stored');
  }

  const keys = { ENCRYPTION_KEYS: `t2:${K2},t1:${K1}` };
  const statusBefore = await runKeysCli(['status'], keys);
  assert.equal(statusBefore.code, 0, statusBefore.stderr);
  assert.match(statusBefore.stdout, /active key: t2/);
  assert.match(statusBefore.stdout, /key t1: 3 secrets, 3 tokens/);

  const run = await runKeysCli(['rotate'], keys);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /pass 1 client_secret: 3 resealed/);
  assert.match(run.stdout, /rotated 3 secrets and 3 tokens to key t2 .* 0 failed; remaining under other keys: 0 secrets, 0 tokens/);

  for (const r of await rows()) {
    assert.equal(r.secret_key_id, 't2');
    assert.equal(r.token_key_id, 't2');
    assert.equal(keyIdOfBlob(r.secret_enc), 't2', 'the blob header agrees with the column');
    assert.equal(keyIdOfBlob(r.token_enc), 't2');
  }
  const status = await runKeysCli(['status', '--json'], keys);
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout);
  assert.equal(s.activeKeyId, 't2');
  assert.deepEqual(
    s.keys.map((k: any) => [k.keyId, k.secrets, k.tokens]).sort(),
    [['t1', 0, 0], ['t2', 3, 3]],
  );
  const human = await runKeysCli(['status'], keys);
  assert.match(human.stdout, /key t1: 0 secrets, 0 tokens/);

  // Old key removed: the cached tokens and the secrets open under t2 alone.
  await withApi({ ENCRYPTION_KEYS: `t2:${K2}` }, async (api) => {
    for (const a of linked) {
      const tok = await api.call('POST', `/v1/accounts/${a.id}/token`, {});
      assert.equal(tok.status, 200, JSON.stringify(tok.body));
      assert.equal(tok.body.accessToken, a.accessToken, 'the cached token was resealed, not re-fetched');
      const v = await api.call('POST', `/v1/accounts/${a.id}/verify`);
      assert.equal(v.status, 200, JSON.stringify(v.body));
      assert.equal(v.body.status, 'active');
    }
  });
});

test('running keys:rotate again is a no-op: nothing resealed, every blob byte-identical', async () => {
  const snapshot = (await rows()).map((r) => [r.id, r.secret_enc.toString('hex'), r.token_enc?.toString('hex')]);
  const run = await runKeysCli(['rotate'], { ENCRYPTION_KEYS: `t2:${K2},t1:${K1}` });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /rotated 0 secrets and 0 tokens to key t2 in 1 pass/);
  assert.deepEqual((await rows()).map((r) => [r.id, r.secret_enc.toString('hex'), r.token_enc?.toString('hex')]), snapshot);
});

test('the compare-and-set never overwrites a write that happened after the rotation read the row', async () => {
  const ds = createDataSource(baseEnv(0).DATABASE_URL, 2);
  await ds.initialize();
  try {
    const repo = new KeyRotationRepository(ds);
    const keyring = await Keyring.fromEnv(`t3:${K3},t2:${K2}`);
    const box = new SecretBox(keyring);
    const a = linked[0]!;
    const [seen] = await repo.pending('client_secret', 't3', null, 1);
    assert.ok(seen, 'a row under t2 is pending for t3');
    const ctx = secretContext(seen);
    const resealed = box.reseal(seen.enc, ctx);
    // A concurrent writer (a re-link on an API still configured with t2 first) replaces the blob in between.
    const concurrent = new SecretBox(await Keyring.fromEnv(`t2:${K2}`)).seal('a-newer-secret-from-a-relink', ctx);
    await setSecretBlob(seen.id, concurrent);
    assert.equal(await repo.swap('client_secret', seen.id, seen.keyId, seen.enc, resealed, 't3'), false);
    const row = await secretColumnsOf(seen.id);
    assert.deepEqual(row.secret_enc, concurrent, 'the newer write survives');
    assert.equal(row.secret_key_id, 't2');
    // The next pass picks the newer blob up and succeeds; then restore the real secret for later tests.
    const [again] = (await repo.pending('client_secret', 't3', null, 200)).filter((p) => p.id === seen.id);
    assert.deepEqual(again!.enc, concurrent);
    const real = linked.find((l) => l.id === seen.id) ?? a;
    const restore = new SecretBox(await Keyring.fromEnv(`t2:${K2}`)).seal(real.secret, ctx);
    await setSecretBlob(seen.id, restore);
  } finally {
    await ds.destroy();
  }
});

test('two concurrent keys:rotate runs next to an API re-linking and verifying converge with zero decrypt failures', async (t) => {
  // 400 extra rows sealed under t2 (correctly bound to their owner, id and field), half with a cached token.
  const oldBox = new SecretBox(await Keyring.fromEnv(`t2:${K2}`));
  const fixtures: Array<{ id: string; ownerId: string; secret: string; token: string | null }> = [];
  for (let i = 0; i < 400; i++) {
    fixtures.push({ id: randomUUID(), ownerId: `rot-fx-${i}`, secret: `fixture-secret-${i}-${randomUUID()}`, token: i % 2 ? `fixture-token-${i}` : null });
  }
  await withPg(async (pg) => {
    for (let i = 0; i < fixtures.length; i += 100) {
      const chunk = fixtures.slice(i, i + 100);
      const params: unknown[] = [];
      const values = chunk.map((f, j) => {
        const row = { id: f.id, ownerId: f.ownerId, apiBaseUrl: 'https://api.bitwarden.com', identityBaseUrl: 'https://identity.bitwarden.com' };
        params.push(f.id, f.ownerId, randomUUID(), `organization.${randomUUID()}`, oldBox.seal(f.secret, secretContext(row)), f.token ? oldBox.seal(f.token, tokenContext(row)) : null);
        const p = j * 6;
        return `($${p + 1}, $${p + 2}, $${p + 3}, 'us', 'https://api.bitwarden.com', 'https://identity.bitwarden.com', $${p + 4}, 'abcd', $${p + 5}, 't2', $${p + 6},
                 CASE WHEN $${p + 6}::bytea IS NULL THEN NULL ELSE 't2' END, 'active', now() + interval '1 day')`;
      });
      await pg.query(
        `INSERT INTO accounts (id, owner_id, organization_id, region, api_base_url, identity_base_url, client_id, secret_last4,
                               secret_enc, secret_key_id, token_enc, token_key_id, status, next_check_at) VALUES ${values.join(',')}`,
        params,
      );
    }
  });

  const keys = `t3:${K3},t2:${K2}`;
  await withApi({ ENCRYPTION_KEYS: keys }, async (api) => {
    let rotating = true;
    const runs = Promise.all([
      runKeysCli(['rotate', '--batch-size', '20', '--json'], { ENCRYPTION_KEYS: keys }),
      runKeysCli(['rotate', '--batch-size', '20', '--json'], { ENCRYPTION_KEYS: keys }),
    ]).finally(() => (rotating = false));
    // Meanwhile the real accounts are re-linked (new secret sealed under t3) and verified (new token written).
    let relinks = 0;
    while (rotating || relinks < linked.length) {
      const a = linked[relinks % linked.length]!;
      const secret = sim.rotateKey(a.org.id);
      const r = await api.call('PUT', `/v1/accounts/${a.id}/credentials`, { clientSecret: secret });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      a.secret = secret;
      const v = await api.call('POST', `/v1/accounts/${a.id}/verify`);
      assert.equal(v.status, 200, JSON.stringify(v.body));
      relinks++;
    }
    const results = await runs;
    for (const run of results) assert.equal(run.code, 0, run.stdout + run.stderr);
    const [r1, r2] = results.map((r) => JSON.parse(r.stdout));
    for (const r of [r1, r2]) {
      assert.deepEqual(r.failures, [], 'zero decrypt failures');
      assert.deepEqual(r.remaining, { secrets: 0, tokens: 0 });
    }
    t.diagnostic(`run 1: ${r1.resealedSecrets} secrets, ${r1.resealedTokens} tokens, ${r1.conflicts} lost CAS; run 2: ${r2.resealedSecrets}, ${r2.resealedTokens}, ${r2.conflicts}; ${relinks} re-links`);
    // Each fixture blob was swapped by exactly one of the two runs (the loser's compare-and-set matched nothing).
    assert.ok(r1.resealedSecrets + r2.resealedSecrets >= fixtures.length);
    assert.ok(r1.resealedSecrets + r2.resealedSecrets <= fixtures.length + linked.length);
  });

  // Everything opens under t3 alone, with the plaintext it should have.
  const box = new SecretBox(await Keyring.fromEnv(`t3:${K3}`));
  const byId = new Map(fixtures.map((f) => [f.id, f]));
  const all = await rows();
  assert.equal(all.length, fixtures.length + linked.length);
  for (const r of all) {
    assert.equal(r.secret_key_id, 't3');
    const urls = { id: r.id, ownerId: r.owner_id, apiBaseUrl: r.api_base_url, identityBaseUrl: r.identity_base_url };
    const secret = box.open(r.secret_enc, secretContext(urls));
    const f = byId.get(r.id);
    assert.equal(secret, f ? f.secret : linked.find((l) => l.id === r.id)!.secret);
    if (r.token_enc) {
      assert.equal(r.token_key_id, 't3');
      const token = box.open(r.token_enc, tokenContext(urls));
      if (f) assert.equal(token, f.token);
    } else {
      assert.equal(f?.token ?? null, null);
    }
  }
  await withApi({ ENCRYPTION_KEYS: `t3:${K3}` }, async (api) => {
    for (const a of linked) {
      const v = await api.call('POST', `/v1/accounts/${a.id}/verify`);
      assert.equal(v.status, 200, JSON.stringify(v.body));
      assert.equal(v.body.status, 'active');
    }
  });
});

test('a blob that does not open is reported (no plaintext, no key) and skipped; the rest still rotates', async () => {
  const victim = (await rows()).find((r) => r.owner_id.startsWith('rot-fx-'))!;
  const damaged = Buffer.from(victim.secret_enc);
  damaged[damaged.length - 1]! ^= 1;
  await setSecretBlob(victim.id, damaged);
  const K4 = keyB64(4);
  const run = await runKeysCli(['rotate'], { ENCRYPTION_KEYS: `t4:${K4},t3:${K3}` });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`failed: account ${victim.id} client_secret \\(decrypt_failed\\)`));
  assert.match(run.stdout, /remaining under other keys: 1 secrets, 0 tokens/);
  assert.ok(!run.stdout.includes(K3) && !run.stdout.includes(K4));
  const left = (await rows()).filter((r) => r.secret_key_id !== 't4');
  assert.deepEqual(left.map((r) => r.id), [victim.id]);
  // Put things back the way the next tests expect: drop the damaged row and move everything to t3 again.
  await deleteAccountRow(victim.id);
  const back = await runKeysCli(['rotate'], { ENCRYPTION_KEYS: `t3:${K3},t4:${K4}` });
  assert.equal(back.code, 0, back.stdout + back.stderr);
});

test('boot refuses when ENCRYPTION_KEYS lacks a key id that stored data uses, naming the id', async () => {
  // Every row is under t3 now; t2's material is known and correct, but t3 is gone.
  await assertApiRefuses(`t2:${K2}`, /lacks key id\(s\) "t3"/);
  const cli = await runKeysCli(['status'], { ENCRYPTION_KEYS: `t2:${K2}` });
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /keys-cli failed: ENCRYPTION_KEYS lacks key id\(s\) "t3" used by stored data/);
  const rot = await runKeysCli(['rotate'], { ENCRYPTION_KEYS: `t5:${keyB64(5)},t2:${K2}` });
  assert.equal(rot.code, 1, 'rotation refuses too, before touching anything');
  assert.match(rot.stderr, /"t3"/);
  assert.equal((await rows()).filter((r) => r.secret_key_id !== 't3').length, 0);
});

test('boot refuses when a key id keeps its name but its material changed', async () => {
  const other = keyB64(13);
  await assertApiRefuses(`t3:${other}`, /key id "t3" has different key material/);
  const cli = await runKeysCli(['rotate'], { ENCRYPTION_KEYS: `t6:${keyB64(6)},t3:${other}` });
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /key id "t3" has different key material/);
  assert.ok(!cli.stderr.includes(other), 'the key itself is never printed');
});
