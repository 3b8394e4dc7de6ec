import { Module } from '@nestjs/common';
import { DatabaseModule } from '@app/database';
import { AccountChecker } from './account-checker.service';
import { AccountSecrets } from './account-secrets';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { DistributedLock } from './distributed-lock';
import { IdentityBudget } from './identity-budget';
import { infrastructureProviders } from './infrastructure.providers';
import { LinkInput } from './link-input';
import { TokenService } from './token.service';
import { UpstreamMetrics } from './upstream.metrics';
import { UpstreamService } from './upstream.service';
import { ConnectSessionsRepository } from './sessions/connect-sessions.repository';
import { ConnectSessionsService } from './sessions/connect-sessions.service';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { IdempotencyService } from './idempotency/idempotency.service';
import { EncryptionKeysRepository } from './keys/encryption-keys.repository';
import { KeyringCheck } from './keys/keyring-check';
import { AccountJobs } from './scheduling/account-jobs.service';
import { HostBreaker } from './scheduling/host-breaker';
import { Sweeper } from './scheduling/sweeper.service';
import { WebhookOutboxRepository } from './webhooks/webhook-outbox.repository';
import { WebhookRelay } from './webhooks/webhook-relay.service';

const services = [
  AccountsRepository,
  AccountSecrets,
  AccountChecker,
  AccountsService,
  DistributedLock,
  IdentityBudget,
  LinkInput,
  TokenService,
  UpstreamMetrics,
  UpstreamService,
  ConnectSessionsRepository,
  ConnectSessionsService,
  IdempotencyRepository,
  IdempotencyService,
  EncryptionKeysRepository,
  KeyringCheck,
  AccountJobs,
  HostBreaker,
  Sweeper,
  WebhookOutboxRepository,
  WebhookRelay,
];

/** The accounts domain shared by the API and the worker (Redis, queue and config modules are global). */
@Module({
  imports: [DatabaseModule],
  providers: [...infrastructureProviders, ...services],
  exports: [...services, ...infrastructureProviders.map((p) => (p as { provide: unknown }).provide as never)],
})
export class AccountsModule {}
