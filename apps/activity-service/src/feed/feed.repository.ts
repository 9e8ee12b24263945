import { Injectable } from '@nestjs/common';
import { SqlParams } from '../common/sql-params';
import { itemSql } from '../search/search.sql';
import { ActivityDatabase } from '../storage/activity-database';
import { ACTIVITY_SCHEMA, EVENTS_TABLE, SEQ_PER_BATCH } from '../storage/schema';

/** A batch of the feed (a row of feed_log). */
export interface FeedBatch {
  position: string;
  batchId: string;
  minAt: Date;
  maxAt: Date;
}

/** An event of the feed: its batch's position, its seq and its JSON text. */
export interface FeedRow {
  position: string;
  seq: string;
  item: string;
}

const MAX_SEQ = '9223372036854775807';

/** The feed's reads: feed_log, and the events of its batches. */
@Injectable()
export class FeedRepository {
  constructor(private readonly db: ActivityDatabase) {}

  /** The institution's last feed position ('0' when it has none). */
  async latestPosition(institutionId: string): Promise<string> {
    const rows = await this.db.query<{ p: string }>(
      `SELECT coalesce(max(position), 0)::text AS p FROM ${ACTIVITY_SCHEMA}.feed_log WHERE institution_id = $1`,
      [institutionId],
    );
    return rows[0]!.p;
  }

  /**
   * How far the feed's realtime readers trail it, in seconds: for each active realtime delivery
   * subscription, the age of the first feed batch of its institution after its cursor (the
   * cursor moves past every batch read, matched or not; a cursor inside a batch, cursor_seq set,
   * has that batch still to finish); the largest, 0 when every one is at its FI's head. Ages
   * count from the batch's ingest transaction's start (feed_log.sequenced_at). Hourly and daily
   * subscriptions read the feed by windows and trail it by design: not counted.
   */
  async readerLagSeconds(): Promise<number> {
    const rows = await this.db.query<{ lag: number }>(
      `SELECT coalesce(max(extract(epoch FROM clock_timestamp() - f.sequenced_at)), 0)::float8 AS lag
         FROM ${ACTIVITY_SCHEMA}.delivery_subscriptions s
         CROSS JOIN LATERAL (
           SELECT l.sequenced_at FROM ${ACTIVITY_SCHEMA}.feed_log l
            WHERE l.institution_id = s.institution_id
              AND l.position >= s.cursor_position + CASE WHEN s.cursor_seq IS NULL THEN 1 ELSE 0 END
            ORDER BY l.position LIMIT 1
         ) f
        WHERE s.status = 'active' AND s.cadence = 'realtime'`,
    );
    return Math.max(0, rows[0]!.lag);
  }

  /** Up to `max` batches from position `from` (inclusive or not), in feed order. */
  async batches(
    institutionId: string,
    from: string,
    inclusive: boolean,
    max: number,
  ): Promise<FeedBatch[]> {
    const rows = await this.db.query<{
      position: string;
      batch_id: string;
      min_at: Date;
      max_at: Date;
    }>(
      `SELECT position::text AS position, batch_id::text AS batch_id, min_at, max_at
         FROM ${ACTIVITY_SCHEMA}.feed_log
        WHERE institution_id = $1 AND position ${inclusive ? '>=' : '>'} $2::bigint
        ORDER BY feed_log.position LIMIT $3::integer`,
      [institutionId, from, max],
    );
    return rows.map((r) => ({
      position: r.position,
      batchId: r.batch_id,
      minAt: r.min_at,
      maxAt: r.max_at,
    }));
  }

  /**
   * Up to `limit` events of `batches` after (position, seq) `after` (seq null: none of that
   * position), in feed order, only of `eventIds` when given.
   */
  async events(
    institutionId: string,
    batches: FeedBatch[],
    after: { p: string; s: string | null },
    limit: number,
    eventIds: string[],
  ): Promise<FeedRow[]> {
    const params = new SqlParams();
    const fi = params.add(institutionId, 'text');
    const positions = params.add(
      batches.map((b) => b.position),
      'bigint[]',
    );
    const ids = params.add(
      batches.map((b) => b.batchId),
      'bigint[]',
    );
    const mins = params.add(
      batches.map((b) => b.minAt.toISOString()),
      'timestamptz[]',
    );
    const maxs = params.add(
      batches.map((b) => b.maxAt.toISOString()),
      'timestamptz[]',
    );
    const types = eventIds.length ? ` AND e.event_id = ANY(${params.add(eventIds, 'text[]')})` : '';
    const from = `(b.position, e.seq) > (${params.add(after.p, 'bigint')}, ${params.add(after.s ?? MAX_SEQ, 'bigint')})`;
    const item = itemSql(null, params);
    // Per batch: its seq range on IDX_events_seq, in the partitions its time range covers.
    const text = `
      SELECT b.position::text AS position, e.seq::text AS seq, ${item} AS item
        FROM unnest(${positions}, ${ids}, ${mins}, ${maxs}) AS b(position, batch_id, min_at, max_at)
        CROSS JOIN LATERAL (
          SELECT * FROM ${EVENTS_TABLE} e
           WHERE e.institution_id = ${fi}
             AND e.seq >= b.batch_id * ${SEQ_PER_BATCH} AND e.seq < (b.batch_id + 1) * ${SEQ_PER_BATCH}
             AND e.occurred_at >= b.min_at AND e.occurred_at <= b.max_at${types}
        ) e
       WHERE ${from}
       ORDER BY b.position, e.seq
       LIMIT ${params.add(limit, 'integer')}`;
    return this.db.query<FeedRow & Record<string, unknown>>(text, params.values);
  }
}
