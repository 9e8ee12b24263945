import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PeriodicTask } from '@app/common';
import { PortalEnv } from '../config/portal.env';
import { HousekeepingRepository, type Purged } from './housekeeping.repository';

/** Purges ended sessions, old links and ended rate-limit windows; one replica at a time. */
@Injectable()
export class HousekeepingJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HousekeepingJob.name);
  private readonly task: PeriodicTask<Purged>;

  constructor(repository: HousekeepingRepository, env: PortalEnv) {
    this.task = new PeriodicTask({
      name: 'portal-housekeeping',
      intervalMs: env.HOUSEKEEPING_INTERVAL_MS,
      lock: repository.lock(),
      logger: this.logger,
      run: () => repository.purge(new Date(Date.now() - env.SESSION_IDLE_MINUTES * 60_000)),
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
