import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sweeper's lease on a due check lives beside the due time instead of overwriting it, so next_check_at keeps
 * saying when the check was due (the check lag is then true while a backlog waits). A lease holds only for the due
 * time it was taken for: a check rescheduled since is claimable again at once.
 */
export class CheckLease1767000000000 implements MigrationInterface {
  name = 'CheckLease1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN check_lease_until timestamptz, ADD COLUMN check_leased_due timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts DROP COLUMN check_lease_until, DROP COLUMN check_leased_due`);
  }
}
