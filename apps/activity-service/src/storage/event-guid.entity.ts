import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Idempotency keys of stored events, per institution. A unique index on the partitioned events
 * table would have to include the partition key (the event time), so a replay of a guid with
 * another timeStamp would slip through; this table keeps (institution, guid) unique across all
 * partitions. Keyed by institution first (migration InstitutionKeys): a guid another FI used is
 * not a duplicate, and the table can be distributed by institution_id (docs/SCALE-OUT.md).
 * Written and pruned with raw SQL (ingest/event.repository.ts, storage/partition.repository.ts).
 */
@Entity({ name: 'event_guids' })
export class EventGuidEntity {
  @PrimaryColumn({
    name: 'institution_id',
    type: 'text',
    primaryKeyConstraintName: 'PK_event_guids',
  })
  institutionId!: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_event_guids' })
  guid!: string;

  /** The event's time, so keys are dropped together with the partition that held the event. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
