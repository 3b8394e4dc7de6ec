import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { CryptoModule } from '@app/crypto';
import { DatabaseModule } from '@app/database';
import { EncryptionKeysRepository, KeyringCheck, KeyRotationRepository, KeyRotationService } from '@app/accounts';

/**
 * Just enough for the keys CLI: configuration, Postgres, the keyring, the boot check and the rotation service.
 * No Redis, no queue, no HTTP. KeyringCheck runs in onModuleInit, so the CLI refuses to touch anything when
 * ENCRYPTION_KEYS cannot open what is stored (exactly as the API and worker would).
 */
@Module({})
export class KeysCliModule {
  static forRoot(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: KeysCliModule,
      imports: [ConfigModule.forRoot(env, { serviceKeys: false }), DatabaseModule, CryptoModule],
      providers: [EncryptionKeysRepository, KeyringCheck, KeyRotationRepository, KeyRotationService],
      exports: [KeyRotationService],
    };
  }
}
