import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { rateLimitKeyPart } from '@app/common';
import { DataSource } from 'typeorm';
import { CustomerEnv } from '../config/customer.env';

/** The limiter's table (migration RegistrationRateLimits1796200000000); housekeeping purges it. */
export const RATE_LIMITS_TABLE = 'rate_limits';

/**
 * Registration counters in PostgreSQL, so that every replica counts together: per client and
 * per client address, each over REGISTRATION_WINDOW_SECONDS. The rows are rate-limiter-flexible's
 * (key `prefix:id`, points, expire in ms), counted as its RateLimiterPostgres counts them, but
 * both keys in one statement: one round trip and one commit per registration instead of two.
 */
@Injectable()
export class RegistrationLimitsRepository {
  private readonly windowMs: number;
  private readonly limits: { client: number; address: number };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    env: CustomerEnv,
  ) {
    this.windowMs = env.REGISTRATION_WINDOW_SECONDS * 1000;
    this.limits = {
      client: env.REGISTRATION_LIMIT_PER_CLIENT,
      address: env.REGISTRATION_LIMIT_PER_ADDRESS,
    };
  }

  /**
   * Counts one registration against the client and against the address (both, even when one
   * is over: a refused attempt still counts). Seconds to wait when either is over, else 0.
   */
  async hit(clientId: string, address: string): Promise<number> {
    const keys = {
      client: `registration-client:${rateLimitKeyPart(clientId)}`,
      address: `registration-address:${rateLimitKeyPart(address)}`,
    };
    const now = Date.now();
    // A window that has run out starts again at 1; otherwise the count goes up by one.
    const rows = (await this.dataSource.query(
      `INSERT INTO ${RATE_LIMITS_TABLE} AS r (key, points, expire)
       VALUES ($1, 1, $3), ($2, 1, $3)
       ON CONFLICT (key) DO UPDATE SET
         points = CASE WHEN r.expire <= $4 THEN 1 ELSE r.points + 1 END,
         expire = CASE WHEN r.expire <= $4 THEN $3 ELSE r.expire END
       RETURNING key, points, expire`,
      [keys.client, keys.address, now + this.windowMs, now],
    )) as { key: string; points: number; expire: string | null }[];
    let wait = 0;
    for (const row of rows) {
      const limit = row.key === keys.client ? this.limits.client : this.limits.address;
      if (row.points > limit) {
        const ms = row.expire === null ? 0 : Math.max(Number(row.expire) - Date.now(), 0);
        wait = Math.max(wait, Math.max(1, Math.ceil(ms / 1000)));
      }
    }
    return wait;
  }
}
