import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DAY_MS, PeriodicTask } from '@app/common';
import { ActivityEnv } from '../config/activity.env';
import { PartitionRepository } from './partition.repository';

export interface MaintenanceResult {
  created: string[];
  dropped: string[];
}

/**
 * Keeps activity.events partitioned: at start and every ACTIVITY_MAINTENANCE_INTERVAL_MS it
 * creates the partitions for the coming ACTIVITY_PARTITION_PREMAKE_DAYS and drops those wholly
 * older than ACTIVITY_RETENTION_DAYS, on one replica at a time. Past partitions are only made
 * when an event needs one (ingest/event.repository.ts), so an empty database stays small.
 */
@Injectable()
export class PartitionMaintainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionMaintainer.name);
  private readonly task: PeriodicTask<MaintenanceResult>;

  constructor(
    private readonly partitions: PartitionRepository,
    private readonly env: ActivityEnv,
  ) {
    this.task = new PeriodicTask({
      name: 'activity partition maintenance',
      intervalMs: env.ACTIVITY_MAINTENANCE_INTERVAL_MS,
      runAtStart: true,
      lock: partitions.maintenanceLock(),
      logger: this.logger,
      run: () => this.maintain(new Date()),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // The service cannot ingest current events without this, so a failure stops the start.
    await this.ensureAhead(new Date());
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /**
   * One maintenance pass as of `now` (tests pass a later date). Failures are retried at the next
   * interval; ingest creates the partitions it needs on its own.
   */
  async maintain(now: Date): Promise<MaintenanceResult> {
    const created = await this.ensureAhead(now);
    const dropped = await this.partitions.dropBefore(this.retentionCutoff(now));
    if (created.length || dropped.length) {
      this.logger.log({ created, dropped }, 'activity partitions maintained');
    }
    return { created, dropped };
  }

  retentionCutoff(now: Date): Date {
    return new Date(now.getTime() - this.env.ACTIVITY_RETENTION_DAYS * DAY_MS);
  }

  private ensureAhead(now: Date): Promise<string[]> {
    return this.partitions.ensure(
      now,
      new Date(now.getTime() + this.env.ACTIVITY_PARTITION_PREMAKE_DAYS * DAY_MS),
    );
  }
}
