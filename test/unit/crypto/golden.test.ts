// Format compatibility: the committed v1 blob must open forever, both through SecretBox and through a
// from-scratch decoder that follows only the documented layout (so the doc comment and the code agree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sodium from 'libsodium-wrappers';
import { Keyring, SecretBox } from '@app/crypto';
import { GOLDEN_BLOB_HEX, GOLDEN_CONTEXT, GOLDEN_KCV, GOLDEN_KEY_ID, GOLDEN_KEYS, GOLDEN_PLAINTEXT } from './golden';

test('golden v1 blob opens with SecretBox', async () => {
  const keyring = await Keyring.fromEnv(GOLDEN_KEYS);
  const box = new SecretBox(keyring);
  const blob = Buffer.from(GOLDEN_BLOB_HEX, 'hex');
  assert.equal(box.keyIdOf(blob), GOLDEN_KEY_ID);
  assert.equal(box.needsRotation(blob), false);
  assert.equal(box.open(blob, GOLDEN_CONTEXT), GOLDEN_PLAINTEXT);
  assert.equal(keyring.keyCheckValue(GOLDEN_KEY_ID), GOLDEN_KCV);
});

test('golden v1 blob opens with an independent decoder of the documented format', async () => {
  await sodium.ready;
  const blob = Buffer.from(GOLDEN_BLOB_HEX, 'hex');
  assert.equal(blob[0], 0x01);
  const idLen = blob[1]!;
  assert.equal(blob.subarray(2, 2 + idLen).toString('ascii'), GOLDEN_KEY_ID);
  const headerLen = 2 + idLen + 24;
  const nonce = blob.subarray(2 + idLen, headerLen);
  const { ownerId, accountId, field } = GOLDEN_CONTEXT;
  const len = (s: string) => Buffer.byteLength(s, 'utf8');
  const ctx = `bitwarden-connect:v1|owner=${len(ownerId)}:${ownerId}|account=${len(accountId)}:${accountId}|field=${len(field)}:${field}`;
  const ad = Buffer.concat([blob.subarray(0, headerLen), Buffer.from(ctx, 'utf8')]);
  const key = new Uint8Array(32).fill(0x42);
  const pt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(headerLen), ad, nonce, key);
  assert.equal(Buffer.from(pt).toString('utf8'), GOLDEN_PLAINTEXT);
  assert.equal(sodium.crypto_generichash(16, 'bitwarden-connect kcv v1', key, 'hex'), GOLDEN_KCV);
});
