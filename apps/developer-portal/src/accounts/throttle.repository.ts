import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { consumeOrWait, postgresRateLimiter } from '@app/common';
import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { PortalEnv } from '../config/portal.env';

export type ThrottleBucket = 'login-address' | 'login-email' | 'account-address' | 'mail-email';

/** The platform's one rate limiter (rate-limiter-flexible, PostgreSQL store): replicas count together. */
@Injectable()
export class ThrottleRepository {
  private readonly limiters: Record<ThrottleBucket, RateLimiterPostgres>;

  constructor(@InjectDataSource() dataSource: DataSource, env: PortalEnv) {
    const limiter = (keyPrefix: ThrottleBucket, points: number) =>
      postgresRateLimiter(dataSource, {
        schema: 'portal',
        table: 'rate_limits',
        keyPrefix,
        points,
        windowSeconds: env.THROTTLE_WINDOW_SECONDS,
        sweep: false,
      });
    this.limiters = {
      'login-address': limiter('login-address', env.LOGIN_LIMIT_PER_ADDRESS),
      'login-email': limiter('login-email', env.LOGIN_LIMIT_PER_EMAIL),
      'account-address': limiter('account-address', env.SIGNUP_LIMIT_PER_ADDRESS),
      'mail-email': limiter('mail-email', env.MAIL_LIMIT_PER_EMAIL),
    };
  }

  /** One hit; the seconds to wait when over the limit, else 0. */
  hit(bucket: ThrottleBucket, key: string): Promise<number> {
    return consumeOrWait(this.limiters[bucket], key);
  }
}
