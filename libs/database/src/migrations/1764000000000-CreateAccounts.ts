import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccounts1764000000000 implements MigrationInterface {
  name = 'CreateAccounts1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY,
        owner_id varchar(128) NOT NULL,
        provider varchar(32) NOT NULL DEFAULT 'bitwarden',
        organization_id uuid NOT NULL,
        label varchar(200),
        region varchar(16) NOT NULL,
        api_base_url text NOT NULL,
        identity_base_url text NOT NULL,
        client_id varchar(64) NOT NULL,
        secret_last4 varchar(4) NOT NULL,
        secret_enc bytea NOT NULL,
        secret_key_id varchar(32) NOT NULL,
        credentials_version int NOT NULL DEFAULT 1,
        token_enc bytea,
        token_key_id varchar(32),
        token_expires_at timestamptz,
        token_scope varchar(64),
        token_lifetime_seconds int,
        status varchar(16) NOT NULL,
        status_reason varchar(32),
        last_error jsonb,
        last_verified_at timestamptz,
        last_checked_at timestamptz,
        consecutive_failures int NOT NULL DEFAULT 0,
        next_check_at timestamptz NOT NULL,
        refresh_at timestamptz,
        last_token_request_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX accounts_owner_identity_org_uq ON accounts (owner_id, identity_base_url, organization_id)`);
    // Keyset pagination: newest first, (created_at, id) as the cursor, optionally within one owner / status / region.
    await q.query(`CREATE INDEX accounts_created_idx ON accounts (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX accounts_owner_created_idx ON accounts (owner_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX accounts_owner_status_created_idx ON accounts (owner_id, status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX accounts_status_created_idx ON accounts (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX accounts_region_created_idx ON accounts (region, created_at DESC, id DESC)`);
    // Scheduling lives in Postgres so a Redis flush loses nothing: the worker sweeps these two columns.
    await q.query(`CREATE INDEX accounts_next_check_idx ON accounts (next_check_at)`);
    await q.query(`CREATE INDEX accounts_refresh_idx ON accounts (refresh_at) WHERE refresh_at IS NOT NULL`);
    await q.query(`CREATE INDEX accounts_secret_key_idx ON accounts (secret_key_id)`);
    await q.query(`
      CREATE TABLE account_events (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        owner_id varchar(128) NOT NULL,
        type varchar(32) NOT NULL,
        seq int NOT NULL,
        from_status varchar(16),
        to_status varchar(16) NOT NULL,
        reason varchar(32),
        at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        delivery_attempts int NOT NULL DEFAULT 0,
        next_delivery_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX account_events_account_seq_uq ON account_events (account_id, seq)`);
    // The webhook outbox: undelivered events, oldest first.
    await q.query(`CREATE INDEX account_events_undelivered_idx ON account_events (next_delivery_at) WHERE delivered_at IS NULL`);
    await q.query(`
      CREATE TABLE encryption_keys (
        id varchar(32) PRIMARY KEY,
        kcv varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE encryption_keys`);
    await q.query(`DROP TABLE account_events`);
    await q.query(`DROP TABLE accounts`);
  }
}
