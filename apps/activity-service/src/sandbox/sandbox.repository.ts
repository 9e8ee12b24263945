import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { ActivityDatabase } from '../storage/activity-database';
import { ACTIVITY_SCHEMA, EVENTS_TABLE } from '../storage/schema';

const SEEDS = `${ACTIVITY_SCHEMA}.sandbox_seeds`;
const SUBS = `${ACTIVITY_SCHEMA}.delivery_subscriptions`;
const DELIVERIES = `${ACTIVITY_SCHEMA}.deliveries`;

/** Rows deleted per statement: each batch commits on its own, so no lock is held for long. */
export const WIPE_BATCH_ROWS = 5000;

/** A sandbox FI's seed, as sandbox_seeds keeps it. */
export interface SeedRecord {
  events: number;
  startTime: Date;
  endTime: Date;
  /** Null while the seed runs, or when it (or a wipe) stopped half-way. */
  completedAt: Date | null;
}

export interface DroppedDeliveries {
  subscriptions: number;
  deliveries: number;
  files: number;
}

export interface DeletedActivity {
  feedBatches: number;
  events: number;
  eventGuids: number;
}

/**
 * The sandbox FIs' statements (sandbox.service.ts): the FI's lock, its seed record, what its
 * delivery subscriptions still had to send, and the batched delete of its activity. Events are
 * written through EventRepository, the ingest's own path.
 */
@Injectable()
export class SandboxRepository {
  constructor(private readonly db: ActivityDatabase) {}

  /**
   * Runs `fn` holding the FI's session advisory lock (every replica), so a seed and a wipe of one
   * FI never interleave. The lock's connection is taken only once the lock is free: waiting
   * polls (every 100 ms, up to `waitMs`) without holding a pooled connection, so requests queued
   * on one FI cannot starve the pool that `fn` writes through. Undefined when the lock stayed
   * taken.
   */
  async withInstitutionLock<T>(
    institutionId: string,
    waitMs: number,
    fn: () => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    const key = `activity:sandbox:${institutionId}`;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const client = await this.db.pool.connect();
      let locked = false;
      try {
        const { rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
          [key],
        );
        locked = rows[0]?.ok === true;
        if (locked) return { value: await fn() };
      } finally {
        if (locked) {
          await client
            .query('SELECT pg_advisory_unlock(hashtext($1))', [key])
            .then(() => client.release())
            // A connection that cannot unlock is closed, which releases the lock.
            .catch((err: Error) => client.release(err));
        } else {
          client.release();
        }
      }
      if (Date.now() >= deadline) return undefined;
      await sleep(100);
    }
  }

  async findSeed(institutionId: string): Promise<SeedRecord | null> {
    const rows = await this.db.query<{
      events: number;
      start_time: Date;
      end_time: Date;
      completed_at: Date | null;
    }>(
      `SELECT events, start_time, end_time, completed_at FROM ${SEEDS} WHERE institution_id = $1`,
      [institutionId],
    );
    const r = rows[0];
    return r
      ? {
          events: r.events,
          startTime: r.start_time,
          endTime: r.end_time,
          completedAt: r.completed_at,
        }
      : null;
  }

  /** Records a seed about to be written (not complete). */
  async startSeed(institutionId: string, seed: Omit<SeedRecord, 'completedAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO ${SEEDS} (institution_id, events, start_time, end_time)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (institution_id) DO UPDATE SET events = $2, start_time = $3, end_time = $4,
              started_at = clock_timestamp(), completed_at = NULL`,
      [institutionId, seed.events, seed.startTime, seed.endTime],
    );
  }

  async completeSeed(institutionId: string): Promise<void> {
    await this.db.query(
      `UPDATE ${SEEDS} SET completed_at = clock_timestamp() WHERE institution_id = $1`,
      [institutionId],
    );
  }

  /** Before a wipe deletes anything: a wipe that stops half-way leaves an incomplete seed. */
  async markSeedIncomplete(institutionId: string): Promise<void> {
    await this.db.query(`UPDATE ${SEEDS} SET completed_at = NULL WHERE institution_id = $1`, [
      institutionId,
    ]);
  }

  async deleteSeed(institutionId: string): Promise<void> {
    await this.db.query(`DELETE FROM ${SEEDS} WHERE institution_id = $1`, [institutionId]);
  }

  /**
   * What the FI's delivery subscriptions still had to send, in one transaction that first takes
   * each subscription's build lock (the one delivery.repository.ts's builders hold, in id order),
   * so no delivery is being built meanwhile. The subscriptions stay, with their sequences:
   * - every pending delivery (batch or file, replays too) is marked `failed`, its body dropped,
   *   and an attempt records `reason`: it is never sent, its sequence is never used again;
   * - each cursor moves to the FI's feed head, past every event there is now;
   * - the FI's hourly and daily files (which hold its events) are deleted.
   */
  async dropPendingDeliveries(institutionId: string, reason: string): Promise<DroppedDeliveries> {
    return this.db.transaction(async (client) => {
      const subs = await client.query(
        `SELECT pg_advisory_xact_lock(hashtext('activity:delivery:' || id::text))
           FROM ${SUBS} WHERE institution_id = $1 ORDER BY id`,
        [institutionId],
      );
      const dropped = await client.query(
        `WITH dropped AS (
           UPDATE ${DELIVERIES} SET status = 'failed', next_attempt_at = NULL, payload = NULL
            WHERE subscription_id IN (SELECT id FROM ${SUBS} WHERE institution_id = $1)
              AND status = 'pending' AND type <> 'test'
           RETURNING id)
         INSERT INTO ${ACTIVITY_SCHEMA}.delivery_attempts (delivery_id, at, status_code, duration_ms, error)
         SELECT id, clock_timestamp(), NULL, 0, $2 FROM dropped`,
        [institutionId, reason],
      );
      await client.query(
        `UPDATE ${SUBS} s SET cursor_position = h.position, cursor_seq = NULL, updated_at = now()
           FROM ${ACTIVITY_SCHEMA}.feed_heads h
          WHERE s.institution_id = $1 AND h.institution_id = s.institution_id`,
        [institutionId],
      );
      const files = await client.query(
        `DELETE FROM ${ACTIVITY_SCHEMA}.delivery_files
          WHERE subscription_id IN (SELECT id FROM ${SUBS} WHERE institution_id = $1)`,
        [institutionId],
      );
      return {
        subscriptions: subs.rowCount ?? 0,
        deliveries: dropped.rowCount ?? 0,
        files: files.rowCount ?? 0,
      };
    });
  }

  /**
   * Deletes the FI's feed rows, events and event guids, WIPE_BATCH_ROWS at a time by each table's
   * key (each batch its own short transaction). The feed goes first, so readers following it
   * stop finding the FI's old batches before their events go. feed_heads stays: the FI's next
   * positions carry on above every cursor already handed out.
   */
  async deleteActivity(institutionId: string): Promise<DeletedActivity> {
    const drain = async (sql: string): Promise<number> => {
      let total = 0;
      for (;;) {
        const { rowCount } = await this.db.pool.query(sql, [institutionId, WIPE_BATCH_ROWS]);
        total += rowCount ?? 0;
        if (!rowCount) return total;
      }
    };
    return {
      feedBatches: await drain(
        `DELETE FROM ${ACTIVITY_SCHEMA}.feed_log
          WHERE institution_id = $1 AND position IN (
            SELECT position FROM ${ACTIVITY_SCHEMA}.feed_log WHERE institution_id = $1 LIMIT $2)`,
      ),
      events: await drain(
        `DELETE FROM ${EVENTS_TABLE}
          WHERE institution_id = $1 AND (occurred_at, seq) IN (
            SELECT occurred_at, seq FROM ${EVENTS_TABLE} WHERE institution_id = $1 LIMIT $2)`,
      ),
      eventGuids: await drain(
        `DELETE FROM ${ACTIVITY_SCHEMA}.event_guids
          WHERE institution_id = $1 AND guid IN (
            SELECT guid FROM ${ACTIVITY_SCHEMA}.event_guids WHERE institution_id = $1 LIMIT $2)`,
      ),
    };
  }
}
