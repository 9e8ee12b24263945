import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { AccessPrincipal } from '@app/common';
import type { FastifyRequest } from 'fastify';
import { RegistrationThrottle } from './registration-throttle.service';

/**
 * The registration throttle in front of the route. Runs after the bearer guards, so only
 * authenticated calls count against a client; the address is Fastify's `ip` (X-Forwarded-For
 * only from TRUSTED_PROXIES).
 */
@Injectable()
export class RegistrationThrottleGuard implements CanActivate {
  constructor(private readonly throttle: RegistrationThrottle) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: AccessPrincipal }>();
    await this.throttle.check(req.user?.clientId ?? 'anonymous', req.ip);
    return true;
  }
}
