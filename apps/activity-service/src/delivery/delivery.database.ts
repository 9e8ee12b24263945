import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { ActivityEnv } from '../config/activity.env';
import { createActivityPool, inTransaction } from '../storage/activity-database';

/**
 * A small pool of its own for delivery (the subscriptions API and every replica's background
 * dispatcher): background delivery can never take the connections that ingest, search and the
 * feed need, and their pool stays quiet when nothing is asked of it.
 */
@Injectable()
export class DeliveryDatabase implements OnApplicationShutdown {
  readonly pool: Pool;

  constructor(env: ActivityEnv) {
    this.pool = createActivityPool({
      url: env.DATABASE_URL,
      max: 4,
      statementTimeoutMs: env.ACTIVITY_QUERY_TIMEOUT_MS,
      applicationName: 'activity-service-delivery',
    });
    this.pool.on('error', () => undefined);
  }

  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  /** Runs `fn` in one transaction on one connection. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
