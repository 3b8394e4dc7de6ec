import type { AccountEventType } from '@app/common';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type { AccountEventType };

/** An account's status history. No foreign key: the history outlives the account (and never holds secrets). */
@Entity('account_events')
export class AccountEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'owner_id', type: 'varchar', length: 128 }) ownerId!: string;
  @Column({ type: 'varchar', length: 32 }) type!: AccountEventType;
  @Column({ type: 'int' }) seq!: number;
  @Column({ name: 'from_status', type: 'varchar', length: 16, nullable: true }) fromStatus!: string | null;
  @Column({ name: 'to_status', type: 'varchar', length: 16 }) toStatus!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) reason!: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @Column({ name: 'delivery_attempts', type: 'int', default: 0 }) deliveryAttempts!: number;
  @Column({ name: 'next_delivery_at', type: 'timestamptz', nullable: true }) nextDeliveryAt!: Date | null;
  /** Offboarded: delete the row once its webhook is delivered instead of keeping it. */
  @Column({ name: 'purge_on_delivery', type: 'boolean', default: false }) purgeOnDelivery!: boolean;
}
