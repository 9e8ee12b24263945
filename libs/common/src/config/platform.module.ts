import { DynamicModule, Global, Module, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  CALLER_ERROR_CODES,
  DEFAULT_CALLER_ERROR_CODES,
  type CallerErrorCodes,
} from '../auth/guards';
import { DatabaseModule } from '../database/database.module';
import type { ServiceDatabase } from '../database/data-source.options';
import { HealthController } from '../health/health.controller';
import { ConnectionDrainer } from '../http/connection-drainer';
import { LoggingModule } from '../logging/logging.module';
import { CommonEnv, loadEnv, type EnvSource } from './env';

/**
 * The record a service's config is read from when it is not the process environment (a service
 * started in-process by a test or a script); bootstrap({ env }) provides it globally.
 */
export const ENV_SOURCE = Symbol('ENV_SOURCE');

/** Provides ENV_SOURCE to every module of the app it is imported into. */
@Global()
@Module({})
export class EnvSourceModule {
  static of(source: EnvSource): DynamicModule {
    return {
      module: EnvSourceModule,
      global: true,
      providers: [{ provide: ENV_SOURCE, useValue: source }],
      exports: [ENV_SOURCE],
    };
  }
}

export interface PlatformOptions<E extends CommonEnv> {
  /** Service name, written on every log line. */
  service: string;
  /** The service's typed environment; validated once when the app is created. */
  env: Type<E>;
  database: ServiceDatabase;
  /** The service's own stable codes for a token of the wrong kind (see CallerGuard). */
  callerErrorCodes?: CallerErrorCodes;
}

/**
 * What every service has: its typed config, JSON logs, its database schema with migrations
 * applied, health endpoints, and a shutdown that drains its connections.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot<E extends CommonEnv>(options: PlatformOptions<E>): DynamicModule {
    const envProvider = {
      provide: options.env,
      // The explicit source when bootstrap was given one, else the process environment.
      useFactory: (source?: EnvSource) => loadEnv(options.env, source),
      inject: [{ token: ENV_SOURCE, optional: true }],
    };
    const commonProviders =
      options.env === (CommonEnv as Type<unknown>)
        ? []
        : [{ provide: CommonEnv, useExisting: options.env }];
    // Always provided, so the docs and the guard read the same codes (the defaults unless given).
    const callerCodes = [
      {
        provide: CALLER_ERROR_CODES,
        useValue: options.callerErrorCodes ?? DEFAULT_CALLER_ERROR_CODES,
      },
    ];
    return {
      module: PlatformModule,
      global: true,
      imports: [
        LoggingModule.forRoot(options.service),
        DatabaseModule.forRoot(options.database),
        TerminusModule,
      ],
      controllers: [HealthController],
      providers: [envProvider, ...commonProviders, ...callerCodes, ConnectionDrainer],
      exports: [options.env, CommonEnv, CALLER_ERROR_CODES],
    };
  }
}
