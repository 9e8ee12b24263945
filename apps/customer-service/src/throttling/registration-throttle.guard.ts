import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { AccessPrincipal } from '@app/common';
import type { Request } from 'express';
import { CustomerEnv } from '../config/customer.env';
import { CustomerErrors } from '../customers/customer.errors';
import { RateLimiterService } from './rate-limiter.service';

/**
 * Registrations per client and per client address (429 `CUS_RATE_LIMITED` with Retry-After).
 * Runs after the bearer guards, so only authenticated calls count against a client.
 */
@Injectable()
export class RegistrationThrottleGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiterService,
    private readonly env: CustomerEnv,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { user?: AccessPrincipal }>();
    const windowSeconds = this.env.REGISTRATION_WINDOW_SECONDS;
    const wait = await this.limiter.hit([
      {
        bucket: `registration:client:${req.user?.clientId ?? 'anonymous'}`,
        max: this.env.REGISTRATION_LIMIT_PER_CLIENT,
        windowSeconds,
      },
      {
        bucket: `registration:address:${req.ip ?? 'unknown'}`,
        max: this.env.REGISTRATION_LIMIT_PER_ADDRESS,
        windowSeconds,
      },
    ]);
    if (wait > 0) throw CustomerErrors.rateLimited(wait);
    return true;
  }
}
