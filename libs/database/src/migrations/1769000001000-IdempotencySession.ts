import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A remembered Idempotency-Key answer names the connect session whose request made it (null for a service key):
 * keys are scoped to the session's owner, and an answer that carries no account (a refusal) is replayed only to
 * the session that got it first.
 */
export class IdempotencySession1769000001000 implements MigrationInterface {
  name = 'IdempotencySession1769000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN session_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN session_id`);
  }
}
