import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A short-lived browser credential bound to one owner (and, in edit mode, one account). Only its hash is stored. */
@Entity('connect_sessions')
export class ConnectSessionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'token_hash', type: 'bytea' }) tokenHash!: Buffer;
  @Column({ name: 'owner_id', type: 'varchar', length: 128 }) ownerId!: string;
  @Column({ name: 'account_id', type: 'uuid', nullable: true }) accountId!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) label!: string | null;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'return_url', type: 'varchar', length: 2048, nullable: true }) returnUrl!: string | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
