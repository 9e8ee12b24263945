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

/** Structured JSON logs; every line of a request carries its `transactionId`. */
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
                // Bound to the request's logger, so every line logged while serving it carries the id.
                customProps: (req: IncomingMessage) => ({ transactionId: req.transactionId }),
                redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
                serializers: {
                  // The query string can carry a token (DELETE /revoke?token=); log the path only.
                  req: (req: { method: string; url: string; remoteAddress?: string }) => ({
                    method: req.method,
                    path: req.url.split('?')[0],
                    remoteAddress: req.remoteAddress,
                  }),
                  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
                },
                autoLogging: {
                  ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health'),
                },
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
