import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { advisoryLock, DAY_MS, type TaskLock } from '@app/common';
import { ActivityDatabase } from './activity-database';
import { ACTIVITY_SCHEMA, EVENTS_TABLE } from './schema';

/**
 * Partitions of activity.events: one per week (Monday 00:00 UTC to the next Monday), named
 * `events_pYYYYMMDD` after their first day. A week keeps a search over the 93-day look-back to
 * about 14 partitions, which keeps planning cheap, while retention still drops a week at a time.
 *
 * Each week is itself split by institution (hash, 8 sub-partitions `events_pYYYYMMDD_h0`..`_h7`)
 * so that FIs ingesting at once write to different relations; weeks made before that layout
 * (migration EventsByInstitution) are one plain table. Everything here works on the weeks, the
 * direct partitions of activity.events, whichever their layout.
 *
 * Creating and dropping partitions is data management done by the running service, not a
 * schema change: the migrations define the partitioned table, its indexes and how a week is
 * laid out (activity.create_events_partition), and every week is created the same way from it.
 */
export const PARTITION_DAYS = 7;
const WIDTH_MS = PARTITION_DAYS * DAY_MS;
/** 1970-01-05 was a Monday. */
const ALIGN_MS = Date.UTC(1970, 0, 5);
const LOCK_KEY = 'activity:partitions';
/** Held by the replica running the periodic maintenance (PartitionMaintainer). */
const MAINTENANCE_LOCK_KEY = 'activity:partitions:maintenance';

export interface PartitionInfo {
  name: string;
  from: Date;
  to: Date;
  /** Left behind by an interrupted DETACH ... CONCURRENTLY. */
  detachPending: boolean;
}

type Queryable = Pick<Pool | PoolClient, 'query'>;

export function partitionStart(at: Date): Date {
  return new Date(ALIGN_MS + Math.floor((at.getTime() - ALIGN_MS) / WIDTH_MS) * WIDTH_MS);
}

export function partitionName(start: Date): string {
  return `events_p${start.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/**
 * The partitions of activity.events, for the service. The functions below take any pool or
 * client, so that the seed script and tests can use them without the Nest application.
 */
@Injectable()
export class PartitionRepository {
  constructor(
    private readonly db: ActivityDatabase,
    private readonly dataSource: DataSource,
  ) {}

  list(): Promise<PartitionInfo[]> {
    return listPartitions(this.db.pool);
  }

  /** Creates what is missing of [from, to); the names of the partitions created. */
  ensure(from: Date, to: Date): Promise<string[]> {
    return ensurePartitions(this.db.pool, from, to);
  }

  /** Drops the partitions that end at or before `cutoff`; the names of those dropped. */
  dropBefore(cutoff: Date): Promise<string[]> {
    return dropPartitionsBefore(this.db.pool, cutoff);
  }

  /** One replica at a time runs the periodic maintenance (a session advisory lock). */
  maintenanceLock(): TaskLock {
    return advisoryLock(this.dataSource, MAINTENANCE_LOCK_KEY);
  }
}

/** Every partition attached to (or being detached from) activity.events, oldest first. */
export async function listPartitions(db: Queryable): Promise<PartitionInfo[]> {
  const { rows } = await db.query<{
    name: string;
    from_at: Date;
    to_at: Date;
    detach_pending: boolean;
  }>(
    `SELECT c.relname AS name, i.inhdetachpending AS detach_pending,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS from_at,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS to_at
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass
      ORDER BY from_at`,
    [EVENTS_TABLE],
  );
  return rows.map((r) => ({
    name: r.name,
    from: r.from_at,
    to: r.to_at,
    detachPending: r.detach_pending,
  }));
}

/**
 * Makes sure partitions cover [from, to). New weeks are created empty and attached, which
 * locks the parent only in SHARE UPDATE EXCLUSIVE mode: searches, exports and ingest go
 * on meanwhile (CREATE TABLE ... PARTITION OF would wait for every running export).
 */
export async function ensurePartitions(pool: Pool, from: Date, to: Date): Promise<string[]> {
  const wanted: Date[] = [];
  for (let t = partitionStart(from).getTime(); t < to.getTime(); t += WIDTH_MS) {
    wanted.push(new Date(t));
  }
  const existing = new Set((await listPartitions(pool)).map((p) => p.from.getTime()));
  const missing = wanted.filter((d) => !existing.has(d.getTime()));
  if (missing.length === 0) return [];

  const client = await pool.connect();
  const created: string[] = [];
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '10s'`);
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK_KEY]);
    // Another instance may have made some while this one waited for the lock.
    const now = new Set((await listPartitions(client)).map((p) => p.from.getTime()));
    for (const start of missing) {
      if (now.has(start.getTime())) continue;
      const name = partitionName(start);
      const end = new Date(start.getTime() + WIDTH_MS);
      // The week's layout (sub-partitions by institution) is the schema's: migration
      // EventsByInstitution.
      await client.query(`SELECT ${ACTIVITY_SCHEMA}.create_events_partition($1, $2, $3)`, [
        name,
        start,
        end,
      ]);
      created.push(name);
    }
    await client.query('COMMIT');
    return created;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Drops every partition that ends at or before `cutoff`, then the idempotency keys and feed
 * entries of the events that went with them. DETACH ... CONCURRENTLY never blocks searches or
 * ingest; it runs outside a transaction, so an interrupted one is finished on the next run.
 */
export async function dropPartitionsBefore(pool: Pool, cutoff: Date): Promise<string[]> {
  const client = await pool.connect();
  const dropped: string[] = [];
  try {
    const locked = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
      [`${LOCK_KEY}:retention`],
    );
    if (!locked.rows[0]!.ok) return [];
    try {
      // Waits on running exports (DETACH CONCURRENTLY) and deletes of old keys may take long.
      await client.query(`SET lock_timeout = '30s'`);
      await client.query('SET statement_timeout = 0');
      for (const p of await listPartitions(client)) {
        if (p.to.getTime() > cutoff.getTime()) continue;
        const table = `${ACTIVITY_SCHEMA}.${p.name}`;
        await client.query(
          p.detachPending
            ? `ALTER TABLE ${EVENTS_TABLE} DETACH PARTITION ${table} FINALIZE`
            : `ALTER TABLE ${EVENTS_TABLE} DETACH PARTITION ${table} CONCURRENTLY`,
        );
        await client.query(`DROP TABLE ${table}`);
        dropped.push(p.name);
      }
      const oldest = (await listPartitions(client))[0]?.from ?? cutoff;
      const keep = oldest.getTime() < cutoff.getTime() ? oldest : cutoff;
      await client.query(`DELETE FROM ${ACTIVITY_SCHEMA}.event_guids WHERE occurred_at < $1`, [
        keep,
      ]);
      await client.query(`DELETE FROM ${ACTIVITY_SCHEMA}.feed_log WHERE max_at < $1`, [keep]);
    } finally {
      await client.query('RESET lock_timeout; RESET statement_timeout').catch(() => undefined);
      await client
        .query('SELECT pg_advisory_unlock(hashtext($1))', [`${LOCK_KEY}:retention`])
        .catch(() => undefined);
    }
    return dropped;
  } finally {
    client.release();
  }
}
