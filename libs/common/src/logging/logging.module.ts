import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { CommonEnv } from '../config/env';
import { censorChildBindings, redactor } from './redaction';

/** Paths never written to a log line, whatever a handler logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.client_secret',
  '*.clientSecret',
  '*.ssn',
  '*.refresh_token',
  '*.access_token',
  '*.token',
  // A failed query's parameters and detail can hold personal data.
  'err.parameters',
  'err.detail',
  'err.driverError',
];

/**
 * The request's own URL: under Fastify, middleware sees `url` relative to the route pattern it
 * matched, the full one in `originalUrl` (RequestLog runs before any: `url` is the full one).
 */
const urlOf = (req: IncomingMessage): string =>
  (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';

/**
 * Requests made every few seconds by machines, not callers: health probes, and the revocation
 * feed and JWKS that every resource server polls. Logged at debug, unless they fail (>= 500).
 */
export const QUIET_PATHS: readonly string[] = [
  '/health',
  '/oauth2/v1/revocations',
  '/.well-known/jwks.json',
  '/metrics',
];

/** Whether a request path (no query) is one of QUIET_PATHS or under one. */
export function isQuietPath(path: string): boolean {
  return QUIET_PATHS.some((quiet) => path === quiet || path.startsWith(`${quiet}/`));
}

/** The level of a request's completion line: error for failures, debug for QUIET_PATHS. */
export function requestLogLevel(
  req: IncomingMessage,
  res: { statusCode: number; err?: unknown },
  err?: unknown,
): 'error' | 'debug' | 'info' {
  if (err || res.err || res.statusCode >= 500) return 'error';
  return isQuietPath(urlOf(req).split('?')[0]!) ? 'debug' : 'info';
}

/** What a request log line says of the request. */
function requestView(req: IncomingMessage) {
  return {
    method: req.method,
    // The query string can carry a token (DELETE /revoke?token=); log the path only.
    path: urlOf(req).split('?')[0],
    remoteAddress: req.socket?.remoteAddress,
  };
}

/**
 * The service's pino logger: JSON lines written asynchronously (off the request path; pino
 * flushes on exit), REDACTED_PATHS censored in every line and in every child's bindings.
 */
function rootLogger(service: string, level: string): pino.Logger {
  const redact = redactor(REDACTED_PATHS, '[redacted]');
  const logger = pino(
    { level, base: { service }, formatters: { log: redact, bindings: redact } },
    pino.destination({ dest: 1, sync: false }),
  );
  censorChildBindings(logger, redact);
  return logger;
}

/**
 * Each request's logging context and completion line, started by one Fastify `onRequest` hook
 * (bootstrap.ts) instead of pino-http run as Nest middleware: Fastify's middleware engine
 * matched each middleware's route pattern and wrapped it per request, and pino-http built its
 * full request and response views (headers included) only for the serializers to read one
 * field of each (docs/BENCHMARKS.md, auth-server).
 */
@Injectable()
export class RequestLog {
  constructor(private readonly context: PinoLogger) {}

  /**
   * Runs `next` (the rest of the request) in a logging context whose logger is bound to the
   * request's `transactionId`, so every line logged while serving it carries the id; writes the
   * completion line when the response is finished, closed or fails.
   */
  start(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    this.context.runInContext(
      () => {
        const log = this.context.logger;
        const startedAt = Date.now();
        const complete = (err?: unknown): void => {
          res.off('close', complete);
          res.off('finish', complete);
          res.off('error', complete);
          const level = requestLogLevel(req, res, err);
          if (!log.isLevelEnabled(level)) return;
          const responseTime = Date.now() - startedAt;
          const view = requestView(req);
          const failure =
            err ??
            res.err ??
            (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : null);
          if (failure) {
            log[level](
              { req: view, traceId: req.traceId, res, err: failure, responseTime },
              'request errored',
            );
            return;
          }
          log[level](
            { req: view, traceId: req.traceId, res, responseTime },
            !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted',
          );
        };
        res.on('close', complete);
        res.on('finish', complete);
        res.on('error', complete);
        next();
      },
      // The request itself, written as its transactionId by the serializer below.
      { bindings: { transactionId: req } },
    );
  }
}

/**
 * Structured JSON logs; every line of a request carries its `transactionId`, its completion line
 * its `traceId` too (RequestLog).
 */
@Module({})
export class LoggingModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [CommonEnv],
          useFactory: (env: CommonEnv) => ({
            // No Nest middleware: RequestLog starts each request's logging (bootstrap.ts).
            forRoutes: [],
            pinoHttp: {
              logger: rootLogger(service, env.LOG_LEVEL),
              // The serializers get the objects themselves, not pino-http's views of them.
              wrapSerializers: false,
              serializers: {
                // The request a logging context is bound to (RequestLog): its id.
                transactionId: (req: { transactionId?: string }) => req.transactionId,
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
            },
          }),
        }),
      ],
      providers: [RequestLog],
      exports: [RequestLog],
    };
  }
}
