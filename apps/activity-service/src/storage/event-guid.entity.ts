import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Idempotency keys of stored events. A unique index on the partitioned events table would have
 * to include the partition key (the event time), so a replay of a guid with another timeStamp
 * would slip through; this table keeps guid unique across all partitions. Written and pruned
 * with raw SQL (ingest/event.repository.ts, storage/partition.repository.ts).
 */
@Entity({ name: 'event_guids' })
export class EventGuidEntity {
  @PrimaryColumn({ type: 'uuid' })
  guid!: string;

  /** The event's time, so keys are dropped together with the partition that held the event. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
