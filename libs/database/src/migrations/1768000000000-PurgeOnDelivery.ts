import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An offboarded owner's events go at once, except those whose webhook is not delivered yet: they are marked and go
 * as soon as the relay has delivered them, so the hub still hears of every deletion it asked for.
 */
export class PurgeOnDelivery1768000000000 implements MigrationInterface {
  name = 'PurgeOnDelivery1768000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_events ADD COLUMN purge_on_delivery boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_events DROP COLUMN purge_on_delivery`);
  }
}
