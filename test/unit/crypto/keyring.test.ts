// Keyring parsing (ENCRYPTION_KEYS) and key check values. Error messages must never contain key material.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { CryptoError, Keyring } from '@app/crypto';

const RAW1 = randomBytes(32);
const RAW2 = randomBytes(32);
const K1 = RAW1.toString('base64');
const K2 = RAW2.toString('base64');

async function rejects(raw: string, secrets: string[], match: RegExp): Promise<void> {
  await assert.rejects(Keyring.fromEnv(raw), (err: unknown) => {
    assert.ok(err instanceof CryptoError, `expected CryptoError, got ${String(err)}`);
    assert.equal(err.reason, 'bad_keyring');
    assert.match(err.message, match);
    for (const s of secrets) if (s.length >= 4) assert.ok(!err.message.includes(s), `message leaks key material: ${err.message}`);
    return true;
  });
}

test('parses ids in order; first entry is active; whitespace tolerated', async () => {
  const kr = await Keyring.fromEnv(` k2:${K2} ,\nk1:${K1}`);
  assert.equal(kr.activeKeyId, 'k2');
  assert.deepEqual(kr.keyIds, ['k2', 'k1']);
  assert.equal(kr.has('k1'), true);
  assert.equal(kr.has('k3'), false);
  kr.keyIds.push('mutated');
  assert.deepEqual(kr.keyIds, ['k2', 'k1']);
});

test('accepts standard and url-safe base64, padded or not', async () => {
  // Bytes chosen so the standard encoding contains both '+' and '/'.
  const raw = Buffer.alloc(32, 0xfb);
  raw[1] = 0xff;
  const std = raw.toString('base64');
  const url = raw.toString('base64url');
  assert.match(std, /[+/]/);
  for (const enc of [std, std.replace(/=+$/, ''), url, `${url}=`]) {
    const kr = await Keyring.fromEnv(`a_B-9:${enc}`);
    assert.equal(kr.activeKeyId, 'a_B-9');
  }
  const a = await Keyring.fromEnv(`x:${std}`);
  const b = await Keyring.fromEnv(`x:${url}`);
  assert.equal(a.keyCheckValue('x'), b.keyCheckValue('x'));
  await Keyring.fromEnv(`${'i'.repeat(32)}:${K1}`);
});

test('rejects bad keyrings without echoing key material', async () => {
  const short = randomBytes(16).toString('base64');
  const long = randomBytes(33).toString('base64');
  await rejects('', [], /empty/);
  await rejects('   ', [], /empty/);
  await rejects(`k1:${short}`, [short], /entry #1 \(key id "k1"\).*exactly 32 bytes, got 16/);
  await rejects(`k1:${K1},k2:${long}`, [long, K1], /entry #2 \(key id "k2"\).*exactly 32 bytes, got 33/);
  await rejects(`k1:${K1.slice(0, 20)}!${K1.slice(21)}`, [K1.slice(0, 20), K1.slice(21)], /entry #1 \(key id "k1"\) is not valid base64/);
  await rejects(`k1:${K1.replace(/=$/, '')}A=`, [K1.slice(0, 40)], /entry #1.*(base64|32 bytes)/);
  await rejects(`k1:${K1.slice(0, 10)}+-${K1.slice(12)}`, [K1.slice(0, 10), K1.slice(12)], /not valid base64/); // mixed alphabets
  await rejects(`k1:${K1},k1:${K2}`, [K1, K2], /entry #2 repeats key id "k1"/);
  await rejects(`k1:${K1},`, [K1], /entry #2 is empty/);
  await rejects(`,k1:${K1}`, [K1], /entry #1 is empty/);
  await rejects(`bad.id:${K1}`, [K1], /entry #1 has an invalid key id/);
  await rejects(`:${K1}`, [K1], /entry #1 has an invalid key id/);
  await rejects(`${'i'.repeat(33)}:${K1}`, [K1], /entry #1 has an invalid key id/);
  await rejects(`k1:${K1},${K2}`, [K1, K2], /entry #2 has no "id:" prefix/);
  // Mis-ordered "key:id": the key lands in the id slot and must not be echoed.
  await rejects(`${K1}:k1`, [K1, K1.slice(0, 32)], /entry #1 has an invalid key id/);
  const urlKey = RAW2.toString('base64url');
  await rejects(`${urlKey}:k1`, [urlKey, urlKey.slice(0, 32)], /entry #1 has an invalid key id/);
});

test('key check value: stable, per key, hex of 16 bytes, independent of id and order', async () => {
  const a = await Keyring.fromEnv(`k1:${K1},k2:${K2}`);
  const b = await Keyring.fromEnv(`k2:${K2},other:${K1}`);
  const kcv1 = a.keyCheckValue('k1');
  assert.match(kcv1, /^[0-9a-f]{32}$/);
  assert.equal(a.keyCheckValue('k1'), kcv1);
  assert.equal(b.keyCheckValue('other'), kcv1);
  assert.equal(b.keyCheckValue('k2'), a.keyCheckValue('k2'));
  assert.notEqual(a.keyCheckValue('k1'), a.keyCheckValue('k2'));
  assert.ok(!kcv1.includes(RAW1.toString('hex').slice(0, 8)));
  await assert.rejects(async () => a.keyCheckValue('nope'), (err: unknown) => err instanceof CryptoError && err.reason === 'unknown_key_id' && /"nope"/.test(err.message));
  // Fixed vector: 32 bytes of 0x42.
  const g = await Keyring.fromEnv(`g:${Buffer.alloc(32, 0x42).toString('base64')}`);
  assert.equal(g.keyCheckValue('g'), '7111a259496489744751e9716e760adb');
});

test('key material is not visible through inspect or JSON', async () => {
  const kr = await Keyring.fromEnv(`k1:${K1}`);
  for (const text of [inspect(kr, { depth: 10, showHidden: true }), JSON.stringify(kr), String(kr)]) {
    assert.ok(!text.includes(K1));
    assert.ok(!text.includes(RAW1.toString('hex')));
    assert.ok(!text.includes(RAW1.toString('base64url')));
  }
  assert.deepEqual(JSON.parse(JSON.stringify(kr)), { activeKeyId: 'k1', keyIds: ['k1'] });
});
