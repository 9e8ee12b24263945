import {
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import {
  BEARER_SECURITY,
  BearerAuthGuard,
  InstitutionGuard,
  ProblemException,
  type AccessPrincipal,
} from '@app/common';

const ANY_SCOPES = 'activity_any_scopes';

/** 403 `insufficient_scope` unless the token holds at least one of the listed scopes. */
@Injectable()
export class AnyScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const accepted = this.reflector.get<string[]>(ANY_SCOPES, context.getHandler()) ?? [];
    const principal = context.switchToHttp().getRequest<{ user?: AccessPrincipal }>().user;
    if (accepted.some((s) => principal?.scopes.has(s))) return true;
    throw new ProblemException(403, {
      code: 'INSUFFICIENT_SCOPE',
      detail: `This operation needs one of the scopes: ${accepted.join(' ')}.`,
      headers: {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${accepted.join(' ')}"`,
      },
    });
  }
}

/**
 * Like RequireScopes from @app/common, but any one of the scopes will do: the batch endpoint
 * takes an FI's `banking-activities:write` or the platform's `internal:events:write`.
 */
export const RequireAnyScope = (...scopes: string[]) =>
  applyDecorators(
    SetMetadata(ANY_SCOPES, scopes),
    UseGuards(BearerAuthGuard, AnyScopeGuard, InstitutionGuard),
    ApiBearerAuth(BEARER_SECURITY),
    ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token' }),
    ApiForbiddenResponse({
      description: `Token holds none of ${scopes.join(', ')}, or names another institution`,
    }),
  );
