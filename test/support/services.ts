// The product's own Redis and Postgres services, built by hand on the test stores for the integration tier (no
// Nest application, no HTTP): each helper closes what it opened.
import { after } from 'node:test';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { createDataSource } from '@app/database';
import { RedisService } from '@app/redis';
import { baseEnv, TEST_DATABASE_URL } from './env';
import { migrateOnce } from './stack';

/** The configuration of the test stores (no simulator is involved: its port is never used). */
export const testConfig = () => new AppConfig(baseEnv(1));

/**
 * A RedisService on the test Redis database, connected (its client queues nothing while offline, by design),
 * disconnected after this file.
 */
export function useRedisService(): () => Promise<RedisService> {
  let redis: Promise<RedisService> | undefined;
  after(async () => (await redis)?.client.disconnect());
  return () =>
    (redis ??= (async () => {
      const r = new RedisService(testConfig());
      if (r.client.status !== 'ready') await new Promise<void>((resolve, reject) => r.client.once('ready', resolve).once('end', () => reject(new Error('test Redis unreachable'))));
      return r;
    })());
}

/** A migrated, initialised DataSource on the test database, destroyed after this file. */
export function useDataSource(): () => Promise<DataSource> {
  let ds: Promise<DataSource> | undefined;
  after(async () => {
    if (ds) await (await ds).destroy();
  });
  return () =>
    (ds ??= (async () => {
      await migrateOnce();
      return createDataSource(TEST_DATABASE_URL, 4).initialize();
    })());
}
