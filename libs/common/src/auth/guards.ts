import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  Optional,
  SetMetadata,
  UseGuards,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiAuth } from '../bootstrap/openapi-meta';
import { ProblemException } from '../errors/problem.exception';
import { InvalidTokenError } from './bearer.strategy';
import { BEARER_PASSPORT, BEARER_STRATEGY, type BearerPassport } from './ports';
import { isCustomerPrincipal, type AccessPrincipal } from './principal';
import { PLATFORM_INSTITUTION_ID, type ScopeName } from './scopes';

export const REQUIRED_SCOPES = 'required_scopes';
export const CALLER_KIND = 'caller_kind';
export const INSTITUTION_HEADER = 'institutionId';
export const BEARER_SECURITY = 'bearer';

/** The request, as far as the guards read it. */
type AuthedRequest = {
  headers: Record<string, string | string[] | undefined>;
  user?: AccessPrincipal;
};

const invalidToken = (description: string) =>
  new ProblemException(401, {
    code: 'INVALID_TOKEN',
    detail: description,
    headers: {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"`,
    },
  });

/**
 * Runs this app's BearerStrategy (passport-jwt) and sets `request.user`; any unusable token
 * answers 401 in the contract's shape, with RFC 6750's WWW-Authenticate.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(@Inject(BEARER_PASSPORT) private readonly passport: BearerPassport) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthedRequest>();
    return new Promise((resolve, reject) => {
      const verdict = (err: unknown, user: AccessPrincipal | false, info: unknown) => {
        if (user) {
          req.user = user;
          return resolve(true);
        }
        reject(refusal(err ?? info));
      };
      const authenticate = this.passport.authenticate(BEARER_STRATEGY, { session: false }, verdict);
      authenticate(req, http.getResponse(), (err) => reject(refusal(err)));
    });
  }
}

/** The 401 for a token the strategy did not accept, and why. */
function refusal(reason: unknown): ProblemException {
  if (reason instanceof InvalidTokenError) return invalidToken(reason.message);
  const name = (reason as { name?: string } | undefined)?.name;
  if (name === 'TokenExpiredError') return invalidToken('The access token expired.');
  if (reason instanceof Error && /no auth token/i.test(reason.message)) {
    return invalidToken('A bearer access token is required.');
  }
  return invalidToken('The access token is invalid.');
}

/** The scopes a route lists, and whether it needs all of them or any one. */
interface ScopeRule {
  scopes: string[];
  anyOf: boolean;
}

/**
 * 403 `insufficient_scope` unless the token holds every scope the route lists
 * (`RequireScopes`), or at least one of them (`RequireAnyScope`).
 */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.getAllAndOverride<ScopeRule | undefined>(REQUIRED_SCOPES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) return true;
    const held = context.switchToHttp().getRequest<AuthedRequest>().user?.scopes;
    const has = (s: string) => held?.has(s) ?? false;
    if (rule.anyOf ? rule.scopes.some(has) : rule.scopes.every(has)) return true;
    const listed = rule.scopes.join(' ');
    throw new ProblemException(403, {
      code: 'INSUFFICIENT_SCOPE',
      detail: rule.anyOf
        ? `This operation needs one of the scopes: ${listed}.`
        : `This operation needs the scope(s): ${listed}.`,
      headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${listed}"` },
    });
  }
}

/** An `institutionId` header must name the token's own FI. */
@Injectable()
export class InstitutionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers[INSTITUTION_HEADER.toLowerCase()];
    if (header !== undefined && header !== req.user?.institutionId) {
      throw new ProblemException(403, {
        code: 'INSTITUTION_MISMATCH',
        detail: 'The institutionId header does not match the institution of the access token.',
      });
    }
    return true;
  }
}

/**
 * Who a route is for. Scopes alone are not enough: an FI's mobile app may hold the same scopes
 * as its server, so a customer's password-grant token must not reach FI-wide data with them.
 * - `app`: an FI's application or the platform's (client credentials); the default.
 * - `customer`: a customer's own token only (the `me` routes).
 * - `app-or-customer`: both; with a customer's token the route answers for that customer alone,
 *   which the route's service enforces (docs/SECURITY.md).
 * - `platform`: the platform's own clients (internal routes).
 */
export type CallerKind = 'app' | 'customer' | 'app-or-customer' | 'platform';

/** The codes a service answers when the caller is of the wrong kind (stable per service). */
export interface CallerErrorCodes {
  appTokenRequired: string;
  customerTokenRequired: string;
  platformTokenRequired: string;
}

export const CALLER_ERROR_CODES = Symbol('CALLER_ERROR_CODES');

export const DEFAULT_CALLER_ERROR_CODES: CallerErrorCodes = {
  appTokenRequired: 'APP_TOKEN_REQUIRED',
  customerTokenRequired: 'CUSTOMER_TOKEN_REQUIRED',
  platformTokenRequired: 'PLATFORM_TOKEN_REQUIRED',
};

const wrongCaller = (code: string, detail: string) => new ProblemException(403, { code, detail });

/** 403 unless the token is of the kind the route is for (`app` when the route says nothing). */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Optional()
    @Inject(CALLER_ERROR_CODES)
    private readonly codes: CallerErrorCodes = DEFAULT_CALLER_ERROR_CODES,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const kind =
      this.reflector.getAllAndOverride<CallerKind | undefined>(CALLER_KIND, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'app';
    const principal = context.switchToHttp().getRequest<AuthedRequest>().user;
    if (!principal) throw invalidToken('A bearer access token is required.');
    const isCustomer = isCustomerPrincipal(principal);
    switch (kind) {
      case 'app':
        if (isCustomer)
          throw wrongCaller(
            this.codes.appTokenRequired,
            "This operation is for the FI's application, not a customer's token.",
          );
        return true;
      case 'customer':
        if (!isCustomer)
          throw wrongCaller(
            this.codes.customerTokenRequired,
            "This operation needs a customer's token (password grant).",
          );
        return true;
      case 'platform':
        if (isCustomer || principal.institutionId !== PLATFORM_INSTITUTION_ID)
          throw wrongCaller(
            this.codes.platformTokenRequired,
            "This operation is for the platform's own services.",
          );
        return true;
      case 'app-or-customer':
        return true;
    }
  }
}

/*
 * In OpenAPI (bootstrap/openapi.ts): an OAuth 2.0 security requirement with the route's scopes
 * (client credentials; the password grant too where the route admits customers, see Callers),
 * and the 401/403 problems the guards answer.
 */
const scopeGuards = (rule: ScopeRule) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES, rule),
    UseGuards(BearerAuthGuard, ScopesGuard, InstitutionGuard, CallerGuard),
    ApiAuth({ scopes: rule.scopes, anyOf: rule.anyOf }),
  );

/**
 * Guards a route (or controller) with a verified bearer token holding every listed scope,
 * confined to the token's institution, from an app (not a customer's token: see `ForCaller`),
 * and documents that in OpenAPI.
 */
export const RequireScopes = (...scopes: string[]) => scopeGuards({ scopes, anyOf: false });

/**
 * As RequireScopes, but any one of the scopes will do (an FI's own scope, or the platform's
 * internal one, say).
 */
export const RequireAnyScope = (...scopes: string[]) => scopeGuards({ scopes, anyOf: true });

/** Names who a route guarded by RequireScopes or RequireAnyScope is for (default `app`). */
export const Callers = (kind: CallerKind) =>
  applyDecorators(SetMetadata(CALLER_KIND, kind), ApiAuth({ kind }));

/** A route for one kind of caller holding every listed scope. */
export const ForCaller = (kind: CallerKind, ...scopes: ScopeName[]) =>
  applyDecorators(RequireScopes(...scopes), Callers(kind));

/** The verified caller of a route guarded by RequireScopes. */
export const Principal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AccessPrincipal => {
    const principal = context.switchToHttp().getRequest<AuthedRequest>().user;
    if (!principal) throw invalidToken('A bearer access token is required.');
    return principal;
  },
);
