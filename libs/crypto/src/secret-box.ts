/*
 * SecretBox blob format v1 (docs/SECURITY.md, "5.1 The ciphertext format"). All multi-byte fields are raw bytes.
 *
 *   offset        len      field
 *   0             1        version = 0x01   (0x02 reserved for envelope encryption)
 *   1             1        keyIdLen L, 1..32
 *   2             L        keyId, ASCII [A-Za-z0-9_-] — id of the ENCRYPTION_KEYS entry that sealed the blob
 *   2+L           24       nonce, 24 random bytes from the OS CSPRNG, fresh per seal
 *   26+L          n+16     crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext) = ciphertext ‖ Poly1305 tag
 *
 * Associated data = header (bytes 0 .. 26+L, i.e. version, keyIdLen, keyId, nonce)
 *                 ‖ utf8("bitwarden-connect:v1|owner=<n>:<ownerId>|account=<n>:<accountId>|field=<n>:<field>")
 * where <n> is the decimal UTF-8 byte length of the value that follows the ':'. The length prefixes make the
 * context injective (owner "a|account=b" cannot masquerade as another owner/account split), and having the header
 * in the AD means a changed version, key id or nonce fails authentication. The context binds a blob to its row
 * (owner, account) and column (field): copying it anywhere else fails to open.
 *
 * Any change to this layout or to the AD string needs a new version byte; test/crypto/golden.ts pins v1.
 */
import { randomFillSync } from 'node:crypto';
import { CryptoError } from './crypto.error';
import { KEY_ID_PATTERN, Keyring, keyBytes, unknownKeyId } from './keyring';
import { sodium } from './sodium';

export interface SealContext {
  ownerId: string;
  accountId: string;
  field: 'client_secret' | 'access_token' | string;
}

export const FORMAT_V1 = 0x01;
const NONCE_BYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
const TAG_BYTES = 16; // crypto_aead_xchacha20poly1305_ietf_ABYTES
const MAX_KEY_ID_LEN = 32;
const AD_PREFIX = 'bitwarden-connect:v1';

// A lone surrogate would be silently replaced by U+FFFD when UTF-8 encoded, making two different strings
// encode to the same bytes (colliding contexts, or a silently altered plaintext). Refuse them instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Header {
  keyId: string;
  nonce: Uint8Array;
  /** Length of version + keyIdLen + keyId + nonce; the ciphertext starts here. */
  length: number;
}

function parseHeader(blob: Uint8Array): Header {
  if (!(blob instanceof Uint8Array)) throw new CryptoError('bad_format', 'Encrypted value is not a byte buffer.');
  if (blob.length < 1) throw new CryptoError('bad_format', 'Encrypted value is empty.');
  if (blob[0] !== FORMAT_V1) {
    throw new CryptoError('bad_format', `Encrypted value has unsupported format version ${blob[0]}.`);
  }
  if (blob.length < 2) throw new CryptoError('bad_format', 'Encrypted value is truncated.');
  const idLen = blob[1]!;
  if (idLen < 1 || idLen > MAX_KEY_ID_LEN) {
    throw new CryptoError('bad_format', 'Encrypted value has an invalid key id length.');
  }
  const length = 2 + idLen + NONCE_BYTES;
  if (blob.length < length + TAG_BYTES) throw new CryptoError('bad_format', 'Encrypted value is truncated.');
  let keyId = '';
  for (let i = 2; i < 2 + idLen; i++) keyId += String.fromCharCode(blob[i]!);
  if (!KEY_ID_PATTERN.test(keyId)) throw new CryptoError('bad_format', 'Encrypted value has an invalid key id.');
  return { keyId, nonce: blob.subarray(2 + idLen, length), length };
}

function checkText(value: unknown, what: string, allowEmpty: boolean): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw new CryptoError('bad_format', `${what} must be a non-empty string.`);
  }
  if (LONE_SURROGATE.test(value)) throw new CryptoError('bad_format', `${what} is not well-formed Unicode.`);
  return value;
}

function contextBytes(ctx: SealContext): Uint8Array {
  if (!ctx || typeof ctx !== 'object') throw new CryptoError('bad_format', 'Seal context is missing.');
  const part = (name: string, value: unknown): string => {
    const s = checkText(value, `Seal context ${name}`, false);
    return `${name}=${Buffer.byteLength(s, 'utf8')}:${s}`;
  };
  return sodium.from_string(
    `${AD_PREFIX}|${part('owner', ctx.ownerId)}|${part('account', ctx.accountId)}|${part('field', ctx.field)}`,
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class SecretBox {
  constructor(private readonly keyring: Keyring) {
    if (!(keyring instanceof Keyring)) throw new CryptoError('bad_keyring', 'SecretBox needs a Keyring.');
  }

  seal(plaintext: string, ctx: SealContext): Buffer {
    checkText(plaintext, 'Plaintext', true);
    const pt = sodium.from_string(plaintext);
    try {
      return this.sealBytes(pt, ctx);
    } finally {
      sodium.memzero(pt);
    }
  }

  open(blob: Buffer | Uint8Array, ctx: SealContext): string {
    const pt = this.openBytes(blob, ctx);
    try {
      return sodium.to_string(pt);
    } finally {
      sodium.memzero(pt);
    }
  }

  /** Key id from the header only (no authentication). Throws 'bad_format' on a malformed header. */
  keyIdOf(blob: Buffer | Uint8Array): string {
    return parseHeader(blob).keyId;
  }

  /** True when the blob was sealed under a key other than the active one (a candidate for reseal). */
  needsRotation(blob: Buffer | Uint8Array): boolean {
    return parseHeader(blob).keyId !== this.keyring.activeKeyId;
  }

  /** Opens and re-seals under the active key with a fresh nonce; the plaintext never becomes a JS string. */
  reseal(blob: Buffer | Uint8Array, ctx: SealContext): Buffer {
    const pt = this.openBytes(blob, ctx);
    try {
      return this.sealBytes(pt, ctx);
    } finally {
      sodium.memzero(pt);
    }
  }

  private sealBytes(pt: Uint8Array, ctx: SealContext): Buffer {
    const keyId = this.keyring.activeKeyId;
    const key = keyBytes(this.keyring, keyId);
    if (!key) throw unknownKeyId(keyId);
    const ctxBytes = contextBytes(ctx);
    const header = new Uint8Array(2 + keyId.length + NONCE_BYTES);
    header[0] = FORMAT_V1;
    header[1] = keyId.length;
    for (let i = 0; i < keyId.length; i++) header[2 + i] = keyId.charCodeAt(i);
    // Node's CSPRNG (the OS generator) instead of libsodium's wasm randombytes: the same quality, ~13x faster here.
    const nonce = randomFillSync(new Uint8Array(NONCE_BYTES));
    header.set(nonce, 2 + keyId.length);
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, concat(header, ctxBytes), null, nonce, key);
    const out = Buffer.alloc(header.length + ct.length);
    out.set(header, 0);
    out.set(ct, header.length);
    return out;
  }

  private openBytes(blob: Buffer | Uint8Array, ctx: SealContext): Uint8Array {
    const header = parseHeader(blob);
    const key = keyBytes(this.keyring, header.keyId);
    if (!key) throw unknownKeyId(header.keyId);
    const ad = concat(blob.subarray(0, header.length), contextBytes(ctx));
    try {
      return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(header.length), ad, header.nonce, key);
    } catch {
      throw new CryptoError(
        'decrypt_failed',
        `Encrypted ${String(ctx.field)} could not be decrypted: it was altered, belongs to another row or field, or key "${header.keyId}" changed.`,
      );
    }
  }
}
