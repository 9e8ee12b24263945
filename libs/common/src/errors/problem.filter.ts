import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { HttpAdapterHost } from '@nestjs/core';
import { discardBody } from '../http/oversized-body';
import { transactionIdOf } from '../http/transaction-id';
import { DomainError } from './domain-error';
import {
  PROBLEM_CONTENT_TYPE,
  codeFor,
  problemType,
  titleFor,
  type ProblemDocument,
} from './problem';
import { ProblemException } from './problem.exception';

/** Fastify's own refusals of a request (body parsing, routing), mapped to what the client did wrong. */
const FASTIFY_ERRORS: Record<string, { code: string; detail: string }> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_BODY', detail: 'The request body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'MALFORMED_BODY',
    detail: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    detail: 'The request body is too large.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'The content type is not supported.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'MALFORMED_BODY',
    detail: 'The request size did not match Content-Length.',
  },
  // The router's refusal of a path parameter over maxParamLength (100), a 414 of its own.
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG', detail: 'A path parameter is too long.' },
};

function clientError(e: unknown): { status: number; code: string; detail: string } | undefined {
  const err = e as { statusCode?: unknown; code?: unknown; name?: unknown } | undefined;
  if (
    !(e instanceof Error) ||
    typeof err?.statusCode !== 'number' ||
    err.statusCode < 400 ||
    err.statusCode >= 500
  )
    return undefined;
  const known = typeof err.code === 'string' ? FASTIFY_ERRORS[err.code] : undefined;
  if (known) return { status: err.statusCode, ...known };
  if (err.name === 'SyntaxError')
    return { status: 400, code: 'MALFORMED_BODY', detail: 'The request body is not valid JSON.' };
  // Any other refusal of Fastify's own keeps its 4xx (its message may quote the request: not sent).
  if (typeof err.code === 'string' && err.code.startsWith('FST_ERR_'))
    return {
      status: err.statusCode,
      code: codeFor(err.statusCode),
      detail: 'The request was refused.',
    };
  return undefined;
}

/** What a client is told to wait when the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** SQLSTATEs of a database that cannot serve: connection exceptions, shutdown, no room. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;
/** Socket-level failures reaching PostgreSQL. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * What pg and TypeORM say, without a code, when the connection is gone or cannot be had:
 * terminated connections, the pool's acquisition timeout, a client or pool no longer usable,
 * a database refusing connections (SQLSTATE 55000, which other failures share), TypeORM's
 * data source not connected.
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /is not queryable/,
  /Cannot use a pool after calling end/,
  /is not currently accepting connections/,
];
const UNAVAILABLE_ERROR_NAMES = new Set([
  'CannotExecuteNotConnectedError',
  'ConnectionIsNotSetError',
  'CannotGetEntityManagerNotConnectedError',
]);

/**
 * Whether `e` says the database could not be reached or dropped the connection (an outage), as
 * opposed to a query that failed (a bug, answered 500). Follows TypeORM's `driverError`, not
 * `cause`: a failed call to another service (fetch's cause ECONNREFUSED) stays a 500.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof err.code === 'string') {
    if (UNAVAILABLE_SQLSTATE.test(err.code) || UNAVAILABLE_SOCKET_CODES.has(err.code)) return true;
  }
  if (typeof err.name === 'string' && UNAVAILABLE_ERROR_NAMES.has(err.name)) return true;
  if (
    typeof err.message === 'string' &&
    UNAVAILABLE_MESSAGES.some((m) => m.test(err.message as string))
  )
    return true;
  const { driverError } = e as { driverError?: unknown };
  return driverError !== e && isDatabaseUnavailable(driverError);
}

export interface ResolvedProblem {
  status: number;
  document: Omit<ProblemDocument, 'transactionId'>;
  headers: Record<string, string>;
}

/** Turns anything thrown into a problem document; unknown errors become a bare 500. */
export function resolveProblem(exception: unknown): ResolvedProblem {
  const make = (
    status: number,
    code: string,
    detail: string,
    extra: Partial<ProblemDocument> = {},
    headers: Record<string, string> = {},
  ): ResolvedProblem => ({
    status,
    document: { type: problemType(code), title: titleFor(status), status, detail, code, ...extra },
    headers,
  });

  if (exception instanceof DomainError) {
    const { errors, headers, extensions } = exception.options;
    return make(
      exception.status,
      exception.code,
      exception.detail,
      { ...(errors ? { errors } : {}), ...extensions },
      headers,
    );
  }
  if (exception instanceof ProblemException) {
    const { errors, headers, extensions, detail } = exception.problem;
    const resolved = make(
      exception.getStatus(),
      exception.code,
      detail,
      { ...(errors ? { errors } : {}), ...extensions },
      headers,
    );
    resolved.document.title = exception.title;
    return resolved;
  }
  // Fastify's body parsing failures (FST_ERR_CTP_*, a JSON SyntaxError) carry their 4xx status.
  const fastifyError =
    clientError(exception) ??
    (exception instanceof HttpException ? clientError(exception.cause) : undefined);
  if (fastifyError) return make(fastifyError.status, fastifyError.code, fastifyError.detail);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : exception.message;
    return make(status, codeFor(status), status >= 500 ? 'An unexpected error occurred.' : message);
  }
  if (isDatabaseUnavailable(exception))
    return make(
      503,
      'SERVICE_UNAVAILABLE',
      'The service is temporarily unavailable; retry later.',
      {},
      { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    );
  return make(500, 'INTERNAL_ERROR', 'An unexpected error occurred.');
}

/** The Node request under Fastify's request object (or the Node request itself). */
export const rawRequestOf = (req: unknown): IncomingMessage =>
  (req as { raw?: IncomingMessage }).raw ?? (req as IncomingMessage);

/**
 * The one place every non-OAuth failure becomes `application/problem+json` (RFC 9457).
 * Written against Nest's HTTP adapter rather than Fastify's reply.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(
    private readonly adapterHost: Pick<HttpAdapterHost, 'httpAdapter'>,
    /** The platform's body limit (BODY_LIMIT_BYTES): bounds what is read of an oversized body. */
    private readonly bodyLimit = 1_048_576,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void | Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    const http = host.switchToHttp();
    const req = http.getRequest<unknown>();
    const res = http.getResponse<unknown>();
    const problem = resolveProblem(exception);
    const transactionId = transactionIdOf(req);
    if (problem.status === 503) {
      this.logger.error({ err: exception, transactionId }, 'database unavailable');
    } else if (problem.status >= 500) {
      this.logger.error({ err: exception, transactionId }, 'unhandled error');
    }
    const send = () => {
      if (adapter.isHeadersSent(res)) {
        adapter.end(res);
        return;
      }
      for (const [name, value] of Object.entries(problem.headers))
        adapter.setHeader(res, name, value);
      adapter.setHeader(res, 'Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
      adapter.reply(res, JSON.stringify({ ...problem.document, transactionId }), problem.status);
    };
    if (problem.status !== 413) return send();
    // The client may still be sending: read the rest (bounded) so that it reads this answer.
    const raw = rawRequestOf(req);
    adapter.setHeader(res, 'Connection', 'close');
    return discardBody(raw, this.bodyLimit, raw.headers['content-length']).then(send);
  }
}
