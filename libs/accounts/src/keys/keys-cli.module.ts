import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { Keyring, SecretBox } from '@app/crypto';
import { DatabaseModule } from '@app/database';
import { EncryptionKeysRepository } from './encryption-keys.repository';
import { KeyRotationRepository } from './key-rotation.repository';
import { KeyRotationService } from './key-rotation.service';
import { KeyringCheck } from './keyring-check';

/**
 * Just enough for `keys-cli`: configuration, Postgres, the keyring, the boot check and the rotation service.
 * No Redis, no queue, no HTTP. KeyringCheck runs in onModuleInit, so the CLI refuses to touch anything when
 * ENCRYPTION_KEYS cannot open what is stored (exactly as the API and worker would).
 */
@Module({})
export class KeysCliModule {
  static forRoot(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: KeysCliModule,
      imports: [ConfigModule.forRoot(env), DatabaseModule],
      providers: [
        { provide: Keyring, inject: [AppConfig], useFactory: (config: AppConfig) => Keyring.fromEnv(config.encryptionKeys) },
        { provide: SecretBox, inject: [Keyring], useFactory: (keyring: Keyring) => new SecretBox(keyring) },
        EncryptionKeysRepository,
        KeyringCheck,
        KeyRotationRepository,
        KeyRotationService,
      ],
      exports: [KeyRotationService],
    };
  }
}
