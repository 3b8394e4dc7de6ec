import { MigrationInterface, QueryRunner } from 'typeorm';

/** Suspension (no due check while suspended, when it began) and the indexes event retention and offboarding use. */
export class AccountLifecycle1764000002000 implements MigrationInterface {
  name = 'AccountLifecycle1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ALTER COLUMN next_check_at DROP NOT NULL`);
    await q.query(`ALTER TABLE accounts ADD COLUMN suspended_at timestamptz`);
    // The retention purge deletes the oldest events in batches; offboarding deletes one owner's.
    await q.query(`CREATE INDEX account_events_at_idx ON account_events (at)`);
    await q.query(`CREATE INDEX account_events_owner_idx ON account_events (owner_id)`);
    // GET /v1/accounts/{id}/events pages newest first by id within one account.
    await q.query(`CREATE INDEX account_events_account_id_idx ON account_events (account_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX account_events_account_id_idx`);
    await q.query(`DROP INDEX account_events_owner_idx`);
    await q.query(`DROP INDEX account_events_at_idx`);
    await q.query(`ALTER TABLE accounts DROP COLUMN suspended_at`);
    // Suspended accounts have no due time: give them one (now) so the NOT NULL holds and they are checked again.
    await q.query(`UPDATE accounts SET next_check_at = now(), status = 'active' WHERE next_check_at IS NULL`);
    await q.query(`ALTER TABLE accounts ALTER COLUMN next_check_at SET NOT NULL`);
  }
}
