import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The feed: one row per ingested batch and institution, numbered by `position` in the order
 * the institution's batches committed (activity.append_to_feed, see ingest/event.repository.ts).
 * Positions are per institution (each has its own head row in activity.feed_heads), so the key
 * is (institution_id, position).
 */
@Entity({ name: 'feed_log' })
export class FeedLogEntity {
  @PrimaryColumn({ name: 'institution_id', type: 'text', primaryKeyConstraintName: 'PK_feed_log' })
  institutionId!: string;

  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_feed_log' })
  position!: string;

  @Column({ name: 'batch_id', type: 'bigint' })
  batchId!: string;

  @Column({ name: 'min_at', type: 'timestamptz' })
  minAt!: Date;

  @Column({ name: 'max_at', type: 'timestamptz' })
  maxAt!: Date;

  @Column({ name: 'event_count', type: 'integer' })
  eventCount!: number;

  @CreateDateColumn({ name: 'sequenced_at', type: 'timestamptz' })
  sequencedAt!: Date;
}
