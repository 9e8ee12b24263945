import { Controller, Get } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/**
 * An app's own readiness check beside the database and migrations (the activity-service's read
 * replica): provide it under READINESS_CHECK; it throws when the dependency is not ready.
 */
export interface ReadinessCheck {
  name: string;
  check(timeoutMs: number): Promise<void>;
}
export const READINESS_CHECK = Symbol('READINESS_CHECK');

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {}

  private extraCheck(): ReadinessCheck | undefined {
    try {
      return this.moduleRef.get<ReadinessCheck>(READINESS_CHECK, { strict: false });
    } catch {
      return undefined;
    }
  }

  @Get('live')
  @ApiOperation({ summary: 'The process is up, and the Node.js version it runs on' })
  live(): { status: 'ok'; node: string } {
    return { status: 'ok', node: process.version };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'The database is reachable and every migration is applied' })
  ready() {
    const extra = this.extraCheck();
    return this.health.check([
      ...(extra
        ? [
            async () => {
              const check = this.indicator.check(extra.name);
              try {
                await extra.check(2000);
                return check.up();
              } catch (err) {
                return check.down({ message: (err as Error).message });
              }
            },
          ]
        : []),
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const check = this.indicator.check('migrations');
        const pending = await this.dataSource.showMigrations();
        return pending ? check.down({ pending: true }) : check.up();
      },
    ]);
  }
}
