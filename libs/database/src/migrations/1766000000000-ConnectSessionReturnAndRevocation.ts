import { MigrationInterface, QueryRunner } from 'typeorm';

/** Where the hosted page sends the customer afterwards, and revocation by the hub (a revoked token is refused at once). */
export class ConnectSessionReturnAndRevocation1766000000000 implements MigrationInterface {
  name = 'ConnectSessionReturnAndRevocation1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connect_sessions ADD COLUMN IF NOT EXISTS return_url varchar(2048), ADD COLUMN IF NOT EXISTS revoked_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connect_sessions DROP COLUMN revoked_at, DROP COLUMN return_url`);
  }
}
