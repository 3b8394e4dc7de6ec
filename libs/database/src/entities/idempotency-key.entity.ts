import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A remembered response to an Idempotency-Key, per caller scope; bodies are fingerprinted, never stored. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 400 }) scope!: string;
  @Column({ name: 'request_hash', type: 'varchar', length: 64 }) requestHash!: string;
  @Column({ name: 'status_code', type: 'int', nullable: true }) statusCode!: number | null;
  @Column({ name: 'response_body', type: 'jsonb', nullable: true }) responseBody!: unknown;
  /** The connect session whose request holds the key or made its answer; null for a service key. */
  @Column({ name: 'session_id', type: 'uuid', nullable: true }) sessionId!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
}
