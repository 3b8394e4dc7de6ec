import { Client } from 'pg';
import { DEFAULT_DATABASE_URL } from '@app/config';
import { createDataSource } from './data-source';

/** Creates the database named in DATABASE_URL when it is missing (connecting to the server's `postgres` db). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return;
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created concurrently by another runner
      });
    }
  } finally {
    await admin.end();
  }
}

export async function migrate(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const ds = createDataSource(databaseUrl, 2, { requestTimeouts: false });
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  // Only the database URL is needed to migrate; the other settings are checked when the service boots.
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  migrate(databaseUrl)
    .then((ran) => {
      console.log(ran.length ? `applied: ${ran.join(', ')}` : 'database is up to date');
    })
    .catch((e: Error) => {
      console.error(`migration failed: ${e.message}`);
      process.exit(1);
    });
}
