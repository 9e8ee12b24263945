import {
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  PLATFORM_INSTITUTION_ID,
  RequireScopes,
  type AccessPrincipal,
  type ScopeName,
} from '@app/common';
import type { Request } from 'express';
import { CustomerErrors } from '../customers/customer.errors';

/**
 * Which kind of token a route is for. Scopes alone are not enough: an FI's mobile app usually
 * holds `customers:read`, so a customer's password-grant token may carry it too, and must not
 * reach another customer's profile with it.
 */
export type CallerKind = 'app' | 'customer' | 'app-or-customer' | 'platform';

const CALLER_KIND = 'customer-service:caller-kind';

@Injectable()
export class CallerGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const kind = this.reflector.get<CallerKind | undefined>(CALLER_KIND, context.getHandler());
    const principal = context
      .switchToHttp()
      .getRequest<Request & { user?: AccessPrincipal }>().user;
    if (!kind || !principal) return false;
    const isPlatform = principal.institutionId === PLATFORM_INSTITUTION_ID;
    const isCustomer = principal.loginId !== undefined;
    switch (kind) {
      case 'platform':
        if (!isPlatform) throw CustomerErrors.internalTokenRequired();
        return true;
      case 'customer':
        if (!isCustomer) throw CustomerErrors.customerTokenRequired();
        return true;
      case 'app':
        if (isCustomer) throw CustomerErrors.appTokenRequired();
        return true;
      case 'app-or-customer':
        return true;
    }
  }
}

/**
 * A route for one kind of caller holding every listed scope. The caller check runs after the
 * bearer, scope and institution guards of RequireScopes (guards run in the order listed).
 */
export const ForCaller = (kind: CallerKind, ...scopes: ScopeName[]) =>
  applyDecorators(RequireScopes(...scopes), SetMetadata(CALLER_KIND, kind), UseGuards(CallerGuard));
