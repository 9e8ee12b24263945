import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { ActivityEnv } from '../config/activity.env';
import { ACTIVITY_SCHEMA } from './schema';

export interface ActivityPoolOptions {
  url: string;
  max: number;
  /** 0 = no limit (exports stream for as long as the client reads). */
  statementTimeoutMs: number;
  applicationName: string;
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
    options: `-c search_path=${ACTIVITY_SCHEMA},public -c TimeZone=UTC -c statement_timeout=${options.statementTimeoutMs}`,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
}

/** The service's pools: one for ingest, search and feed; a small one reserved for exports. */
@Injectable()
export class ActivityDatabase implements OnApplicationShutdown {
  readonly pool: Pool;
  readonly exportPool: Pool;

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
    // An idle client that dies (database restart) must not crash the process.
    for (const pool of [this.pool, this.exportPool]) pool.on('error', () => undefined);
  }

  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  /** Runs `fn` in one transaction on one connection. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
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

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pool.end(), this.exportPool.end()]);
  }
}
