import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
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
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    let error: OAuthError;
    if (exception instanceof OAuthError) {
      error = exception;
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      error = new OAuthError('invalid_request', exception.message, exception.getStatus());
    } else {
      this.logger.error({ err: exception, transactionId: req.transactionId }, 'unhandled error');
      error = new OAuthError('server_error', 'An unexpected error occurred.', 500);
    }
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res
      .status(error.status)
      .setHeader('Cache-Control', 'no-store')
      .setHeader('Pragma', 'no-cache')
      .json({ error: error.error, error_description: error.description });
  }
}
