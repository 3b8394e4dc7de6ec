import type { AccountStatus, Region } from '@app/common';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';


export interface LastError {
  code: string;
  message: string;
  at: string;
}

/** One linked Bitwarden organization. Secrets and tokens only ever live here as AEAD blobs bound to (owner, id, field). */
@Entity('accounts')
@Index('accounts_owner_identity_org_uq', ['ownerId', 'identityBaseUrl', 'organizationId'], { unique: true })
export class AccountEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'owner_id', type: 'varchar', length: 128 }) ownerId!: string;
  @Column({ type: 'varchar', length: 32, default: 'bitwarden' }) provider!: string;
  @Column({ name: 'organization_id', type: 'uuid' }) organizationId!: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) label!: string | null;
  @Column({ type: 'varchar', length: 16 }) region!: Region;
  @Column({ name: 'api_base_url', type: 'text' }) apiBaseUrl!: string;
  @Column({ name: 'identity_base_url', type: 'text' }) identityBaseUrl!: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId!: string;
  @Column({ name: 'secret_last4', type: 'varchar', length: 4 }) secretLast4!: string;
  @Column({ name: 'secret_enc', type: 'bytea' }) secretEnc!: Buffer;
  @Column({ name: 'secret_key_id', type: 'varchar', length: 32 }) secretKeyId!: string;
  @Column({ name: 'credentials_version', type: 'int', default: 1 }) credentialsVersion!: number;
  @Column({ name: 'token_enc', type: 'bytea', nullable: true }) tokenEnc!: Buffer | null;
  @Column({ name: 'token_key_id', type: 'varchar', length: 32, nullable: true }) tokenKeyId!: string | null;
  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true }) tokenExpiresAt!: Date | null;
  @Column({ name: 'token_scope', type: 'varchar', length: 64, nullable: true }) tokenScope!: string | null;
  @Column({ name: 'token_lifetime_seconds', type: 'int', nullable: true }) tokenLifetimeSeconds!: number | null;
  @Column({ type: 'varchar', length: 16 }) status!: AccountStatus;
  @Column({ name: 'status_reason', type: 'varchar', length: 32, nullable: true }) statusReason!: string | null;
  @Column({ name: 'last_error', type: 'jsonb', nullable: true }) lastError!: LastError | null;
  @Column({ name: 'last_verified_at', type: 'timestamptz', nullable: true }) lastVerifiedAt!: Date | null;
  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true }) lastCheckedAt!: Date | null;
  @Column({ name: 'consecutive_failures', type: 'int', default: 0 }) consecutiveFailures!: number;
  /** Null while suspended: the sweeper claims only rows with a due time. */
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true }) nextCheckAt!: Date | null;
  @Column({ name: 'refresh_at', type: 'timestamptz', nullable: true }) refreshAt!: Date | null;
  @Column({ name: 'last_token_request_at', type: 'timestamptz', nullable: true }) lastTokenRequestAt!: Date | null;
  @Column({ name: 'server_flavor', type: 'varchar', length: 16, nullable: true }) serverFlavor!: 'bitwarden' | 'vaultwarden' | null;
  @Column({ name: 'server_version', type: 'varchar', length: 64, nullable: true }) serverVersion!: string | null;
  @Column({ name: 'server_checked_at', type: 'timestamptz', nullable: true }) serverCheckedAt!: Date | null;
  /** The API URL's problem from the last background probe; only a successful probe clears it. */
  @Column({ name: 'api_error', type: 'jsonb', nullable: true }) apiError!: LastError | null;
  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true }) suspendedAt!: Date | null;
  /** The connect session whose link created the account (null when the service key did): it may read it and post it again. */
  @Column({ name: 'created_by_session_id', type: 'uuid', nullable: true }) createdBySessionId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  // A plain column, not @UpdateDateColumn: TypeORM would stamp it on every write, schedule and token ones included,
  // while updatedAt moves only with visible changes (AccountsRepository.update decides).
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
