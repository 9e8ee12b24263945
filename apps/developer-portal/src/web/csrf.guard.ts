import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { csrfValid } from './install-web';
import { PortalErrors } from './portal-errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every state-changing request carries the page's CSRF token (the layout's forms have it as the
 * hidden field `_csrf`; scripts send it as `x-csrf-token`, read from `<meta name="csrf-token">`).
 * Global: a new form or endpoint is protected without doing anything.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (SAFE_METHODS.has(request.method)) return true;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    if (!(await csrfValid(fastify, request))) throw PortalErrors.csrfRefused();
    return true;
  }
}
