import { DataSource, DataSourceOptions } from 'typeorm';
import { AccountEventEntity } from './entities/account-event.entity';
import { AccountEntity } from './entities/account.entity';
import { ConnectSessionEntity } from './entities/connect-session.entity';
import { EncryptionKeyEntity } from './entities/encryption-key.entity';
import { IdempotencyKeyEntity } from './entities/idempotency-key.entity';
import { CreateAccounts1764000000000 } from './migrations/1764000000000-CreateAccounts';
import { CreateSessionsAndIdempotency1764000001000 } from './migrations/1764000001000-CreateSessionsAndIdempotency';
import { AccountLifecycle1764000002000 } from './migrations/1764000002000-AccountLifecycle';
import { AddServerIdentity1765000000000 } from './migrations/1765000000000-AddServerIdentity';
import { CheckLease1767000000000 } from './migrations/1767000000000-CheckLease';
import { PurgeOnDelivery1768000000000 } from './migrations/1768000000000-PurgeOnDelivery';
import { CreatedBySession1769000000000 } from './migrations/1769000000000-CreatedBySession';
import { IdempotencySession1769000001000 } from './migrations/1769000001000-IdempotencySession';
import { ConnectSessionReturnAndRevocation1766000000000 } from './migrations/1766000000000-ConnectSessionReturnAndRevocation';

export const ENTITIES = [AccountEntity, AccountEventEntity, EncryptionKeyEntity, ConnectSessionEntity, IdempotencyKeyEntity];
export const MIGRATIONS = [
  CreateAccounts1764000000000,
  CreateSessionsAndIdempotency1764000001000,
  AccountLifecycle1764000002000,
  AddServerIdentity1765000000000,
  ConnectSessionReturnAndRevocation1766000000000,
  CheckLease1767000000000,
  PurgeOnDelivery1768000000000,
  CreatedBySession1769000000000,
  IdempotencySession1769000001000,
];

/** One definition for the runtime, the migrate command and tests. Never synchronize: migrations only. */
export function dataSourceOptions(databaseUrl: string, poolSize = 20, opts: { requestTimeouts?: boolean } = {}): DataSourceOptions {
  const timeouts = opts.requestTimeouts === false ? {} : { statement_timeout: 2500, query_timeout: 3000 };
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    // Off: TypeORM would print failed queries with their parameters to the console; errors still propagate.
    logging: false,
    // A Postgres that stops answering (hung, a network partition) cannot enforce statement_timeout itself, so the
    // client gives up too (query_timeout): request paths answer 503 within seconds instead of hanging. Migrations
    // (CREATE INDEX on a large table) run without these limits.
    extra: { max: poolSize, connectionTimeoutMillis: 3000, ...timeouts },
  };
}

export const createDataSource = (databaseUrl: string, poolSize?: number, opts?: { requestTimeouts?: boolean }) =>
  new DataSource(dataSourceOptions(databaseUrl, poolSize, opts));
