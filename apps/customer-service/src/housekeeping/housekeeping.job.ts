import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { UnitOfWork } from '../persistence/unit-of-work';
import { HousekeepingService, type Purged } from './housekeeping.service';

/** Runs the purge every HOUSEKEEPING_INTERVAL_MS, on one replica at a time (advisory lock). */
@Injectable()
export class HousekeepingJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HousekeepingJob.name);
  private readonly task: PeriodicTask<Purged>;

  constructor(housekeeping: HousekeepingService, env: CustomerEnv, uow: UnitOfWork) {
    this.task = new PeriodicTask({
      name: 'housekeeping',
      intervalMs: env.HOUSEKEEPING_INTERVAL_MS,
      lock: uow.lock('customer:housekeeping'),
      logger: this.logger,
      run: async () => {
        const purged = await housekeeping.purge();
        this.logger.log(purged, 'purged');
        return purged;
      },
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Runs now (or joins the run in progress); undefined when skipped or failed. */
  run(): Promise<Purged | undefined> {
    return this.task.trigger();
  }
}
