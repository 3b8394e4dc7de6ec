// SecretBox: round trips, nonce uniqueness, tamper/move/swap detection, unknown keys and versions, rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CryptoError, Keyring, SecretBox, type SealContext } from '@app/crypto';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const CTX: SealContext = { ownerId: 'owner-1', accountId: 'acct-1', field: 'client_secret' };
const SECRET = 'cs_live_0123456789abcdef';

async function box(keys: string): Promise<SecretBox> {
  return new SecretBox(await Keyring.fromEnv(keys));
}

function assertCryptoError(fn: () => unknown, reason?: CryptoError['reason']): CryptoError {
  let caught: unknown;
  try {
    const out = fn();
    assert.fail(`expected CryptoError, got a result of type ${typeof out}`);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CryptoError, `expected CryptoError, got ${String(caught)}`);
  if (reason) assert.equal(caught.reason, reason);
  assert.ok(!caught.message.includes(SECRET));
  return caught;
}

test('round trip, ascii and unicode', async () => {
  const b = await box(`k1:${K1}`);
  assert.equal(b.open(b.seal(SECRET, CTX), CTX), SECRET);
  const uni = 'pässwörd ✓ 秘密 🔐🧪 \u0000 end';
  assert.equal(b.open(b.seal(uni, CTX), CTX), uni);
  assert.equal(b.open(b.seal('', CTX), CTX), '');
  const ctxUni: SealContext = { ownerId: 'ówner', accountId: '账户', field: 'access_token' };
  assert.equal(b.open(b.seal(uni, ctxUni), ctxUni), uni);
});

test('blob layout: version, key id, nonce, ciphertext+tag', async () => {
  const b = await box(`k1:${K1}`);
  const blob = b.seal(SECRET, CTX);
  assert.ok(Buffer.isBuffer(blob));
  assert.equal(blob[0], 0x01);
  assert.equal(blob[1], 2);
  assert.equal(blob.subarray(2, 4).toString('ascii'), 'k1');
  assert.equal(blob.length, 1 + 1 + 2 + 24 + Buffer.byteLength(SECRET) + 16);
  assert.equal(b.keyIdOf(blob), 'k1');
  assert.equal(b.needsRotation(blob), false);
  assert.ok(!blob.includes(Buffer.from(SECRET)));
});

test('two seals of the same plaintext differ (fresh nonce)', async () => {
  const b = await box(`k1:${K1}`);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) seen.add(b.seal(SECRET, CTX).toString('hex'));
  assert.equal(seen.size, 50);
});

test('every single-byte flip, every truncation and an appended byte fail with CryptoError', async () => {
  const b = await box(`k1:${K1}`);
  const blob = b.seal(SECRET, CTX);
  for (let i = 0; i < blob.length; i++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const bad = Buffer.from(blob);
      bad[i]! ^= mask;
      assertCryptoError(() => b.open(bad, CTX));
    }
  }
  for (let n = 0; n < blob.length; n++) assertCryptoError(() => b.open(blob.subarray(0, n), CTX));
  for (const extra of [0x00, 0x41]) assertCryptoError(() => b.open(Buffer.concat([blob, Buffer.from([extra])]), CTX), 'decrypt_failed');
});

test('Uint8Array input opens like a Buffer', async () => {
  const b = await box(`k1:${K1}`);
  const blob = b.seal(SECRET, CTX);
  assert.equal(b.open(new Uint8Array(blob), CTX), SECRET);
  // A Buffer view into a larger pooled ArrayBuffer also works.
  const padded = Buffer.concat([Buffer.from('xx'), blob]).subarray(2);
  assert.equal(b.open(padded, CTX), SECRET);
});

test('a blob moved to another account, owner or field fails', async () => {
  const b = await box(`k1:${K1}`);
  const blob = b.seal(SECRET, CTX);
  for (const other of [
    { ...CTX, accountId: 'acct-2' },
    { ...CTX, ownerId: 'owner-2' },
    { ...CTX, field: 'access_token' },
    { ...CTX, ownerId: 'acct-1', accountId: 'owner-1' },
  ]) {
    const err = assertCryptoError(() => b.open(blob, other), 'decrypt_failed');
    assert.ok(!err.message.includes(SECRET));
  }
});

test('context encoding is unambiguous: values containing separators cannot collide', async () => {
  const b = await box(`k1:${K1}`);
  const a: SealContext = { ownerId: 'a|account=b', accountId: 'c', field: 'client_secret' };
  const blob = b.seal(SECRET, a);
  assert.equal(b.open(blob, a), SECRET);
  for (const other of [
    { ownerId: 'a', accountId: 'b|account=c', field: 'client_secret' },
    { ownerId: 'a', accountId: 'b', field: 'client_secret' },
    { ownerId: 'a|account=b|account=c', accountId: '', field: 'client_secret' },
    { ownerId: 'a|account=b', accountId: 'c|field=client_secret', field: 'client_secret' },
  ]) {
    assertCryptoError(() => b.open(blob, other));
  }
  const c: SealContext = { ownerId: 'o', accountId: '1:a', field: 'f' };
  assertCryptoError(() => b.open(b.seal(SECRET, c), { ownerId: 'o', accountId: '1', field: ':af' }), 'decrypt_failed');
});

test('empty or malformed context values are refused', async () => {
  const b = await box(`k1:${K1}`);
  assertCryptoError(() => b.seal(SECRET, { ...CTX, ownerId: '' }), 'bad_format');
  assertCryptoError(() => b.seal(SECRET, { ...CTX, accountId: undefined as unknown as string }), 'bad_format');
  assertCryptoError(() => b.seal(SECRET, { ...CTX, field: 'x\uD800' }), 'bad_format');
  assertCryptoError(() => b.seal('lone \uDC00 surrogate', CTX), 'bad_format');
});

test("swapping two rows' blobs fails", async () => {
  const b = await box(`k1:${K1}`);
  const ctxA: SealContext = { ownerId: 'owner-1', accountId: 'acct-A', field: 'client_secret' };
  const ctxB: SealContext = { ownerId: 'owner-1', accountId: 'acct-B', field: 'client_secret' };
  const blobA = b.seal('secret-A', ctxA);
  const blobB = b.seal('secret-B', ctxB);
  assertCryptoError(() => b.open(blobB, ctxA), 'decrypt_failed');
  assertCryptoError(() => b.open(blobA, ctxB), 'decrypt_failed');
  // Swapping only the ciphertext bodies (keeping each header) fails too.
  const hdr = 1 + 1 + 2 + 24;
  const mixed = Buffer.concat([blobA.subarray(0, hdr), blobB.subarray(hdr)]);
  assertCryptoError(() => b.open(mixed, ctxA), 'decrypt_failed');
  assertCryptoError(() => b.open(mixed, ctxB), 'decrypt_failed');
});

test('unknown key id → unknown_key_id naming the id', async () => {
  const b1 = await box(`k1:${K1}`);
  const b2 = await box(`k2:${K2}`);
  const blob = b1.seal(SECRET, CTX);
  const err = assertCryptoError(() => b2.open(blob, CTX), 'unknown_key_id');
  assert.match(err.message, /"k1"/);
  assert.equal(err.keyId, 'k1');
  assertCryptoError(() => b2.reseal(blob, CTX), 'unknown_key_id');
});

test('same key id with different key material → decrypt_failed', async () => {
  const b1 = await box(`k1:${K1}`);
  const b2 = await box(`k1:${K2}`);
  assertCryptoError(() => b2.open(b1.seal(SECRET, CTX), CTX), 'decrypt_failed');
});

test('unknown version and malformed headers → bad_format', async () => {
  const b = await box(`k1:${K1}`);
  const blob = b.seal(SECRET, CTX);
  for (const v of [0x00, 0x02, 0xff]) {
    const bad = Buffer.from(blob);
    bad[0] = v;
    assertCryptoError(() => b.open(bad, CTX), 'bad_format');
    assertCryptoError(() => b.keyIdOf(bad), 'bad_format');
    assertCryptoError(() => b.needsRotation(bad), 'bad_format');
  }
  for (const len of [0, 33, 255]) {
    const bad = Buffer.from(blob);
    bad[1] = len;
    assertCryptoError(() => b.open(bad, CTX), 'bad_format');
  }
  const badId = Buffer.from(blob);
  badId[2] = 0x2e; // '.'
  assertCryptoError(() => b.open(badId, CTX), 'bad_format');
  assertCryptoError(() => b.open(Buffer.alloc(0), CTX), 'bad_format');
  assertCryptoError(() => b.open('not bytes' as unknown as Buffer, CTX), 'bad_format');
});

test('rotation: k1 blob opens under "k2,k1" and reseal moves it to k2', async () => {
  const old = await box(`k1:${K1}`);
  const blob = old.seal(SECRET, CTX);
  const rotated = await box(`k2:${K2},k1:${K1}`);
  assert.equal(rotated.open(blob, CTX), SECRET);
  assert.equal(rotated.needsRotation(blob), true);
  const resealed = rotated.reseal(blob, CTX);
  assert.equal(rotated.keyIdOf(resealed), 'k2');
  assert.equal(rotated.needsRotation(resealed), false);
  assert.equal(rotated.open(resealed, CTX), SECRET);
  assert.notDeepEqual(resealed, blob);
  // Once k1 is removed, the resealed blob still opens; the old one does not.
  const after = await box(`k2:${K2}`);
  assert.equal(after.open(resealed, CTX), SECRET);
  assertCryptoError(() => after.open(blob, CTX), 'unknown_key_id');
  // Reseal keeps the context binding.
  assertCryptoError(() => rotated.reseal(blob, { ...CTX, accountId: 'acct-2' }), 'decrypt_failed');
  assertCryptoError(() => rotated.open(resealed, { ...CTX, field: 'access_token' }), 'decrypt_failed');
});
