import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Keyring } from './keyring';
import { SecretBox } from './secret-box';

/** The process's keyring (from ENCRYPTION_KEYS) and the one SecretBox over it. */
@Module({
  providers: [
    { provide: Keyring, inject: [AppConfig], useFactory: (config: AppConfig) => Keyring.fromEnv(config.encryptionKeys) },
    { provide: SecretBox, inject: [Keyring], useFactory: (keyring: Keyring) => new SecretBox(keyring) },
  ],
  exports: [Keyring, SecretBox],
})
export class CryptoModule {}
