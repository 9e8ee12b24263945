import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { ActivityDatabase } from '../storage/activity-database';
import { ensurePartitions } from '../storage/partition.repository';
import { FEED_CHANNEL } from '../feed/feed.notifier';
import { ACTIVITY_SCHEMA, EVENTS_TABLE, SEQ_PER_BATCH } from '../storage/schema';

/** An event ready to store: validated, normalised. */
export interface StoredEvent {
  guid: string;
  eventId: string;
  /** When it happened: epoch milliseconds (the precision stored). */
  occurredAt: number;
  institutionId: string;
  userType: string | null;
  loginId: string;
  customerId: string | null;
  institutionCustomerId: string | null;
  accountType: string | null;
  channel: string | null;
  ipAddress: string | null;
  attributes: Record<string, unknown>;
}

export interface WriteResult {
  accepted: number;
  duplicates: number;
  /** Institutions that got new events (the feed wakes their consumers). */
  institutions: string[];
}

/*
 * One statement stores a whole batch: the rows travel as one array per column (no per-row
 * round trips, and cheaper for PostgreSQL to read than one JSON document), each event's key
 * is inserted into event_guids (keyed (institution_id, guid): idempotency is per FI; in key
 * order so two overlapping batches cannot deadlock), and the batch is appended to the feed, one
 * row per institution, by activity.append_to_feed.
 *
 * Guids the institution already sent: the first attempt is a plain INSERT, which fails as a
 * whole (unique violation on PK_event_guids, nothing stored) when one of them is there; the
 * batch is then stored again with ON CONFLICT DO NOTHING, which skips them. ON CONFLICT costs
 * a speculative insertion per row (a second index search and WAL record), about 7 % of
 * PostgreSQL's time per batch, and batches with duplicates are the exception (a producer's
 * retry), so only those pay twice.
 *
 * Why an institution's feed is in commit order and never skips a late commit: append_to_feed
 * takes the institution's next position by updating its row of activity.feed_heads, after every
 * event is inserted, and that row stays locked until the transaction has committed and become
 * visible; the next ingest of the same FI waits for it and then reads the committed position.
 * So an FI's positions are handed out in commit order, and a reader that sees position p of an
 * FI already sees every smaller one: a consumer resuming "after p" can miss nothing. (Following
 * the events' own seq instead would skip a batch that started first but committed last.)
 * Ingests of different FIs lock different rows and commit in parallel; a batch of several FIs
 * (the platform's token) locks their rows in institution order, so two such batches cannot
 * deadlock. The statement runs in autocommit, so a head row is locked only for the commit
 * itself; it must never run inside a longer transaction, which would hold up that FI's ingest.
 *
 * The feed's NOTIFY is sent after the commit, in its own statement (NOTIFY_FEED): a NOTIFY in
 * the ingest's transaction would take PostgreSQL's one database-wide notify lock until the end
 * of the commit, serializing every ingest again. Without a WAL flush wait (nothing to make
 * durable) it holds that lock only for an instant. A NOTIFY lost (the process dies in between)
 * only delays streams until their next poll (feed.notifier.ts).
 */
const NEXT_BATCH = `SELECT nextval('${ACTIVITY_SCHEMA}.event_batch_seq')::text AS id`;

/*
 * How the rows travel (each choice measured, docs/BENCHMARKS.md): times as epoch milliseconds
 * (bigint), not ISO text, whose timestamptz parsing cost five times as much; the attributes as
 * one JSON array, parsed once and split by jsonb_array_elements, not a jsonb[] literal, whose
 * per-element jsonb parsing was the largest single cost of reading the batch (~9 µs an event).
 * ROWS FROM zips the arrays and the JSON array's elements by position; WITH ORDINALITY numbers
 * the rows (from 1) for their seq.
 */
const INPUT = `
input AS MATERIALIZED (
  SELECT r.i - 1 AS i, r.guid, r.event_id, timestamptz 'epoch' + r.at_ms * interval '1 millisecond' AS occurred_at,
    r.institution_id, r.user_type, r.login_id, r.customer_id, r.company_id, r.account_type,
    r.channel, r.ip_address, r.attributes
  FROM ROWS FROM (unnest($1::uuid[]), unnest($2::text[]), unnest($3::bigint[]),
    unnest($4::text[]), unnest($5::text[]), unnest($6::text[]), unnest($7::text[]),
    unnest($8::text[]), unnest($9::text[]), unnest($10::text[]), unnest($11::text[]),
    jsonb_array_elements($12::jsonb)) WITH ORDINALITY
  AS r(guid, event_id, at_ms, institution_id, user_type, login_id, customer_id,
    company_id, account_type, channel, ip_address, attributes, i)
)`;

const INSERT_EVENTS = `INSERT INTO ${EVENTS_TABLE} (seq, guid, institution_id, event_id, occurred_at,
    user_type, login_id, customer_id, company_id, account_type, channel, ip_address, attributes)
  SELECT $13::bigint * ${SEQ_PER_BATCH} + n.i, n.guid, n.institution_id, n.event_id,
    n.occurred_at, n.user_type, n.login_id, n.customer_id, n.company_id, n.account_type,
    n.channel, n.ip_address, n.attributes`;

const APPEND_TO_FEED = `
summary AS (
  SELECT institution_id, min(occurred_at) AS min_at, max(occurred_at) AS max_at,
         count(*)::integer AS event_count
  FROM stored GROUP BY institution_id
)
SELECT institution_id, event_count,
       ${ACTIVITY_SCHEMA}.append_to_feed($13::bigint, institution_id, min_at, max_at, event_count)::text AS position
FROM summary
ORDER BY institution_id`;

/**
 * The batch when none of its guids is stored yet; fails with 23505 on PK_event_guids if one is.
 * Every row is then new, so the events come straight from the input; the keys are inserted
 * first (the scalar subquery is an InitPlan, run once before the first event row).
 */
export const INSERT_BATCH_SQL = `
WITH ${INPUT},
keys AS (
  INSERT INTO ${ACTIVITY_SCHEMA}.event_guids (institution_id, guid, occurred_at)
  SELECT institution_id, guid, occurred_at FROM input ORDER BY institution_id, guid
  RETURNING 1
),
stored AS (
  ${INSERT_EVENTS}
  FROM input n WHERE (SELECT count(*) FROM keys) > 0
  RETURNING institution_id, occurred_at
),
${APPEND_TO_FEED}`;

/** The batch, skipping the guids already stored: only the keys inserted bring their event. */
export const INSERT_BATCH_SKIPPING_STORED_SQL = `
WITH ${INPUT},
fresh AS (
  INSERT INTO ${ACTIVITY_SCHEMA}.event_guids (institution_id, guid, occurred_at)
  SELECT institution_id, guid, occurred_at FROM input ORDER BY institution_id, guid
  ON CONFLICT (institution_id, guid) DO NOTHING
  RETURNING institution_id, guid
),
stored AS (
  ${INSERT_EVENTS}
  FROM input n JOIN fresh f ON f.institution_id = n.institution_id AND f.guid = n.guid
  RETURNING institution_id, occurred_at
),
${APPEND_TO_FEED}`;
const GUID_KEY = 'PK_event_guids';

/** After the commit: wakes the FIs' streams on every replica (see above). */
const NOTIFY_FEED = `
SELECT set_config('synchronous_commit', 'off', true), pg_notify('${FEED_CHANNEL}', fi)
  FROM unnest($1::text[]) AS fi`;

/** PostgreSQL's answer when no partition accepts a row; see ensurePartitions. */
const NO_PARTITION = /no partition of relation/i;
const RETRYABLE = new Set(['40P01', '40001']);

/** Where ingest stores its batches. */
@Injectable()
export class EventRepository {
  constructor(private readonly db: ActivityDatabase) {}

  /** Stores a validated batch (see writeEvents). */
  writeBatch(events: StoredEvent[]): Promise<WriteResult> {
    return writeEvents(this.db.pool, events);
  }
}

/**
 * Stores a batch atomically and idempotently (a guid the event's institution sent before counts
 * as a duplicate, also within the batch); the seed script calls it directly. Given a pool, a partition missing for an old event is created and the
 * batch retried; given a client, errors go to the caller (except the duplicate-guid retry, see
 * above). Either way the insert must run in autocommit (see above).
 */
export async function writeEvents(
  db: Pool | PoolClient,
  events: StoredEvent[],
): Promise<WriteResult> {
  const batch = batchColumns(events);
  if (batch.count === 0) return { accepted: 0, duplicates: events.length, institutions: [] };
  const { columns, min, max } = batch;

  let skipStored = false;
  for (let attempt = 0; ;) {
    try {
      // The batch id is taken first, so an event's seq says when its batch started.
      const batchId = (await db.query<{ id: string }>(NEXT_BATCH)).rows[0]!.id;
      const result = await db.query<{ institution_id: string; event_count: number }>(
        skipStored ? INSERT_BATCH_SKIPPING_STORED_SQL : INSERT_BATCH_SQL,
        [...columns, batchId],
      );
      const accepted = result.rows.reduce((sum, r) => sum + r.event_count, 0);
      const institutions = result.rows.map((r) => r.institution_id);
      if (institutions.length) {
        // Stored either way: a failed NOTIFY only leaves the streams to their next poll.
        await db.query(NOTIFY_FEED, [institutions]).catch(() => undefined);
      }
      return { accepted, duplicates: events.length - accepted, institutions };
    } catch (err) {
      const { code, message, constraint } = err as {
        code?: string;
        message?: string;
        constraint?: string;
      };
      // A guid already stored (see above): the statement failed as a whole, in autocommit.
      if (code === '23505' && constraint === GUID_KEY && !skipStored) {
        skipStored = true;
        continue;
      }
      if (attempt++ >= 2 || !isPool(db)) throw err;
      if (code === '23514' && NO_PARTITION.test(message ?? '')) {
        await ensurePartitions(db, new Date(min), new Date(max + 1));
      } else if (!code || !RETRYABLE.has(code)) {
        throw err;
      }
    }
  }
}

const isPool = (db: Pool | PoolClient): db is Pool => 'totalCount' in db;

export interface BatchColumns {
  /**
   * The 12 columns of INSERT_BATCH_SQL: 11 PostgreSQL array literals (times as epoch
   * milliseconds) and the attributes as one JSON array.
   */
  columns: string[];
  /** Distinct (institution, guid) pairs, i.e. rows. */
  count: number;
  /** The earliest and latest event time (epoch ms), for a missing partition. */
  min: number;
  max: number;
}

/**
 * The batch as one array literal per column, first occurrence of each (institution, guid) only.
 * Built here rather than by node-postgres, which quotes and escapes every element of every
 * array; the validated columns (UUIDs, catalogue ids, enums) need no quotes, and the others
 * (free text, or from a token) are quoted only when they must be. A batch is mostly one FI's
 * (one token's), so its guids are kept in a set per FI and its element made once per run of it.
 */
export function batchColumns(events: StoredEvent[]): BatchColumns {
  const seenByFi = new Map<string, Set<string>>();
  const columns: (string | number)[][] = Array.from({ length: 12 }, () => []);
  const [guids, types, times, fis, userTypes, logins, customers, companies] = columns;
  const [accounts, channels, ips, attributes] = columns.slice(8);
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let fi: string | undefined;
  let fiElement = '';
  let seen = new Set<string>();
  for (const e of events) {
    if (e.institutionId !== fi) {
      fi = e.institutionId;
      fiElement = arrayElement(fi);
      let fiSeen = seenByFi.get(fi);
      if (!fiSeen) seenByFi.set(fi, (fiSeen = new Set()));
      seen = fiSeen;
    }
    // Idempotency is per institution, as event_guids' key.
    const guid = e.guid.toLowerCase();
    if (seen.has(guid)) continue;
    seen.add(guid);
    count++;
    const t = e.occurredAt;
    if (t < min) min = t;
    if (t > max) max = t;
    guids!.push(guid);
    types!.push(e.eventId);
    times!.push(t);
    fis!.push(fiElement);
    userTypes!.push(e.userType ?? 'NULL');
    logins!.push(arrayElement(e.loginId));
    customers!.push(arrayElement(e.customerId));
    companies!.push(arrayElement(e.institutionCustomerId));
    accounts!.push(arrayElement(e.accountType));
    channels!.push(e.channel ?? 'NULL');
    ips!.push(arrayElement(e.ipAddress));
    attributes!.push(JSON.stringify(e.attributes));
  }
  return {
    columns: [...columns.slice(0, 11).map((c) => `{${c.join(',')}}`), `[${attributes!.join(',')}]`],
    count,
    min,
    max,
  };
}

/** Needs double quotes in an array literal: empty, NULL, or holding a delimiter, quote, backslash, brace or space. */
const NEEDS_QUOTES = /^$|^null$|[\s{}",\\]/i;

/** A text value as an element of a PostgreSQL array literal. */
export function arrayElement(value: string | null): string {
  if (value === null) return 'NULL';
  return NEEDS_QUOTES.test(value) ? quoted(value) : value;
}

const quoted = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;
