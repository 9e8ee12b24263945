import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DAY_MS, PeriodicTask } from '@app/common';
import { ActivityEnv } from '../config/activity.env';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryFilesRepository } from './files/files.repository';

export interface Purged {
  deliveries: number;
  files: number;
}

/**
 * Retention of what delivery keeps: finished deliveries with their attempts (the delivery log)
 * and files older than ACTIVITY_DELIVERY_RETENTION_DAYS (default: the look-back window), every
 * ACTIVITY_DELIVERY_FILE_PURGE_INTERVAL_MS, one replica at a time (advisory lock), in batches.
 * Nothing not yet delivered goes: pending deliveries stay whatever their age, and so do the
 * files they need and each subscription's newest file (where its next window starts).
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryRetention.name);
  private readonly task: PeriodicTask<Purged>;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly files: DeliveryFilesRepository,
    private readonly env: ActivityEnv,
  ) {
    this.task = new PeriodicTask({
      name: 'delivery retention',
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

  /** Purges what ended before `now` − retention; `now` is the caller's clock (tests move it). */
  async purge(now: Date, stopping: () => boolean = () => false): Promise<Purged> {
    const cutoff = new Date(now.getTime() - this.env.ACTIVITY_DELIVERY_RETENTION_DAYS * DAY_MS);
    // Deliveries first: a file's pending delivery is what keeps it.
    const deliveries = await this.deliveries.purgeFinishedBefore(cutoff, stopping);
    const files = stopping() ? 0 : await this.files.purgeBefore(cutoff, stopping);
    if (deliveries || files) this.logger.log({ deliveries, files }, 'delivery retention purged');
    return { deliveries, files };
  }
}
