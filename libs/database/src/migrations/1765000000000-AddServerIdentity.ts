import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the server says it is (flavor and version from GET {api}/config), when that was last asked, and the API
 * URL's last problem: set when a background probe of the API URL failed, cleared only by a successful probe.
 */
export class AddServerIdentity1765000000000 implements MigrationInterface {
  name = 'AddServerIdentity1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts
      ADD COLUMN server_flavor varchar(16),
      ADD COLUMN server_version varchar(64),
      ADD COLUMN server_checked_at timestamptz,
      ADD COLUMN api_error jsonb`);
    await q.query(`CREATE INDEX accounts_org_idx ON accounts (organization_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX accounts_org_idx`);
    await q.query(`ALTER TABLE accounts DROP COLUMN server_flavor, DROP COLUMN server_version, DROP COLUMN server_checked_at, DROP COLUMN api_error`);
  }
}
