export * from './app-config';
export * from './config.module';
export { DEFAULT_DATABASE_URL } from './env.schema';
