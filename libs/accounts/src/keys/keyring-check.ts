import { Injectable, OnModuleInit } from '@nestjs/common';
import { Keyring } from '@app/crypto';
import { EncryptionKeysRepository } from './encryption-keys.repository';

export class KeyringMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringMismatchError';
  }
}

/**
 * Refuses to boot when ENCRYPTION_KEYS cannot open what is stored: a key id in use is missing, or a key id's
 * material differs from the one that encrypted data here (its key-check value changed).
 */
@Injectable()
export class KeyringCheck implements OnModuleInit {
  constructor(
    private readonly keyring: Keyring,
    private readonly repo: EncryptionKeysRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const known = await this.repo.kcvs();
    for (const id of this.keyring.keyIds) {
      const kcv = this.keyring.keyCheckValue(id);
      const stored = known.get(id);
      if (stored && stored !== kcv) {
        throw new KeyringMismatchError(`ENCRYPTION_KEYS: key id "${id}" has different key material than the key that encrypted stored data.`);
      }
      if (!stored) await this.repo.remember(id, kcv);
    }
    const missing = (await this.repo.usage()).map((u) => u.keyId).filter((id) => !this.keyring.has(id));
    if (missing.length) {
      throw new KeyringMismatchError(`ENCRYPTION_KEYS lacks key id(s) ${missing.map((m) => `"${m}"`).join(', ')} used by stored data.`);
    }
  }
}
