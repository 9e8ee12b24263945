import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  discardBody,
  isDatabaseUnavailable,
  transactionIdOf,
} from '@app/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FORM_BODY_LIMIT_BYTES } from './form-limit';
import { OAuthError } from './oauth.error';

/** The endpoints that answer in RFC 6749's shape (the form-encoded ones). */
const OAUTH_PATH = /^\/oauth2\/v1\/(?:token|introspect|revoke)(?:[/?]|$)/;

/**
 * OAuth endpoints answer in RFC 6749's shape, never problem+json: standard OAuth client
 * libraries parse `error` and `error_description`.
 */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost): void | Promise<void> {
    const http = host.switchToHttp();
    const res = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    const error = this.toOAuthError(exception, req);
    const send = () =>
      void res
        .status(error.status)
        .headers({ ...error.headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' })
        .send({ error: error.error, error_description: error.description });
    if (error.status !== 413) return send();
    // The client may still be sending: read the rest (bounded) so that it reads this answer.
    void res.header('Connection', 'close');
    return discardBody(req.raw, FORM_BODY_LIMIT_BYTES, req.headers['content-length']).then(send);
  }

  private toOAuthError(exception: unknown, req: FastifyRequest): OAuthError {
    if (exception instanceof OAuthError) return exception;
    // Nest's own, including body parsing failures (a form too large to read: 413).
    if (exception instanceof HttpException && exception.getStatus() < 500)
      return new OAuthError('invalid_request', exception.message, exception.getStatus());
    const transactionId = transactionIdOf(req);
    if (isDatabaseUnavailable(exception)) {
      this.logger.error({ err: exception, transactionId }, 'database unavailable');
      return new OAuthError(
        'temporarily_unavailable',
        'The service is temporarily unavailable; retry later.',
        503,
        { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
      );
    }
    this.logger.error({ err: exception, transactionId }, 'unhandled error');
    return new OAuthError('server_error', 'An unexpected error occurred.', 500);
  }
}

/**
 * Failures before a route runs (a form too large to read) reach only the global filters: this
 * one answers them on the OAuth endpoints in RFC 6749's shape too, and leaves every other path
 * to the problem filter. Registered after the ProblemFilter, so tried first.
 */
@Catch()
export class OAuthPathsFilter implements ExceptionFilter {
  constructor(
    private readonly oauth: OAuthErrorFilter,
    private readonly problems: ExceptionFilter,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const filter = OAUTH_PATH.test(req.url) ? this.oauth : this.problems;
    return filter.catch(exception, host);
  }
}
