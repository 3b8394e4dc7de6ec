export * from './entities/account.entity';
export * from './entities/account-event.entity';
export * from './entities/encryption-key.entity';
export * from './entities/connect-session.entity';
export * from './entities/idempotency-key.entity';
export * from './data-source';
export * from './database.module';
export { migrate, ensureDatabase } from './migrate';
export * from './transaction';
