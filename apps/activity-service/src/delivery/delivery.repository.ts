import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { SqlParams } from '../common/sql-params';
import { compileFilter } from '../search/filter.sql';
import { itemSql } from '../search/search.sql';
import { DeliveryDatabase } from './delivery.database';
import { ACTIVITY_SCHEMA, EVENTS_TABLE, SEQ_PER_BATCH } from '../storage/schema';
import type {
  Cadence,
  Destination,
  DeliveryType,
  FileFormat,
  Subscription,
  SubscriptionFilter,
  SubscriptionStatus,
} from './delivery.ports';

const S = `${ACTIVITY_SCHEMA}.delivery_subscriptions`;
const D = `${ACTIVITY_SCHEMA}.deliveries`;
const A = `${ACTIVITY_SCHEMA}.delivery_attempts`;
const MAX_SEQ = '9223372036854775807';

/** A subscription row: the port's Subscription with secrets still sealed, and its progress. */
export interface SubscriptionRecord extends Omit<Subscription, 'destination'> {
  /** Without sealed parts (an SFTP password / privateKey live in destinationSealed). */
  destination: Destination;
  destinationSealed: string | null;
  secretSealed: string | null;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  pausedReason: string | null;
  failingSince: Date | null;
  cursor: FeedPosition;
  lastSequence: number;
  lastWindowEnd: Date | null;
  updatedAt: Date;
}

/** A place in the feed: after event (p, s); s null: after the whole position p. */
export interface FeedPosition {
  p: string;
  s: string | null;
}

export interface NewSubscription {
  id: string;
  institutionId: string;
  name: string;
  cadence: Cadence;
  timeZone: string;
  filter: SubscriptionFilter;
  requestedAttributes: string[] | null;
  format: FileFormat;
  destination: Destination;
  destinationSealed: string | null;
  secretSealed: string | null;
}

export interface SubscriptionChanges {
  name?: string;
  filter?: SubscriptionFilter;
  destination?: Destination;
  destinationSealed?: string | null;
  secretSealed?: string | null;
  status?: SubscriptionStatus;
}

export interface NewDelivery {
  id: string;
  type: DeliveryType;
  replay: boolean;
  count: number;
  /** Builds the body once its sequence is known. */
  payload: (sequence: number, previousSequence: number | null) => string | null;
  window?: { start: Date; end: Date };
}

export interface DeliveryRecord {
  id: string;
  subscriptionId: string;
  institutionId: string;
  sequence: number | null;
  previousSequence: number | null;
  type: DeliveryType;
  replay: boolean;
  count: number;
  payload: string | null;
  windowStart: Date | null;
  windowEnd: Date | null;
  status: 'pending' | 'delivered' | 'failed';
  attemptCount: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export interface AttemptRecord {
  at: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export interface MatchedEvents {
  items: string[];
  /** Where the next read starts (past every scanned event, matched or not). */
  next: FeedPosition;
  /** More feed is waiting beyond `next` (within the bound, if any). */
  more: boolean;
}

type Row = Record<string, unknown>;

function toSubscription(r: Row): SubscriptionRecord {
  return {
    id: r.id as string,
    institutionId: r.institution_id as string,
    name: r.name as string,
    cadence: r.cadence as Cadence,
    timeZone: r.time_zone as string,
    filter: r.filter as SubscriptionFilter,
    requestedAttributes: (r.requested_attributes as string[] | null) ?? null,
    format: r.format as FileFormat,
    destination: r.destination as Destination,
    status: r.status as SubscriptionStatus,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    destinationSealed: (r.destination_sealed as string | null) ?? null,
    secretSealed: (r.secret_sealed as string | null) ?? null,
    previousSecretSealed: (r.previous_secret_sealed as string | null) ?? null,
    previousSecretExpiresAt: (r.previous_secret_expires_at as Date | null) ?? null,
    pausedReason: (r.paused_reason as string | null) ?? null,
    failingSince: (r.failing_since as Date | null) ?? null,
    cursor: { p: r.cursor_position as string, s: (r.cursor_seq as string | null) ?? null },
    lastSequence: Number(r.last_sequence),
    lastWindowEnd: (r.last_window_end as Date | null) ?? null,
  };
}

function toDelivery(r: Row): DeliveryRecord {
  return {
    id: r.id as string,
    subscriptionId: r.subscription_id as string,
    institutionId: r.institution_id as string,
    sequence: r.sequence === null ? null : Number(r.sequence),
    previousSequence: r.previous_sequence === null ? null : Number(r.previous_sequence),
    type: r.type as DeliveryType,
    replay: r.replay as boolean,
    count: r.count as number,
    payload: (r.payload as string | null) ?? null,
    windowStart: (r.window_start as Date | null) ?? null,
    windowEnd: (r.window_end as Date | null) ?? null,
    status: r.status as DeliveryRecord['status'],
    attemptCount: r.attempt_count as number,
    nextAttemptAt: (r.next_attempt_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
  };
}

const SUB_COLUMNS = `id, institution_id, name, cadence, time_zone, filter, requested_attributes, format,
  destination, destination_sealed, secret_sealed, previous_secret_sealed, previous_secret_expires_at,
  status, paused_reason, failing_since, cursor_position::text AS cursor_position,
  cursor_seq::text AS cursor_seq, last_sequence::text AS last_sequence, last_window_end,
  created_at, updated_at`;

const deliveryColumns = (a: string) =>
  `${a}.id, ${a}.subscription_id, ${a}.institution_id, ${a}.sequence::text AS sequence,
   ${a}.previous_sequence::text AS previous_sequence, ${a}.type, ${a}.replay, ${a}.count,
   ${a}.payload, ${a}.window_start, ${a}.window_end, ${a}.status, ${a}.attempt_count,
   ${a}.next_attempt_at, ${a}.created_at`;

/** Subscriptions, their place in the feed, and the durable delivery queue. Only SQL here. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: DeliveryDatabase) {}

  // --- subscriptions -------------------------------------------------------------------------

  /** Stores a subscription; realtime ones start after the institution's latest feed position. */
  async insert(s: NewSubscription): Promise<SubscriptionRecord> {
    const rows = await this.db.query(
      `INSERT INTO ${S} (id, institution_id, name, cadence, time_zone, filter, requested_attributes,
         format, destination, destination_sealed, secret_sealed, cursor_position)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::text[], $8, $9::jsonb, $10, $11,
         (SELECT coalesce(max(position), 0) FROM ${ACTIVITY_SCHEMA}.feed_log WHERE institution_id = $2))
       RETURNING ${SUB_COLUMNS}`,
      [
        s.id,
        s.institutionId,
        s.name,
        s.cadence,
        s.timeZone,
        JSON.stringify(s.filter),
        s.requestedAttributes,
        s.format,
        JSON.stringify(s.destination),
        s.destinationSealed,
        s.secretSealed,
      ],
    );
    return toSubscription(rows[0]!);
  }

  async list(institutionId: string): Promise<SubscriptionRecord[]> {
    const rows = await this.db.query(
      `SELECT ${SUB_COLUMNS} FROM ${S} WHERE institution_id = $1 ORDER BY created_at, id LIMIT 1000`,
      [institutionId],
    );
    return rows.map(toSubscription);
  }

  /** The institution's subscription, or null (another FI's id reads as unknown). */
  async find(institutionId: string, id: string): Promise<SubscriptionRecord | null> {
    const rows = await this.db.query(
      `SELECT ${SUB_COLUMNS} FROM ${S} WHERE institution_id = $1 AND id = $2::uuid`,
      [institutionId, id],
    );
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  async findById(id: string): Promise<SubscriptionRecord | null> {
    const rows = await this.db.query(`SELECT ${SUB_COLUMNS} FROM ${S} WHERE id = $1::uuid`, [id]);
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  async update(
    institutionId: string,
    id: string,
    c: SubscriptionChanges,
  ): Promise<SubscriptionRecord | null> {
    const params = new SqlParams();
    const sets: string[] = ['updated_at = now()'];
    if (c.name !== undefined) sets.push(`name = ${params.add(c.name, 'text')}`);
    if (c.filter !== undefined)
      sets.push(`filter = ${params.add(JSON.stringify(c.filter), 'jsonb')}`);
    if (c.destination !== undefined)
      sets.push(`destination = ${params.add(JSON.stringify(c.destination), 'jsonb')}`);
    if (c.destinationSealed !== undefined)
      sets.push(`destination_sealed = ${params.add(c.destinationSealed, 'text')}`);
    if (c.secretSealed !== undefined)
      sets.push(`secret_sealed = ${params.add(c.secretSealed, 'text')}`);
    if (c.status === 'paused')
      sets.push(
        `status = 'paused', paused_reason = CASE WHEN status = 'paused' THEN paused_reason ELSE 'by request' END`,
      );
    // Resuming: the backlog (pending deliveries, the feed past the cursor) is delivered next.
    if (c.status === 'active') {
      sets.push(`status = 'active', paused_reason = NULL, failing_since = NULL`);
    }
    const rows = await this.db.query(
      `UPDATE ${S} SET ${sets.join(', ')}
        WHERE institution_id = ${params.add(institutionId, 'text')} AND id = ${params.add(id, 'uuid')}
        RETURNING ${SUB_COLUMNS}`,
      params.values,
    );
    if (rows[0] && c.status === 'active') {
      // Deliveries held back by the pause are due again at once.
      await this.db.query(
        `UPDATE ${D} SET next_attempt_at = now() WHERE subscription_id = $1::uuid AND status = 'pending'`,
        [id],
      );
    }
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  async delete(institutionId: string, id: string): Promise<boolean> {
    const rows = await this.db.query(
      `DELETE FROM ${S} WHERE institution_id = $1 AND id = $2::uuid RETURNING id`,
      [institutionId, id],
    );
    return rows.length > 0;
  }

  async rotateSecret(
    institutionId: string,
    id: string,
    secretSealed: string,
    previousSealed: string | null,
    previousExpiresAt: Date | null,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ${S} SET secret_sealed = $3, previous_secret_sealed = $4,
              previous_secret_expires_at = $5, updated_at = now()
        WHERE institution_id = $1 AND id = $2::uuid RETURNING id`,
      [institutionId, id, secretSealed, previousSealed, previousExpiresAt],
    );
    return rows.length > 0;
  }

  /** Pauses an active subscription; false when it was not active (already paused, deleted). */
  async pause(id: string, reason: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ${S} SET status = 'paused', paused_reason = $2, updated_at = now()
        WHERE id = $1::uuid AND status = 'active' RETURNING id`,
      [id, reason],
    );
    return rows.length > 0;
  }

  /** Notes that the subscription is failing (the first failure's time is kept). */
  async markFailing(id: string, at: Date): Promise<Date> {
    const rows = await this.db.query<{ failing_since: Date }>(
      `UPDATE ${S} SET failing_since = coalesce(failing_since, $2) WHERE id = $1::uuid
        RETURNING failing_since`,
      [id, at],
    );
    return rows[0]?.failing_since ?? at;
  }

  async clearFailing(id: string): Promise<void> {
    await this.db.query(
      `UPDATE ${S} SET failing_since = NULL WHERE id = $1::uuid AND failing_since IS NOT NULL`,
      [id],
    );
  }

  /** Active realtime subscriptions whose institution's feed has moved past their cursor. */
  async realtimeWithNewEvents(limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT s.id FROM ${S} s
        WHERE s.status = 'active' AND s.cadence = 'realtime'
          AND EXISTS (SELECT 1 FROM ${ACTIVITY_SCHEMA}.feed_log f
                       WHERE f.institution_id = s.institution_id
                         AND f.position >= s.cursor_position + CASE WHEN s.cursor_seq IS NULL THEN 1 ELSE 0 END)
        ORDER BY s.updated_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Active hourly and daily subscriptions (the scheduler asks each for its next window). */
  async activeFileSubscriptions(limit: number): Promise<SubscriptionRecord[]> {
    const rows = await this.db.query(
      `SELECT ${SUB_COLUMNS} FROM ${S} WHERE status = 'active' AND cadence <> 'realtime'
        ORDER BY updated_at LIMIT $1`,
      [limit],
    );
    return rows.map(toSubscription);
  }

  // --- building deliveries (one subscription at a time) --------------------------------------

  /**
   * Runs `fn` in a transaction holding the subscription's advisory lock, so one replica at a
   * time builds its next deliveries; undefined when another holds it. `fn` gets the
   * subscription as of inside the lock.
   */
  async withSubscriptionLock<T>(
    id: string,
    fn: (tx: DeliveryTx, sub: SubscriptionRecord) => Promise<T>,
  ): Promise<T | undefined> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_xact_lock(hashtext('activity:delivery:' || $1::text)) AS ok`,
        [id],
      );
      if (!rows[0]?.ok) return undefined;
      const sub = await client.query(`SELECT ${SUB_COLUMNS} FROM ${S} WHERE id = $1::uuid`, [id]);
      if (!sub.rows[0]) return undefined;
      return fn(new DeliveryTx(client), toSubscription(sub.rows[0]));
    });
  }

  // --- the queue ------------------------------------------------------------------------------

  /**
   * Claims up to `limit` due deliveries for this replica: each the oldest pending delivery of
   * an active subscription (so a subscription's deliveries go out one at a time, in sequence),
   * locked with FOR UPDATE SKIP LOCKED so replicas never claim the same one, and leased by
   * moving next_attempt_at `leaseMs` ahead (a replica that dies mid-send leaves it due again).
   */
  async claimDue(limit: number, leaseMs: number): Promise<DeliveryRecord[]> {
    const rows = await this.db.query(
      `UPDATE ${D} d SET next_attempt_at = clock_timestamp() + $2 * interval '1 millisecond',
              attempt_count = d.attempt_count + 1
        WHERE d.id IN (
          SELECT c.id FROM ${D} c JOIN ${S} s ON s.id = c.subscription_id
           WHERE c.status = 'pending' AND c.next_attempt_at <= clock_timestamp()
             AND c.type <> 'test' AND s.status = 'active'
             AND NOT EXISTS (SELECT 1 FROM ${D} p
                              WHERE p.subscription_id = c.subscription_id AND p.status = 'pending'
                                AND p.sequence < c.sequence)
           ORDER BY c.next_attempt_at LIMIT $1
           FOR UPDATE OF c SKIP LOCKED)
        RETURNING ${deliveryColumns('d')}`,
      [limit, leaseMs],
    );
    return rows.map(toDelivery);
  }

  async recordAttempt(deliveryId: string, attempt: AttemptRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO ${A} (delivery_id, at, status_code, duration_ms, error) VALUES ($1::uuid, $2, $3, $4, $5)`,
      [deliveryId, attempt.at, attempt.statusCode, attempt.durationMs, attempt.error],
    );
  }

  async markDelivered(deliveryId: string): Promise<void> {
    // The body is not kept once delivered: the log needs none, and a replay rebuilds it.
    await this.db.query(
      `UPDATE ${D} SET status = 'delivered', delivered_at = clock_timestamp(), next_attempt_at = NULL,
              payload = NULL WHERE id = $1::uuid`,
      [deliveryId],
    );
  }

  async scheduleRetry(deliveryId: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE ${D} SET next_attempt_at = $2 WHERE id = $1::uuid`, [
      deliveryId,
      at,
    ]);
  }

  /**
   * Deletes finished deliveries (delivered or failed, never pending) that ended before
   * `cutoff`, their attempts with them (ON DELETE CASCADE), `batch` at a time so that no
   * statement holds many row locks or much WAL at once; returns how many.
   */
  async purgeFinishedBefore(
    cutoff: Date,
    stopping: () => boolean = () => false,
    batch = 1000,
  ): Promise<number> {
    let purged = 0;
    for (;;) {
      const rows = await this.db.query(
        `DELETE FROM ${D} WHERE id IN (
           SELECT id FROM ${D}
            WHERE status <> 'pending' AND coalesce(delivered_at, created_at) < $1::timestamptz
            LIMIT $2::integer
         ) RETURNING id`,
        [cutoff.toISOString(), batch],
      );
      purged += rows.length;
      if (rows.length < batch || stopping()) return purged;
    }
  }

  async markFailed(deliveryId: string): Promise<void> {
    await this.db.query(
      `UPDATE ${D} SET status = 'failed', next_attempt_at = NULL WHERE id = $1::uuid`,
      [deliveryId],
    );
  }

  /** Stores a file delivery's body once its file is built (retries then resend it as is). */
  async setPayload(deliveryId: string, payload: string, count: number): Promise<void> {
    await this.db.query(`UPDATE ${D} SET payload = $2, count = $3 WHERE id = $1::uuid`, [
      deliveryId,
      payload,
      count,
    ]);
  }

  /** A test delivery: no sequence, sent at once by the request, never retried. */
  async insertTest(sub: SubscriptionRecord, id: string, payload: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${D} (id, subscription_id, institution_id, type, payload, attempt_count, next_attempt_at)
       VALUES ($1::uuid, $2::uuid, $3, 'test', $4, 1, NULL)`,
      [id, sub.id, sub.institutionId, payload],
    );
  }

  /** The delivery log, newest first, keyset (created_at, id), each with its attempts. */
  async log(
    subscriptionId: string,
    before: { createdAt: string; id: string } | null,
    limit: number,
  ): Promise<(DeliveryRecord & { createdKey: string; attempts: AttemptRecord[] })[]> {
    const params = new SqlParams();
    const where = [`d.subscription_id = ${params.add(subscriptionId, 'uuid')}`];
    if (before)
      where.push(
        `(d.created_at, d.id) < (${params.add(before.createdAt, 'timestamptz')}, ${params.add(before.id, 'uuid')})`,
      );
    const rows = await this.db.query(
      `SELECT ${deliveryColumns('d')},
              to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
              coalesce((SELECT json_agg(json_build_object('at', a.at, 'statusCode', a.status_code,
                         'durationMs', a.duration_ms, 'error', a.error) ORDER BY a.id)
                          FROM ${A} a WHERE a.delivery_id = d.id), '[]'::json) AS attempts
         FROM ${D} d WHERE ${where.join(' AND ')}
        ORDER BY d.created_at DESC, d.id DESC LIMIT ${params.add(limit, 'integer')}`,
      params.values,
    );
    return rows.map((r) => ({
      ...toDelivery(r),
      createdKey: r.created_key as string,
      attempts: (
        r.attempts as {
          at: string;
          statusCode: number | null;
          durationMs: number;
          error: string | null;
        }[]
      ).map((a) => ({ ...a, at: new Date(a.at) })),
    }));
  }

  /** Backlog figures for /metrics: pending deliveries and the oldest one's age. */
  async backlog(): Promise<{ pending: number; oldestSeconds: number }> {
    const rows = await this.db.query<{ pending: number; oldest: number | null }>(
      `SELECT count(*)::integer AS pending,
              extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
         FROM ${D} WHERE status = 'pending'`,
    );
    return { pending: rows[0]?.pending ?? 0, oldestSeconds: rows[0]?.oldest ?? 0 };
  }
}

/** What a delivery builder may do while it holds a subscription's lock. */
export class DeliveryTx {
  constructor(private readonly client: PoolClient) {}

  /**
   * Matching events of the subscription's filter after `after`, in feed (commit) order: at most
   * `limit`, scanning at most `maxBatches` feed batches, and no batch beyond `until` (a replay's
   * last position). `next` passes every scanned event, matched or not.
   */
  async matching(
    sub: SubscriptionRecord,
    after: FeedPosition,
    limit: number,
    maxBatches: number,
    until: string | null = null,
  ): Promise<MatchedEvents> {
    const batches = await this.client.query<{ position: string }>(
      `SELECT position::text AS position FROM ${ACTIVITY_SCHEMA}.feed_log
        WHERE institution_id = $1 AND position ${after.s === null ? '>' : '>='} $2::bigint
          ${until === null ? '' : 'AND position <= $4::bigint'}
        ORDER BY feed_log.position LIMIT $3::integer`,
      until === null
        ? [sub.institutionId, after.p, maxBatches]
        : [sub.institutionId, after.p, maxBatches, until],
    );
    if (batches.rows.length === 0) return { items: [], next: after, more: false };
    const last = batches.rows[batches.rows.length - 1]!.position;
    const params = new SqlParams();
    const fi = params.add(sub.institutionId, 'text');
    const where = [`e.institution_id = ${fi}`];
    const f = sub.filter;
    const list = (column: string, values: string[]) =>
      `e.${column} = ANY(${params.add(values, 'text[]')})`;
    if (f.eventIds.length) where.push(list('event_id', f.eventIds));
    if (f.userIds.length)
      where.push(list(f.userIdType === 'customerId' ? 'customer_id' : 'login_id', f.userIds));
    if (f.companyIds.length) where.push(list('company_id', f.companyIds));
    if (f.userType) where.push(`e.user_type = ${params.add(f.userType, 'text')}`);
    if (f.additionalFilters) where.push(compileFilter(f.additionalFilters, params));
    const item = itemSql(sub.requestedAttributes, params);
    // `ORDER BY e.seq LIMIT b.event_count` (never cuts: the batch holds that many of the FI's
    // events) steers the planner to each batch's seq range, as in files.sql.ts's compileRange;
    // without it, batches spanning a long time range walked the primary key over that range.
    const text = `
      SELECT b.position::text AS position, e.seq::text AS seq, ${item} AS item
        FROM ${ACTIVITY_SCHEMA}.feed_log b
        CROSS JOIN LATERAL (
          SELECT * FROM ${EVENTS_TABLE} e
           WHERE e.seq >= b.batch_id * ${SEQ_PER_BATCH} AND e.seq < (b.batch_id + 1) * ${SEQ_PER_BATCH}
             AND e.occurred_at >= b.min_at AND e.occurred_at <= b.max_at
             AND ${where.join(' AND ')}
           ORDER BY e.seq LIMIT b.event_count
        ) e
       WHERE b.institution_id = ${fi}
         AND b.position >= ${params.add(after.p, 'bigint')} AND b.position <= ${params.add(last, 'bigint')}
         AND (b.position, e.seq) > (${params.add(after.p, 'bigint')}, ${params.add(after.s ?? MAX_SEQ, 'bigint')})
       ORDER BY b.position, e.seq
       LIMIT ${params.add(limit, 'integer')}`;
    const { rows } = await this.client.query<{ position: string; seq: string; item: string }>(
      text,
      params.values,
    );
    if (rows.length === limit) {
      const end = rows[rows.length - 1]!;
      return { items: rows.map((r) => r.item), next: { p: end.position, s: end.seq }, more: true };
    }
    return {
      items: rows.map((r) => r.item),
      next: { p: last, s: null },
      more: batches.rows.length === maxBatches,
    };
  }

  /** The feed positions committed in [start, end) (a replay's range), or null if none. */
  async positionsBetween(
    institutionId: string,
    start: Date,
    end: Date,
  ): Promise<{ first: string; last: string } | null> {
    const { rows } = await this.client.query<{ first: string | null; last: string | null }>(
      `SELECT min(position)::text AS first, max(position)::text AS last
         FROM ${ACTIVITY_SCHEMA}.feed_log
        WHERE institution_id = $1 AND sequenced_at >= $2 AND sequenced_at < $3`,
      [institutionId, start, end],
    );
    const r = rows[0];
    return r?.first && r.last ? { first: r.first, last: r.last } : null;
  }

  /** Queues a delivery with the subscription's next sequence; returns that sequence. */
  async enqueue(sub: SubscriptionRecord, d: NewDelivery): Promise<number> {
    const { rows } = await this.client.query<{ seq: string }>(
      `UPDATE ${S} SET last_sequence = last_sequence + 1 WHERE id = $1::uuid
        RETURNING last_sequence::text AS seq`,
      [sub.id],
    );
    const sequence = Number(rows[0]!.seq);
    const previous = sequence > 1 ? sequence - 1 : null;
    await this.client.query(
      `INSERT INTO ${D} (id, subscription_id, institution_id, sequence, previous_sequence, type,
         replay, count, payload, window_start, window_end, next_attempt_at)
       VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, clock_timestamp())`,
      [
        d.id,
        sub.id,
        sub.institutionId,
        sequence,
        previous,
        d.type,
        d.replay,
        d.count,
        d.payload(sequence, previous),
        d.window?.start ?? null,
        d.window?.end ?? null,
      ],
    );
    return sequence;
  }

  async moveCursor(id: string, to: FeedPosition): Promise<void> {
    await this.client.query(
      `UPDATE ${S} SET cursor_position = $2::bigint, cursor_seq = $3::bigint WHERE id = $1::uuid`,
      [id, to.p, to.s],
    );
  }

  async setLastWindowEnd(id: string, end: Date): Promise<void> {
    await this.client.query(`UPDATE ${S} SET last_window_end = $2 WHERE id = $1::uuid`, [id, end]);
  }
}
