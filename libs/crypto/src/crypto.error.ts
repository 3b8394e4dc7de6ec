// The one error type thrown by @app/crypto. Callers map it to an AppError/contract code themselves; the
// message is a plain sentence that never contains key material, plaintext or ciphertext bytes.
export type CryptoErrorReason = 'unknown_key_id' | 'bad_format' | 'decrypt_failed' | 'bad_keyring';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly reason: CryptoErrorReason;
  /** Set for reason 'unknown_key_id' (ids are validated [A-Za-z0-9_-]{1,32}, so safe to show). */
  readonly keyId?: string;

  constructor(reason: CryptoErrorReason, message: string, keyId?: string) {
    super(message);
    this.reason = reason;
    if (keyId !== undefined) this.keyId = keyId;
  }
}
