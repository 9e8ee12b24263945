import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { advisoryLock, type TaskLock } from '@app/common';
import type { CompiledSql } from '../../common/sql-params';
import { ActivityDatabase, openRowCursor } from '../../storage/activity-database';
import { ACTIVITY_SCHEMA } from '../../storage/schema';
import type { FileFormat } from '../delivery.ports';

const FILES = `${ACTIVITY_SCHEMA}.delivery_files`;
const CHUNKS = `${ACTIVITY_SCHEMA}.delivery_file_chunks`;
const FEED = `${ACTIVITY_SCHEMA}.feed_log`;
/** The delivery retention task's lock (the key files-only purging had). */
const PURGE_LOCK_KEY = 'activity:delivery-files-purge';

/** A row of a file's query, one cell per column (NDJSON: the event's JSON). */
export type RangeRow = (string | null)[];

/** A file's rows from a server-side cursor; `close` once read or abandoned. */
export interface RangeCursor {
  rows: AsyncIterable<RangeRow>;
  close(): void;
}

/** A stored file. */
export interface FileRecord {
  id: string;
  subscriptionId: string;
  institutionId: string;
  sequence: number | null;
  windowStart: Date;
  windowEnd: Date;
  replay: boolean;
  fromPosition: string;
  toPosition: string;
  format: FileFormat;
  name: string;
  folder: string;
  count: number;
  bytes: number;
  sha256: string;
  /** The signed manifest's JSON text, as served and uploaded. */
  manifest: string;
  createdAt: Date;
}

/** What a new file row starts with; size, digest and manifest come at `finish`. */
export type NewFile = Omit<FileRecord, 'count' | 'bytes' | 'sha256' | 'manifest' | 'createdAt'>;

/**
 * Writes one file inside one transaction: the row, then its chunks, then its totals. Nothing is
 * visible until `finish` commits, so a failed build leaves nothing behind.
 */
export interface FileWriter {
  append(chunk: Buffer): Promise<void>;
  finish(totals: { count: number; bytes: number; sha256: string; manifest: string }): Promise<void>;
  abort(): Promise<void>;
}

interface FileRow {
  id: string;
  subscription_id: string;
  institution_id: string;
  sequence: string | null;
  window_start: Date;
  window_end: Date;
  replay: boolean;
  from_position: string;
  to_position: string;
  format: FileFormat;
  name: string;
  folder: string;
  count: number;
  bytes: string;
  sha256: string;
  manifest: string;
  created_at: Date;
}

const COLUMNS = `id, subscription_id, institution_id, sequence::text AS sequence, window_start, window_end,
  replay, from_position::text AS from_position, to_position::text AS to_position, format, name, folder,
  count, bytes::text AS bytes, sha256, manifest, created_at`;

const toRecord = (r: FileRow): FileRecord => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  institutionId: r.institution_id,
  sequence: r.sequence === null ? null : Number(r.sequence),
  windowStart: r.window_start,
  windowEnd: r.window_end,
  replay: r.replay,
  fromPosition: r.from_position,
  toPosition: r.to_position,
  format: r.format,
  name: r.name,
  folder: r.folder,
  count: r.count,
  bytes: Number(r.bytes),
  sha256: r.sha256,
  manifest: r.manifest,
  createdAt: r.created_at,
});

/**
 * The SQL of delivery files: where a file starts and ends in the commit-ordered feed, the
 * events of a position range (a cursor on the export pool), the files and their chunks.
 */
@Injectable()
export class DeliveryFilesRepository {
  constructor(
    private readonly db: ActivityDatabase,
    private readonly dataSource: DataSource,
  ) {}

  /** The FI's last feed position sequenced before `at` ('0' when none). */
  async positionBefore(institutionId: string, at: Date): Promise<string> {
    const rows = await this.db.query<{ p: string }>(
      `SELECT coalesce(max(position), 0)::text AS p FROM ${FEED}
        WHERE institution_id = $1 AND sequenced_at < $2::timestamptz`,
      [institutionId, at.toISOString()],
    );
    return rows[0]!.p;
  }

  /**
   * Where a file that starts after position `after` ends: the FI's last position sequenced
   * before `end` (positions are handed out in commit order, and a reader that sees one sees every
   * smaller one). A batch that commits after the file is built gets a larger position and goes
   * into the next file.
   */
  async cutPosition(institutionId: string, after: string, end: Date): Promise<string> {
    const rows = await this.db.query<{ p: string | null }>(
      `SELECT max(position)::text AS p FROM ${FEED}
        WHERE institution_id = $1 AND position > $2::bigint AND sequenced_at < $3::timestamptz`,
      [institutionId, after, end.toISOString()],
    );
    return rows[0]?.p ?? after;
  }

  /** Where the subscription's regular files ended before `windowStart` (null: no file yet). */
  async lastDeliveredPosition(subscriptionId: string, windowStart: Date): Promise<string | null> {
    const rows = await this.db.query<{ p: string | null }>(
      `SELECT max(to_position)::text AS p FROM ${FILES}
        WHERE subscription_id = $1 AND NOT replay AND window_end <= $2::timestamptz`,
      [subscriptionId, windowStart.toISOString()],
    );
    return rows[0]?.p ?? null;
  }

  /** The regular (not replayed) file of this window, if built. */
  async findRegular(subscriptionId: string, start: Date, end: Date): Promise<FileRecord | null> {
    const rows = await this.db.query<FileRow & Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM ${FILES}
        WHERE subscription_id = $1 AND window_start = $2::timestamptz AND window_end = $3::timestamptz
          AND NOT replay AND sha256 IS NOT NULL`,
      [subscriptionId, start.toISOString(), end.toISOString()],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** One file of the FI's subscription. */
  async find(fileId: string): Promise<FileRecord | null> {
    const rows = await this.db.query<FileRow & Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM ${FILES} WHERE id = $1::uuid AND sha256 IS NOT NULL`,
      [fileId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The subscription's files, newest window first, before (window_end, id) when given. */
  async list(
    subscriptionId: string,
    limit: number,
    before: { windowEnd: Date; id: string } | null,
  ): Promise<FileRecord[]> {
    const values: unknown[] = [subscriptionId, limit];
    let keyset = '';
    if (before) {
      values.push(before.windowEnd.toISOString(), before.id);
      keyset = ` AND (window_end, id) < ($3::timestamptz, $4::uuid)`;
    }
    const rows = await this.db.query<FileRow & Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM ${FILES}
        WHERE subscription_id = $1 AND sha256 IS NOT NULL${keyset}
        ORDER BY window_end DESC, id DESC LIMIT $2::integer`,
      values,
    );
    return rows.map(toRecord);
  }

  /**
   * The sequence the delivery core gave the file delivery of this window (its `deliveries` row),
   * for a caller that did not pass it; null when there is none.
   */
  async fileDeliverySequence(
    subscriptionId: string,
    start: Date,
    end: Date,
    replay: boolean,
  ): Promise<{ sequence: number; previousSequence: number | null } | null> {
    const rows = await this.db.query<{ sequence: string | null; previous_sequence: string | null }>(
      `SELECT sequence::text AS sequence, previous_sequence::text AS previous_sequence
         FROM ${ACTIVITY_SCHEMA}.deliveries
        WHERE subscription_id = $1::uuid AND type = 'file' AND replay = $4
          AND window_start = $2::timestamptz AND window_end = $3::timestamptz
        ORDER BY created_at DESC LIMIT 1`,
      [subscriptionId, start.toISOString(), end.toISOString(), replay],
    );
    const r = rows[0];
    if (!r?.sequence) return null;
    return {
      sequence: Number(r.sequence),
      previousSequence: r.previous_sequence === null ? null : Number(r.previous_sequence),
    };
  }

  /** Whether the subscription exists in this FI (delivery_subscriptions, the delivery core's). */
  async subscriptionInInstitution(subscriptionId: string, institutionId: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM ${ACTIVITY_SCHEMA}.delivery_subscriptions WHERE id = $1::uuid AND institution_id = $2`,
      [subscriptionId, institutionId],
    );
    return rows.length > 0;
  }

  /** The file's gzip bytes, chunk by chunk (one query per chunk: memory stays flat). */
  async *chunks(fileId: string): AsyncGenerator<Buffer> {
    for (let n = 0; ; n++) {
      const rows = await this.db.query<{ data: Buffer }>(
        `SELECT data FROM ${CHUNKS} WHERE file_id = $1::uuid AND chunk_no = $2::integer`,
        [fileId, n],
      );
      if (!rows[0]) return;
      yield rows[0].data;
    }
  }

  /** Opens a cursor on a file's events, on the export pool (no statement timeout). */
  async openRange(sql: CompiledSql): Promise<RangeCursor> {
    return openRowCursor<RangeRow>(this.db.exportPool, sql);
  }

  /**
   * Starts writing a file. Null when a regular file of that window exists already (another
   * build won; the insert waits for it to commit or roll back).
   */
  async createFile(file: NewFile): Promise<FileWriter | null> {
    const client = await this.db.pool.connect();
    let done = false;
    const end = async (sql: string) => {
      if (done) return;
      done = true;
      try {
        await client.query(sql);
        client.release();
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
    };
    try {
      await client.query('BEGIN');
      const inserted = await client.query(
        `INSERT INTO ${FILES} (id, subscription_id, institution_id, sequence, window_start, window_end,
           replay, from_position, to_position, format, name, folder)
         VALUES ($1::uuid, $2::uuid, $3, $4::bigint, $5::timestamptz, $6::timestamptz, $7, $8::bigint,
           $9::bigint, $10, $11, $12)
         ON CONFLICT (subscription_id, window_start, window_end) WHERE NOT replay DO NOTHING`,
        [
          file.id,
          file.subscriptionId,
          file.institutionId,
          file.sequence,
          file.windowStart.toISOString(),
          file.windowEnd.toISOString(),
          file.replay,
          file.fromPosition,
          file.toPosition,
          file.format,
          file.name,
          file.folder,
        ],
      );
      if (inserted.rowCount === 0) {
        await end('ROLLBACK');
        return null;
      }
    } catch (err) {
      await end('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return chunkWriter(client, file.id, end);
  }

  /**
   * Deletes files (their chunks cascade) created before `cutoff`, 50 at a time, except those
   * still needed: a file whose delivery is pending (same subscription and window, SFTP uploads
   * and webhook links read it), and each subscription's newest regular file, whose
   * to_position is where its next window starts (lastDeliveredPosition).
   */
  async purgeBefore(cutoff: Date, stopping: () => boolean = () => false): Promise<number> {
    let purged = 0;
    for (;;) {
      const rows = await this.db.query(
        `DELETE FROM ${FILES} WHERE id IN (
           SELECT f.id FROM ${FILES} f
            WHERE f.created_at < $1::timestamptz
              AND NOT EXISTS (
                SELECT 1 FROM ${ACTIVITY_SCHEMA}.deliveries d
                 WHERE d.subscription_id = f.subscription_id AND d.status = 'pending'
                   AND d.type = 'file' AND d.window_start = f.window_start
                   AND d.window_end = f.window_end)
              AND (f.replay OR EXISTS (
                SELECT 1 FROM ${FILES} n
                 WHERE n.subscription_id = f.subscription_id AND NOT n.replay
                   AND n.window_end > f.window_end))
            LIMIT 50
         ) RETURNING id`,
        [cutoff.toISOString()],
      );
      purged += rows.length;
      if (rows.length < 50 || stopping()) return purged;
    }
  }

  /** One replica at a time purges. */
  purgeLock(): TaskLock {
    return advisoryLock(this.dataSource, PURGE_LOCK_KEY);
  }
}

function chunkWriter(
  client: PoolClient,
  fileId: string,
  end: (sql: string) => Promise<void>,
): FileWriter {
  let next = 0;
  return {
    async append(chunk) {
      await client.query(
        `INSERT INTO ${CHUNKS} (file_id, chunk_no, data) VALUES ($1::uuid, $2::integer, $3::bytea)`,
        [fileId, next++, chunk],
      );
    },
    async finish(totals) {
      try {
        await client.query(
          `UPDATE ${FILES} SET count = $2::integer, bytes = $3::bigint, sha256 = $4, manifest = $5
            WHERE id = $1::uuid`,
          [fileId, totals.count, totals.bytes, totals.sha256, totals.manifest],
        );
      } catch (err) {
        await end('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await end('COMMIT');
    },
    abort: () => end('ROLLBACK'),
  };
}
