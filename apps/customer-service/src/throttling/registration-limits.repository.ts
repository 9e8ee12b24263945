import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { consumeOrWait, postgresRateLimiter, rateLimitKeyPart } from '@app/common';
import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { CustomerEnv } from '../config/customer.env';

/** The limiter's table (migration RegistrationRateLimits1796200000000); housekeeping purges it. */
export const RATE_LIMITS_TABLE = 'rate_limits';

/**
 * Registration counters in PostgreSQL (rate-limiter-flexible), so that every replica counts
 * together: per client and per client address, each over REGISTRATION_WINDOW_SECONDS.
 */
@Injectable()
export class RegistrationLimitsRepository {
  private readonly perClient: RateLimiterPostgres;
  private readonly perAddress: RateLimiterPostgres;

  constructor(@InjectDataSource() dataSource: DataSource, env: CustomerEnv) {
    const common = {
      schema: 'customer',
      table: RATE_LIMITS_TABLE,
      windowSeconds: env.REGISTRATION_WINDOW_SECONDS,
    };
    this.perClient = postgresRateLimiter(dataSource, {
      ...common,
      keyPrefix: 'registration-client',
      points: env.REGISTRATION_LIMIT_PER_CLIENT,
    });
    this.perAddress = postgresRateLimiter(dataSource, {
      ...common,
      keyPrefix: 'registration-address',
      points: env.REGISTRATION_LIMIT_PER_ADDRESS,
    });
  }

  /**
   * Counts one registration against the client and against the address (both, even when one
   * is over: a refused attempt still counts). Seconds to wait when either is over, else 0.
   */
  async hit(clientId: string, address: string): Promise<number> {
    const waits = await Promise.all([
      consumeOrWait(this.perClient, rateLimitKeyPart(clientId)),
      consumeOrWait(this.perAddress, rateLimitKeyPart(address)),
    ]);
    return Math.max(...waits);
  }
}
