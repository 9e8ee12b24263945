import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DAY_MS } from '@app/common';
import { ActivityEnv } from '../config/activity.env';
import { ActivityDatabase } from './activity-database';
import { dropPartitionsBefore, ensurePartitions } from './partitions';

/**
 * Keeps activity.events partitioned: at start and every ACTIVITY_MAINTENANCE_INTERVAL_MS it
 * creates the partitions for the coming ACTIVITY_PARTITION_PREMAKE_DAYS and drops those wholly
 * older than ACTIVITY_RETENTION_DAYS. Past partitions are only made when an event needs one
 * (storage/event.writer.ts), so an empty database stays small.
 */
@Injectable()
export class PartitionMaintainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionMaintainer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly db: ActivityDatabase,
    private readonly env: ActivityEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The service cannot ingest current events without this, so a failure stops the start.
    await this.ensureAhead(new Date());
    void this.run();
    this.timer = setInterval(() => void this.run(), this.env.ACTIVITY_MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One maintenance pass; concurrent calls share it. */
  run(now = new Date()): Promise<void> {
    this.running ??= this.maintain(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async maintain(now: Date): Promise<void> {
    try {
      const created = await this.ensureAhead(now);
      const dropped = await dropPartitionsBefore(this.db.pool, this.retentionCutoff(now));
      if (created.length || dropped.length) {
        this.logger.log({ created, dropped }, 'activity partitions maintained');
      }
    } catch (err) {
      // Retried at the next interval; ingest creates what it needs on its own.
      this.logger.warn({ err }, 'activity partition maintenance failed');
    }
  }

  retentionCutoff(now: Date): Date {
    return new Date(now.getTime() - this.env.ACTIVITY_RETENTION_DAYS * DAY_MS);
  }

  private ensureAhead(now: Date): Promise<string[]> {
    return ensurePartitions(
      this.db.pool,
      now,
      new Date(now.getTime() + this.env.ACTIVITY_PARTITION_PREMAKE_DAYS * DAY_MS),
    );
  }
}
