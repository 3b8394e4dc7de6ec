import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which connect session created an account is a column of the account, written by the insert itself: a session's
 * link is then one transaction, and a request that finds the account its own session just created can tell.
 * Accounts recorded in their session's created_account_ids are carried over. That column is no longer read or
 * written; it stays so that a process of the previous version still runs while both are deployed.
 */
export class CreatedBySession1769000000000 implements MigrationInterface {
  name = 'CreatedBySession1769000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN created_by_session_id uuid`);
    await q.query(`
      UPDATE accounts a SET created_by_session_id = s.id
        FROM connect_sessions s
       WHERE a.id = ANY(s.created_account_ids)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE connect_sessions s
         SET created_account_ids = s.created_account_ids || ARRAY(
               SELECT a.id FROM accounts a WHERE a.created_by_session_id = s.id AND NOT (a.id = ANY(s.created_account_ids)))
       WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.created_by_session_id = s.id)`);
    await q.query(`ALTER TABLE accounts DROP COLUMN created_by_session_id`);
  }
}
