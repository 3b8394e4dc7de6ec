import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessionsAndIdempotency1764000001000 implements MigrationInterface {
  name = 'CreateSessionsAndIdempotency1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connect_sessions (
        id uuid PRIMARY KEY,
        token_hash bytea NOT NULL,
        owner_id varchar(128) NOT NULL,
        account_id uuid,
        label varchar(200),
        created_account_ids uuid[] NOT NULL DEFAULT '{}',
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX connect_sessions_token_hash_uq ON connect_sessions (token_hash)`);
    await q.query(`CREATE INDEX connect_sessions_expires_idx ON connect_sessions (expires_at)`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope varchar(400) PRIMARY KEY,
        request_hash varchar(64) NOT NULL,
        status_code int,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE connect_sessions`);
  }
}
