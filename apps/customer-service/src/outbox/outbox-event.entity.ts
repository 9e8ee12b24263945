import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ActivityEvent } from './activity-event';

/**
 * A banking-activity event waiting for (or done with) delivery to the activity-service,
 * written in the transaction of the change it describes. The row id is the event's `guid`,
 * so a redelivery after a crash is recognised as a duplicate by the activity-service.
 */
@Entity({ name: 'outbox_events' })
@Index('IDX_outbox_events_due', ['nextAttemptAt'], {
  where: '"dispatched_at" IS NULL AND "dead_at" IS NULL',
})
@Index('IDX_outbox_events_dispatched', ['dispatchedAt'], { where: '"dispatched_at" IS NOT NULL' })
export class OutboxEventEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  /** The event exactly as it is posted (docs/internal-apis.md). */
  @Column({ type: 'jsonb' })
  payload!: ActivityEvent;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt!: Date | null;

  /** Set when the activity-service refused the event itself (4xx): kept, never retried. */
  @Column({ name: 'dead_at', type: 'timestamptz', nullable: true })
  deadAt!: Date | null;
}
