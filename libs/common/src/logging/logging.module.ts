import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { CommonEnv } from '../config/env';

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
 * matched (here: '/'), the full one in `originalUrl`.
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
 * Structured JSON logs; every line of a request carries its `transactionId`, its completion line
 * its `traceId` too.
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
            // nestjs-pino's default route pattern ('{/*splat}') never matches under Fastify's
            // middleware engine, which left the Fastify services without request logs.
            forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
            pinoHttp: [
              {
                level: env.LOG_LEVEL,
                base: { service },
                genReqId: (req: IncomingMessage) => req.transactionId ?? randomUUID(),
                // The request is bound to its logger as `transactionId` alone (the id, through the
                // serializer below): every line logged while serving it carries the id, for one
                // child logger per request instead of two (half pino-http's cost per request).
                customAttributeKeys: { req: 'transactionId' },
                // The completion line also names the request's W3C trace (telemetry/trace-id.ts).
                customSuccessObject: (req: IncomingMessage, _res: unknown, line: object) => ({
                  req: requestView(req),
                  traceId: req.traceId,
                  ...line,
                }),
                customErrorObject: (
                  req: IncomingMessage,
                  _res: unknown,
                  _err: unknown,
                  line: object,
                ) => ({ req: requestView(req), traceId: req.traceId, ...line }),
                redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
                serializers: {
                  // Fastify gives the raw request an id of its own ('req-1'): read ours.
                  transactionId: (req: { id: string; raw?: IncomingMessage }) =>
                    req.raw?.transactionId ?? req.id,
                  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
                },
                customLogLevel: requestLogLevel,
              },
              // Asynchronous writes keep logging off the request path; pino flushes on exit.
              pino.destination({ dest: 1, sync: false }),
            ],
          }),
        }),
      ],
    };
  }
}
