import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import QueryStream from 'pg-query-stream';
import type { CompiledSql } from '../common/sql-params';
import { releaseOnClose, streamConnection } from '../common/streamed-connection';
import { ActivityEnv } from '../config/activity.env';
import { ACTIVITY_SCHEMA } from './schema';

export interface ActivityPoolOptions {
  url: string;
  max: number;
  /** 0 = no limit (exports stream for as long as the client reads). */
  statementTimeoutMs: number;
  applicationName: string;
  /**
   * Named statements always run their generic plan (plan_cache_mode = force_generic_plan): for
   * the search pools only, see ActivityDatabase. Off, PostgreSQL chooses per statement.
   */
  genericPlans?: boolean;
}

/**
 * A pg pool on the activity schema, used by the repositories only. The event store talks SQL
 * directly (bulk ingest as column arrays, keyset pages, cursors for export), so it has its own
 * pools; TypeORM applies migrations, answers the health check and holds the partition
 * maintenance's advisory lock. Sessions run in UTC so timestamps format the same everywhere.
 */
export function createActivityPool(options: ActivityPoolOptions): Pool {
  return new Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    options: `-c search_path=${ACTIVITY_SCHEMA},public -c TimeZone=UTC -c statement_timeout=${options.statementTimeoutMs}${options.genericPlans ? ' -c plan_cache_mode=force_generic_plan' : ''}`,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
}

/** Where a read may be answered from: the read replica when one is set, or the primary. */
export type ReadFrom = 'replica' | 'primary';

/**
 * The service's pools on the primary (DATABASE_URL): one for ingest, feed and delivery; one of the
 * same size for search pages; a small one reserved for exports. With ACTIVITY_READ_DATABASE_URL
 * set (a streaming replica), a search and an export pool on it, which searches and exports use
 * unless they must see the primary (`Consistency: strong`); everything else (ingest, feed,
 * delivery, partitions) stays on the primary. Unset, the read pools are the primary's.
 *
 * Search pages run as named statements on pools of their own, with generic plans forced. Each
 * week of events is split into 8 partitions by institution (migration EventsByInstitution), and
 * a generic plan holds every one of them: left to choose, PostgreSQL then re-plans the one-user
 * shapes on every call (its estimate of the generic plan adds up all of them), ~1.5-2 ms more a
 * page, while pruning them when the generic plan runs costs 0-0.5 ms (docs/BENCHMARKS.md).
 * The other pools keep PostgreSQL's own choice: their parameterized statements (delivery's
 * ranges, the feed) are planned for their values.
 */
@Injectable()
export class ActivityDatabase implements OnApplicationShutdown {
  readonly pool: Pool;
  readonly exportPool: Pool;
  /** Search pages that must see the primary (and all of them when no replica is set). */
  readonly searchPrimaryPool: Pool;
  /** Search pages: the replica's search pool, or `searchPrimaryPool` when no replica is set. */
  readonly readPool: Pool;
  /** Export cursors: the replica's export pool, or `exportPool` when no replica is set. */
  readonly exportReadPool: Pool;
  /** Whether ACTIVITY_READ_DATABASE_URL is set. */
  readonly hasReplica: boolean;

  constructor(env: ActivityEnv) {
    this.pool = createActivityPool({
      url: env.DATABASE_URL,
      max: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.ACTIVITY_QUERY_TIMEOUT_MS,
      applicationName: 'activity-service',
    });
    this.exportPool = createActivityPool({
      url: env.DATABASE_URL,
      max: env.ACTIVITY_EXPORT_POOL_SIZE,
      statementTimeoutMs: 0,
      applicationName: 'activity-service-export',
    });
    this.searchPrimaryPool = createActivityPool({
      url: env.DATABASE_URL,
      max: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.ACTIVITY_QUERY_TIMEOUT_MS,
      applicationName: 'activity-service-search',
      genericPlans: true,
    });
    const replica = env.ACTIVITY_READ_DATABASE_URL;
    this.hasReplica = replica !== undefined;
    this.readPool = replica
      ? createActivityPool({
          url: replica,
          max: env.DATABASE_POOL_SIZE,
          statementTimeoutMs: env.ACTIVITY_QUERY_TIMEOUT_MS,
          applicationName: 'activity-service-read',
          genericPlans: true,
        })
      : this.searchPrimaryPool;
    this.exportReadPool = replica
      ? createActivityPool({
          url: replica,
          max: env.ACTIVITY_EXPORT_POOL_SIZE,
          statementTimeoutMs: 0,
          applicationName: 'activity-service-export-read',
        })
      : this.exportPool;
    // An idle client that dies (database restart) must not crash the process.
    for (const pool of this.pools()) pool.on('error', () => undefined);
  }

  /** The pool a search page is read from. */
  searchPool(from: ReadFrom): Pool {
    return from === 'primary' ? this.searchPrimaryPool : this.readPool;
  }

  /** The pool an export's cursor is opened on. */
  exportPoolFor(from: ReadFrom): Pool {
    return from === 'primary' ? this.exportPool : this.exportReadPool;
  }

  /** Readiness: the replica answers (nothing to check when none is set). */
  async pingReplica(timeoutMs: number): Promise<void> {
    if (!this.hasReplica) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.readPool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('read replica timeout')), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private pools(): Pool[] {
    return [
      ...new Set([
        this.pool,
        this.exportPool,
        this.searchPrimaryPool,
        this.readPool,
        this.exportReadPool,
      ]),
    ];
  }

  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  /** Runs `fn` in one transaction on one connection. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.pools().map((pool) => pool.end()));
  }
}

/** Runs `fn` in one transaction on one connection of `pool`: committed, or rolled back on error. */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Rows a server-side cursor fetches at a time. */
const CURSOR_FETCH_ROWS = 2000;

/** A streamed query holding one pooled connection until `close()`. */
export interface RowCursor<R> {
  rows: AsyncIterable<R>;
  /** Gives the connection back (destroyed when the cursor did not reach its end). */
  close(): void;
}

/**
 * Streams `sql` from a server-side cursor on a connection of `pool`, rows as arrays, with
 * backpressure; 503 ACTIVITY_UNAVAILABLE when every connection of the pool is busy.
 */
export async function openRowCursor<R>(pool: Pool, sql: CompiledSql): Promise<RowCursor<R>> {
  const client = await streamConnection(pool);
  const rows = client.query(
    new QueryStream(sql.text, sql.values, {
      batchSize: CURSOR_FETCH_ROWS,
      highWaterMark: CURSOR_FETCH_ROWS,
      rowMode: 'array',
    }),
  );
  return { rows: rows as AsyncIterable<R>, close: releaseOnClose(client, rows) };
}
