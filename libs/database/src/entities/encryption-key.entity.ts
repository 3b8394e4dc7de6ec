import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Key-check values of every key id that ever encrypted data here, so a changed or missing key stops the boot. */
@Entity('encryption_keys')
export class EncryptionKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 }) id!: string;
  @Column({ type: 'varchar', length: 64 }) kcv!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
