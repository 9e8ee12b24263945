import { Injectable } from '@nestjs/common';
import { UnitOfWork, type GatedStatement, type SqlStatement } from '../persistence/unit-of-work';
import type { ActivityEvent } from './activity-event';
import { OutboxEventEntity } from './outbox-event.entity';

export interface DueEvent {
  id: string;
  payload: ActivityEvent;
}

/** The `outbox_events` table: events written with their change, claimed for delivery. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async append(events: ActivityEvent[], at: Date): Promise<void> {
    if (events.length === 0) return;
    await this.uow.manager.insert(
      OutboxEventEntity,
      events.map((event) => ({
        id: event.guid,
        institutionId: event.institutionId,
        eventId: event.eventId,
        payload: event,
        createdAt: at,
        attempts: 0,
        nextAttemptAt: at,
        lastError: null,
        dispatchedAt: null,
        deadAt: null,
      })),
    );
  }

  /** `append` as a part of one statement (UnitOfWork.together), applied when `gate` holds. */
  appendStatement(events: ActivityEvent[], at: Date): GatedStatement {
    return (gate) => ({
      sql: `INSERT INTO outbox_events
              (id, institution_id, event_id, payload, created_at, attempts, next_attempt_at,
               last_error, dispatched_at, dead_at)
            SELECT e.id, e.institution_id, e.event_id, e.payload, $5::timestamptz, 0,
                   $5::timestamptz, NULL, NULL, NULL
              FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])
                   AS e(id, institution_id, event_id, payload)
             WHERE ${gate}`,
      params: [
        events.map((e) => e.guid),
        events.map((e) => e.institutionId),
        events.map((e) => e.eventId),
        events.map((e) => JSON.stringify(e)),
        at,
      ],
    });
  }

  /**
   * Runs `change` (a data-modifying statement that returns rows when it applies) and, in the
   * same statement, appends `events` (and applies `also`) only if it did: one round trip and
   * one commit, and the events exist exactly when the change does. Returns whether it applied.
   */
  async appendIf(
    change: SqlStatement,
    events: ActivityEvent[],
    at: Date,
    also: GatedStatement[] = [],
  ): Promise<boolean> {
    const applied = 'EXISTS (SELECT 1 FROM change)';
    const [row] = await this.uow.together<{ applied: boolean }>(
      [
        { name: 'change', statement: change },
        ...also.map((part, i) => ({ name: `also_${i}`, statement: part(applied) })),
        { name: 'events', statement: this.appendStatement(events, at)(applied) },
      ],
      `SELECT ${applied} AS applied`,
    );
    return row!.applied;
  }

  /** Backlog figures for /metrics: events not yet delivered (nor dead) and the oldest one's age. */
  async backlog(): Promise<{ pending: number; oldestSeconds: number }> {
    const rows = (await this.uow.manager.query(
      `SELECT count(*)::integer AS pending,
              extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
         FROM outbox_events WHERE dispatched_at IS NULL AND dead_at IS NULL`,
    )) as { pending: number; oldest: number | null }[];
    return { pending: rows[0]?.pending ?? 0, oldestSeconds: rows[0]?.oldest ?? 0 };
  }

  /**
   * Due events, row-locked until the unit of work ends; rows another instance holds are
   * skipped, so two instances never post the same event at once.
   */
  claimDue(limit: number): Promise<DueEvent[]> {
    return this.uow.manager.query(
      `SELECT id, payload FROM outbox_events
        WHERE dispatched_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()
        -- The partial index's order: a new event is due when it is created, so this is
        -- creation order, and a long backlog is read by index rather than sorted.
        ORDER BY next_attempt_at, id
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [limit],
    ) as Promise<DueEvent[]>;
  }

  async markDelivered(ids: string[]): Promise<void> {
    await this.uow.manager.query(
      `UPDATE outbox_events SET dispatched_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Refused by the activity-service as invalid: kept, never retried. */
  async markDead(ids: string[], error: string): Promise<void> {
    await this.uow.manager.query(
      `UPDATE outbox_events SET dead_at = now(), attempts = attempts + 1, last_error = $2
        WHERE id = ANY($1::uuid[])`,
      [ids, error],
    );
  }

  /** Exponential backoff with jitter, capped: base * 2^attempts, between half and all of it. */
  async scheduleRetry(
    ids: string[],
    error: string,
    backoff: { baseMs: number; maxMs: number },
  ): Promise<void> {
    await this.uow.manager.query(
      `UPDATE outbox_events
          SET attempts = attempts + 1,
              last_error = $2,
              next_attempt_at = now() + make_interval(
                secs => LEAST($4::float8, $3::float8 * power(2, LEAST(attempts, 30)))
                        * (0.5 + random() * 0.5) / 1000.0)
        WHERE id = ANY($1::uuid[])`,
      [ids, error, backoff.baseMs, backoff.maxMs],
    );
  }
}
