import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { transactionIdOf } from '@app/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from './oauth.error';

/**
 * OAuth endpoints answer in RFC 6749's shape, never problem+json: standard OAuth client
 * libraries parse `error` and `error_description`.
 */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    let error: OAuthError;
    if (exception instanceof OAuthError) {
      error = exception;
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      error = new OAuthError('invalid_request', exception.message, exception.getStatus());
    } else {
      this.logger.error({ err: exception, transactionId: transactionIdOf(req) }, 'unhandled error');
      error = new OAuthError('server_error', 'An unexpected error occurred.', 500);
    }
    void res
      .status(error.status)
      .headers({ ...error.headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' })
      .send({ error: error.error, error_description: error.description });
  }
}
