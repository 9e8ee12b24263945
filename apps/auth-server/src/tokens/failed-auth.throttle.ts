import { Injectable, Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AuthEnv } from '../config/auth.env';

/**
 * Counts failed client authentications per client id and per address; past FAILED_AUTH_LIMIT
 * in the window, both are refused (429) for FAILED_AUTH_BLOCK_SECONDS, even with the right secret.
 * Counts live in this instance's memory.
 */
@Injectable()
export class FailedAuthThrottle {
  private readonly logger = new Logger('ClientAuth');
  private readonly limiter: RateLimiterMemory;

  constructor(env: AuthEnv) {
    this.limiter = new RateLimiterMemory({
      keyPrefix: 'client-auth-failures',
      points: env.FAILED_AUTH_LIMIT,
      duration: env.FAILED_AUTH_WINDOW_SECONDS,
      blockDuration: env.FAILED_AUTH_BLOCK_SECONDS,
    });
  }

  /** Seconds to wait when this client id or address is blocked, otherwise 0. */
  async retryAfter(clientId: string | undefined, ip: string): Promise<number> {
    const keys = [`ip:${ip}`, ...(clientId ? [`client:${clientId}`] : [])];
    let wait = 0;
    for (const key of keys) {
      const res = await this.limiter.get(key);
      if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0)
        wait = Math.max(wait, Math.ceil(res.msBeforeNext / 1000));
    }
    return wait;
  }

  /** Records one failure; the secret is never logged, only who and why. */
  async recordFailure(clientId: string | undefined, ip: string, reason: string): Promise<void> {
    this.logger.warn({ clientId, ip, reason }, 'client authentication failed');
    const keys = [`ip:${ip}`, ...(clientId ? [`client:${clientId}`] : [])];
    for (const key of keys) {
      await this.limiter.consume(key).catch((res: unknown) => {
        if (!(res instanceof RateLimiterRes)) throw res;
      });
    }
  }
}
