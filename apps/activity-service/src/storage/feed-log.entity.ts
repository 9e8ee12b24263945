import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The feed: one row per ingested batch and institution, numbered by `position` in the order
 * the batches committed (activity.append_to_feed, see ingest/event.repository.ts).
 */
@Entity({ name: 'feed_log' })
@Index('IDX_feed_log_institution_position', ['institutionId', 'position'])
export class FeedLogEntity {
  @PrimaryColumn({ type: 'bigint' })
  position!: string;

  @Column({ name: 'batch_id', type: 'bigint' })
  batchId!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  @Column({ name: 'min_at', type: 'timestamptz' })
  minAt!: Date;

  @Column({ name: 'max_at', type: 'timestamptz' })
  maxAt!: Date;

  @Column({ name: 'event_count', type: 'integer' })
  eventCount!: number;

  @CreateDateColumn({ name: 'sequenced_at', type: 'timestamptz' })
  sequencedAt!: Date;
}
