import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '@app/database';
import { TEST_DATABASE_URL } from '../support/env';

test('npm run migrate creates a missing database and is idempotent', async () => {
  const name = `bwc_migrate_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  try {
    const first = await migrate(url.toString());
    assert.ok(first.length >= 2, `applied ${first.join(', ')}`);
    assert.deepEqual(await migrate(url.toString()), [], 'a second run applies nothing');
    const pg = new Client({ connectionString: url.toString() });
    await pg.connect();
    const idx = await pg.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'`);
    await pg.end();
    const names = idx.rows.map((r) => r.indexname);
    for (const n of ['accounts_owner_identity_org_uq', 'accounts_owner_created_idx', 'accounts_created_idx', 'accounts_next_check_idx']) assert.ok(names.includes(n), n);
  } finally {
    url.pathname = '/postgres';
    const admin = new Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});
