import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { BitwardenModule } from '@app/bitwarden';
import { CryptoModule } from '@app/crypto';
import { DatabaseModule } from '@app/database';
import { AccountLifecycleService } from './account-lifecycle.service';
import { AccountMetrics } from './account.metrics';
import { AccountSecrets } from './account-secrets';
import { AccountVerifier } from './account-verifier.service';
import { AccountsService } from './accounts.service';
import { KeyringCheck } from './keys/keyring-check';
import { EncryptionKeysRepository } from './keys/encryption-keys.repository';
import { LinkInput } from './link-input';
import { AccountEventsRepository } from './persistence/account-events.repository';
import { AccountsRepository, DELIVER_EVENTS } from './persistence/accounts.repository';
import { TokenService } from './token.service';
import { TokenCacheService } from './token-cache.service';

/**
 * The Account aggregate, shared by the API and the worker (Redis, queue and config modules are global).
 * KeyringCheck refuses to boot a process whose ENCRYPTION_KEYS cannot open what is stored.
 */
@Module({
  imports: [DatabaseModule, CryptoModule, BitwardenModule],
  providers: [
    { provide: DELIVER_EVENTS, inject: [AppConfig], useFactory: (c: AppConfig) => !!c.webhookUrl },
    AccountLifecycleService,
    AccountMetrics,
    AccountSecrets,
    AccountEventsRepository,
    AccountsRepository,
    AccountVerifier,
    AccountsService,
    EncryptionKeysRepository,
    KeyringCheck,
    LinkInput,
    TokenService,
    TokenCacheService,
  ],
  exports: [AccountsService, AccountLifecycleService, TokenService, AccountVerifier, AccountsRepository, AccountEventsRepository, BitwardenModule],
})
export class AccountsModule {}
