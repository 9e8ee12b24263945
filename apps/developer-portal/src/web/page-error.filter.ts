import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { DomainError } from '@app/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalEnv } from '../config/portal.env';
import type {} from './portal-request';
import { portalPath } from './portal-request';

/** Delegate for answers that stay problem+json (health, scripts asking for JSON). */
interface JsonFilter {
  catch(exception: unknown, host: ArgumentsHost): void;
}

const TITLES: Record<number, string> = {
  400: 'Something is wrong with that request',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too much data',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/**
 * Errors of the portal's pages as pages: the layout with a title and what to do, the right
 * status, never a stack trace. A page that needs a session sends a browser (GET) to the log-in
 * page and back. Health probes and requests that ask for JSON keep the platform's problem+json.
 */
@Catch()
export class PageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('PageErrorFilter');

  constructor(
    private readonly env: PortalEnv,
    private readonly json: JsonFilter,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const wantsJson =
      request.url.startsWith('/health/') ||
      (request.headers.accept ?? '').includes('application/json') ||
      (request.headers.accept ?? '').includes('application/problem+json');
    if (wantsJson || typeof (reply as { view?: unknown }).view !== 'function') {
      this.json.catch(exception, host);
      return;
    }
    const { status, detail, code, headers } = this.describe(exception);
    if (code === 'PORTAL_SIGN_IN_REQUIRED' && request.method === 'GET') {
      const next = encodeURIComponent(request.url);
      void reply.redirect(portalPath(this.env, `/login?next=${next}`), 303);
      return;
    }
    if (code === 'PORTAL_PROVISIONING_UNFINISHED' && request.method === 'GET') {
      void reply.redirect(portalPath(this.env, '/welcome'), 303);
      return;
    }
    if (status >= 500) this.logger.error({ err: exception, url: request.url }, 'page failed');
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.status(status).view('web/views/error', {
      title: TITLES[status] ?? 'Something went wrong',
      status,
      detail,
      code,
    });
  }

  private describe(exception: unknown): {
    status: number;
    detail: string;
    code: string;
    headers: Record<string, string>;
  } {
    if (exception instanceof DomainError) {
      return {
        status: exception.status,
        detail: exception.detail,
        code: exception.code,
        headers: exception.options.headers ?? {},
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        status,
        detail:
          status === 404
            ? 'There is no such page.'
            : status < 500
              ? 'The request could not be handled.'
              : 'Something went wrong on our side. Please try again in a moment.',
        code: status === 404 ? 'PORTAL_NOT_FOUND' : `HTTP_${status}`,
        headers: {},
      };
    }
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return {
        status: fastifyStatus,
        detail: 'The request could not be handled.',
        code: `HTTP_${fastifyStatus}`,
        headers: {},
      };
    }
    return {
      status: 500,
      detail: 'Something went wrong on our side. Please try again in a moment.',
      code: 'INTERNAL',
      headers: {},
    };
  }
}
