import type { AddressInfo } from 'node:net';
import {
  Module,
  ValidationPipe,
  type DynamicModule,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { CommonEnv, type EnvSource } from '../config/env';
import { EnvSourceModule } from '../config/platform.module';
import { trustedProxyMatcher } from '../config/trusted-proxies';
import { ProblemFilter } from '../errors/problem.filter';
import { validationProblem } from '../errors/validation';
import { boundedFastifyJsonParser } from '../http/json-body';
import { TRANSACTION_ID_HEADER, transactionIdMiddleware } from '../http/transaction-id';
import { fastifyFrameworkErrors } from '../http/undecodable-url';
import { RequestLog } from '../logging/logging.module';
import { Metrics, MetricsModule, type ObservablePool } from '../metrics/metrics';
import { serveMetrics } from '../metrics/metrics.endpoint';
import { traceIdMiddleware } from '../telemetry/trace-id';
import {
  InputTextGuard,
  invalidTextProblem,
  type InputProblem,
} from '../validation/input-text.guard';
import { appCallerCodes, docsEnv, finishDocument, setupDocs } from './openapi';

interface CommonOptions {
  /** Used in the OpenAPI document. */
  title: string;
  description: string;
  version?: string;
  /**
   * The setting of the service's typed config holding its port, e.g. AUTH_PORT (declared with
   * @IsPortSetting() and its default in the app's env class).
   */
  portEnv: string;
  /** Overrides the port (0 = any free port; e2e tests use it). */
  port?: number;
  /**
   * Where the service's config is read from instead of process.env: a service started
   * in-process (tests, scripts/local-platform.ts) gets exactly this record.
   */
  env?: EnvSource;
  /** The answer to unsafe text in a request (InputTextGuard); a 400 problem by default. */
  inputProblem?: InputProblem;
  /**
   * Also serve the platform's whole API reference (/reference: every service's operations in one
   * document, Swagger UI); the auth-server does.
   */
  reference?: boolean;
}

/**
 * Browsers may call the APIs from another local origin in sandbox mode only: Swagger UI at
 * localhost:3002/docs gets its token from localhost:3001, /reference calls every service. No
 * cookies are involved (credentials are not allowed), so this grants no page more than it has.
 */
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Every service runs on Fastify. */
export type BootstrapOptions = CommonOptions & {
  /** Extra app setup, run after the JSON parser (e.g. more parsers, error mapping). */
  configure?: (app: NestFastifyApplication) => void;
};

export interface RunningService {
  app: INestApplication;
  url: string;
  port: number;
}

/** Applies everything a service needs over HTTP; shared by main.ts and the e2e tests. */
export function configureApp(app: NestFastifyApplication, options: BootstrapOptions): void {
  const env = app.get(CommonEnv);
  app.useLogger(app.get(Logger));
  startRequests(app);
  serveMetrics(app, app.get(Metrics), { token: env.METRICS_TOKEN });
  observeDatabasePool(app);
  // First, so that a filter a service adds in `configure` is tried before it (last added, first tried).
  app.useGlobalFilters(new ProblemFilter(app.get(HttpAdapterHost), env.BODY_LIMIT_BYTES));
  app.useBodyParser(
    ['application/json', 'application/*+json'],
    { bodyLimit: env.BODY_LIMIT_BYTES },
    boundedFastifyJsonParser(app.getHttpAdapter().getInstance()),
  );
  options.configure?.(app);
  // Before every route's own guards, pipes and handler.
  app.useGlobalGuards(new InputTextGuard(options.inputProblem));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: validationProblem,
    }),
  );
  app.enableShutdownHooks();

  // Off in production unless DOCS_ENABLED: /docs and /docs-json then answer 404 as any unknown path.
  if (!env.docsEnabled) return;
  const docs = docsEnv(options.env);
  if (docs.sandbox) {
    app.enableCors({
      origin: (origin: string | undefined, done: (err: Error | null, allow: boolean) => void) =>
        done(null, origin !== undefined && LOOPBACK_ORIGIN.test(origin)),
      credentials: false,
      exposedHeaders: [
        TRANSACTION_ID_HEADER,
        'Location',
        'ETag',
        'Retry-After',
        'WWW-Authenticate',
      ],
      maxAge: 600,
    });
  }
  const tokenUrl = `${docs.AUTH_ISSUER.replace(/\/$/, '')}/oauth2/v1/token`;
  const document = finishDocument(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(options.title)
        .setDescription(options.description)
        .setVersion(options.version ?? '1.0')
        .setLicense('UNLICENSED', 'https://spdx.org/licenses/')
        .addGlobalParameters({
          name: TRANSACTION_ID_HEADER,
          in: 'header',
          required: false,
          description: 'UUID tracing the call; echoed in the response and generated when absent',
          schema: { type: 'string', format: 'uuid' },
        })
        .build(),
    ),
    { tokenUrl, callerCodes: appCallerCodes(app) },
  );
  setupDocs(app, document, docs, { reference: options.reference, tokenUrl });
}

const proceed = () => undefined;

/**
 * What every request gets first, in one Fastify `onRequest` hook (also for unmatched routes):
 * its transactionId, its trace id and its logging context. As Nest middleware these ran through
 * Fastify's middleware engine, which matched each one's route pattern per request.
 */
function startRequests(app: NestFastifyApplication): void {
  const requestLog = app.get(RequestLog);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      transactionIdMiddleware(request.raw, reply.raw, proceed);
      traceIdMiddleware(request.raw, reply.raw, proceed);
      requestLog.start(request.raw, reply.raw, done);
    });
}

/** The TypeORM pool (pg.Pool) of the service, when it has one, as db_pool_connections{pool="main"}. */
function observeDatabasePool(app: NestFastifyApplication): void {
  let dataSource: { driver?: { master?: unknown } } | undefined;
  try {
    dataSource = app.get(DataSource, { strict: false });
  } catch {
    return;
  }
  const pool = dataSource?.driver?.master as ObservablePool | undefined;
  if (pool && typeof pool.idleCount === 'number') app.get(Metrics).observePool('main', pool);
}

/** The app's module, under a root that provides its explicit config source when it has one. */
function rootModule(
  module: Type<unknown>,
  options: BootstrapOptions,
): Type<unknown> | DynamicModule {
  // Every service gets its own Metrics (one registry per app instance).
  @Module({})
  class ServiceRoot {}
  return {
    module: ServiceRoot,
    imports: [...(options.env ? [EnvSourceModule.of(options.env)] : []), MetricsModule, module],
  };
}

/**
 * Startup failures (a bad configuration above all) are thrown to the caller, which reports them
 * (reportStartupFailure), instead of Nest printing them itself and exiting. What Nest logs while
 * creating the app is buffered and written through the service's logger once it is set.
 */
const creationOptions = { bufferLogs: true, abortOnError: false, logger: false } as const;

/** The port the service listens on: options.port, else its port setting. */
function portOf(env: CommonEnv, options: BootstrapOptions): number {
  if (options.port !== undefined) return options.port;
  const port = (env as unknown as Record<string, unknown>)[options.portEnv];
  if (typeof port !== 'number') {
    throw new Error(`${options.portEnv} is not a port setting of ${env.constructor.name}`);
  }
  return port;
}

async function create(
  module: Type<unknown>,
  options: BootstrapOptions,
): Promise<NestFastifyApplication> {
  const root = rootModule(module, options);
  // The adapter exists before the app's validated config; nothing is trusted until it is read.
  let trusted: (address: string) => boolean = () => false;
  const adapter = new FastifyAdapter({
    trustProxy: (address: string) => trusted(address),
    bodyLimit: 1_048_576,
    frameworkErrors: fastifyFrameworkErrors(options.inputProblem ?? invalidTextProblem),
  });
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    ...creationOptions,
    bodyParser: false,
  });
  trusted = trustedProxyMatcher(app.get(CommonEnv).TRUSTED_PROXIES);
  return app;
}

/** Creates, configures and starts one service. */
export async function bootstrap(
  module: Type<unknown>,
  options: BootstrapOptions,
): Promise<RunningService> {
  const app = await create(module, options);
  const env = app.get(CommonEnv);
  configureApp(app, options);
  try {
    // A port already taken: stop what started with the app (pollers, pools) before giving up.
    await app.listen(portOf(env, options), env.HOST);
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, port: address.port, url: `http://127.0.0.1:${address.port}` };
}
