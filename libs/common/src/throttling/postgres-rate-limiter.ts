import { createHash } from 'node:crypto';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';

export interface PostgresRateLimiterOptions {
  /** The service's schema; the table is created by one of its migrations, never by the library. */
  schema: string;
  /** The table's layout is the library's: key varchar(255) PK, points integer, expire bigint (ms). */
  table: string;
  /** Key prefix in the shared table, e.g. `registration-client`. */
  keyPrefix: string;
  /** Hits allowed per window. */
  points: number;
  windowSeconds: number;
  /**
   * Whether this limiter sweeps expired rows itself (every instance, every 5 minutes). Off when
   * the service purges them in its own housekeeping.
   */
  sweep?: boolean;
}

/**
 * rate-limiter-flexible's PostgreSQL store over the service's TypeORM data source, so that
 * every replica counts together. `tableCreated: true`: the table comes from a reviewed
 * migration (see the auth-server's RateLimits and the customer-service's registration limits).
 */
export function postgresRateLimiter(
  dataSource: DataSource,
  options: PostgresRateLimiterOptions,
): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: dataSource,
    storeType: 'typeorm',
    schemaName: options.schema,
    tableName: options.table,
    tableCreated: true,
    clearExpiredByTimeout: options.sweep ?? false,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.windowSeconds,
  });
}

/**
 * Part of a limiter key: as is when short and printable, otherwise a hash, so that a
 * caller-chosen value (a client id, a forwarded address) cannot overflow the varchar(255) key.
 */
export const rateLimitKeyPart = (value: string): string =>
  /^[\x21-\x7e]{1,100}$/.test(value)
    ? value
    : `sha256:${createHash('sha256').update(value).digest('base64url')}`;

/**
 * Consumes one point; resolves with the seconds to wait (at least 1) when the key is over its
 * limit, otherwise 0. Store failures still reject: a limiter that cannot count is an outage.
 */
export async function consumeOrWait(limiter: RateLimiterPostgres, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (rejected) {
    if (rejected instanceof RateLimiterRes)
      return Math.max(1, Math.ceil(rejected.msBeforeNext / 1000));
    throw rejected;
  }
}
