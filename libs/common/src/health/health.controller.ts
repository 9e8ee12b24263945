import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up, and the Node.js version it runs on' })
  live(): { status: 'ok'; node: string } {
    return { status: 'ok', node: process.version };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'The database is reachable and every migration is applied' })
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const check = this.indicator.check('migrations');
        const pending = await this.dataSource.showMigrations();
        return pending ? check.down({ pending: true }) : check.up();
      },
    ]);
  }
}
