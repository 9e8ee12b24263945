import { DynamicModule, Global, Module, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CALLER_ERROR_CODES, type CallerErrorCodes } from '../auth/guards';
import { DatabaseModule } from '../database/database.module';
import type { ServiceDatabase } from '../database/data-source.options';
import { HealthController } from '../health/health.controller';
import { ConnectionDrainer } from '../http/connection-drainer';
import { LoggingModule } from '../logging/logging.module';
import { CommonEnv, loadEnv } from './env';

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
    const envProvider = { provide: options.env, useFactory: () => loadEnv(options.env) };
    const commonProviders =
      options.env === (CommonEnv as Type<unknown>)
        ? []
        : [{ provide: CommonEnv, useExisting: options.env }];
    const callerCodes = options.callerErrorCodes
      ? [{ provide: CALLER_ERROR_CODES, useValue: options.callerErrorCodes }]
      : [];
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
      exports: [options.env, CommonEnv, ...callerCodes],
    };
  }
}
