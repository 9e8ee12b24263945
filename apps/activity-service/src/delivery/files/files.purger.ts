import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DAY_MS, PeriodicTask } from '@app/common';
import { ActivityEnv } from '../../config/activity.env';
import { DeliveryFilesRepository } from './files.repository';

/**
 * Deletes delivery files (and their chunks) older than the look-back window
 * (ACTIVITY_MAX_LOOKBACK_DAYS), every ACTIVITY_DELIVERY_FILE_PURGE_INTERVAL_MS, one replica
 * at a time.
 */
@Injectable()
export class DeliveryFilesPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryFilesPurger.name);
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly files: DeliveryFilesRepository,
    private readonly env: ActivityEnv,
  ) {
    this.task = new PeriodicTask({
      name: 'delivery files purge',
      intervalMs: env.ACTIVITY_DELIVERY_FILE_PURGE_INTERVAL_MS,
      lock: files.purgeLock(),
      logger: this.logger,
      run: (stopping) => this.purge(new Date(), stopping),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Purges files created before now − look-back; returns how many. */
  async purge(now: Date, stopping: () => boolean = () => false): Promise<number> {
    const cutoff = new Date(now.getTime() - this.env.ACTIVITY_MAX_LOOKBACK_DAYS * DAY_MS);
    const purged = await this.files.purgeBefore(cutoff, stopping);
    if (purged) this.logger.log({ purged }, 'delivery files purged');
    return purged;
  }
}
