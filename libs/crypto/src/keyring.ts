// Keyring parsed from ENCRYPTION_KEYS ("id:base64(32 bytes)", comma-separated). The first entry is the active
// (encrypting) key; every entry can decrypt. Rotation = put the new key first, keep the old one listed until every
// blob has been resealed (see docs/SECURITY.md, "3.3 Rotation procedure, step by step"). Key bytes live only in a module-private WeakMap as Uint8Arrays,
// so they never show up in util.inspect / JSON.stringify of a Keyring and are reachable only through keyBytes().
import { CryptoError } from './crypto.error';
import { sodium, sodiumReady } from './sodium';

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const KEY_BYTES = 32;
const KCV_LABEL = 'bitwarden-connect kcv v1';

const STANDARD_B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const URLSAFE_B64 = /^[A-Za-z0-9_-]+={0,2}$/;

const material = new WeakMap<Keyring, Map<string, Uint8Array>>();

/** Internal to @app/crypto (not re-exported from index.ts): the raw key for `id`, or undefined. */
export function keyBytes(keyring: Keyring, id: string): Uint8Array | undefined {
  return material.get(keyring)?.get(id);
}

function decodeKey(b64: string): Uint8Array | undefined {
  let variant: number;
  if (STANDARD_B64.test(b64)) {
    variant = b64.includes('=') ? sodium.base64_variants.ORIGINAL : sodium.base64_variants.ORIGINAL_NO_PADDING;
  } else if (URLSAFE_B64.test(b64)) {
    variant = b64.includes('=') ? sodium.base64_variants.URLSAFE : sodium.base64_variants.URLSAFE_NO_PADDING;
  } else {
    return undefined;
  }
  try {
    return sodium.from_base64(b64, variant);
  } catch {
    return undefined;
  }
}

export class Keyring {
  readonly #ids: string[];
  readonly #kcv = new Map<string, string>();

  private constructor(entries: Array<[string, Uint8Array]>) {
    this.#ids = entries.map(([id]) => id);
    const keys = new Map(entries);
    material.set(this, keys);
    for (const [id, key] of keys) this.#kcv.set(id, sodium.crypto_generichash(16, KCV_LABEL, key, 'hex'));
  }

  /**
   * Parses ENCRYPTION_KEYS. Errors (CryptoError 'bad_keyring') name the entry by 1-based index and, once the id is
   * known to be valid, by id — never the key text or bytes.
   */
  static async fromEnv(raw: string): Promise<Keyring> {
    await sodiumReady();
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw new CryptoError('bad_keyring', 'ENCRYPTION_KEYS is empty; expected "id:base64key[,id:base64key...]".');
    }
    const entries: Array<[string, Uint8Array]> = [];
    const fail = (message: string): never => {
      for (const [, key] of entries) sodium.memzero(key);
      throw new CryptoError('bad_keyring', message);
    };
    raw.split(',').forEach((part, i) => {
      const n = i + 1;
      const entry = part.trim();
      if (entry === '') fail(`ENCRYPTION_KEYS entry #${n} is empty.`);
      const sep = entry.indexOf(':');
      if (sep < 0) fail(`ENCRYPTION_KEYS entry #${n} has no "id:" prefix; expected "id:base64key".`);
      const id = entry.slice(0, sep);
      // Don't echo a bad id: a mis-ordered entry ("key:id") would otherwise print the key.
      if (!KEY_ID_PATTERN.test(id)) fail(`ENCRYPTION_KEYS entry #${n} has an invalid key id; ids are 1-32 characters of A-Z a-z 0-9 _ -.`);
      if (entries.some(([other]) => other === id)) fail(`ENCRYPTION_KEYS entry #${n} repeats key id "${id}"; ids must be unique.`);
      const key = decodeKey(entry.slice(sep + 1).trim());
      if (!key) fail(`ENCRYPTION_KEYS entry #${n} (key id "${id}") is not valid base64 (standard or url-safe).`);
      if (key!.length !== KEY_BYTES) {
        const len = key!.length;
        sodium.memzero(key!);
        fail(`ENCRYPTION_KEYS entry #${n} (key id "${id}") must decode to exactly ${KEY_BYTES} bytes, got ${len}.`);
      }
      entries.push([id, key!]);
    });
    return new Keyring(entries);
  }

  /** The id new blobs are sealed under (first ENCRYPTION_KEYS entry). */
  get activeKeyId(): string {
    return this.#ids[0]!;
  }

  /** All ids in configured order (a copy). */
  get keyIds(): string[] {
    return [...this.#ids];
  }

  has(id: string): boolean {
    return this.#kcv.has(id);
  }

  /**
   * Non-secret fingerprint of a key: hex(crypto_generichash(16, 'bitwarden-connect kcv v1', key)). Stored in the DB
   * so boot can refuse to run when the material behind an id changed.
   */
  keyCheckValue(id: string): string {
    const kcv = this.#kcv.get(id);
    if (kcv === undefined) throw unknownKeyId(id);
    return kcv;
  }

  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }
}

export function unknownKeyId(id: string): CryptoError {
  const shown = KEY_ID_PATTERN.test(id) ? `"${id}"` : '(invalid id)';
  return new CryptoError('unknown_key_id', `Key id ${shown} is not in ENCRYPTION_KEYS.`, id);
}
