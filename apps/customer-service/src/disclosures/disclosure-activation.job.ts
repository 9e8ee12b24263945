import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { UnitOfWork } from '../persistence/unit-of-work';
import { DisclosuresService } from './disclosures.service';

/**
 * Takes scheduled disclosure versions into force when their `effectiveAt` comes. One replica
 * at a time (advisory lock): settling an FI's customers twice at once would only contend.
 */
@Injectable()
export class DisclosureActivationJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DisclosureActivationJob.name);
  private readonly task: PeriodicTask<number>;

  constructor(disclosures: DisclosuresService, env: CustomerEnv, uow: UnitOfWork) {
    this.task = new PeriodicTask({
      name: 'disclosure activation',
      intervalMs: env.DISCLOSURE_ACTIVATION_POLL_MS,
      lock: uow.lock('customer:disclosure-activation'),
      logger: this.logger,
      run: async () => {
        const count = await disclosures.activateDue();
        if (count > 0) this.logger.log({ count }, 'disclosure versions took effect');
        return count;
      },
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Runs now (or joins the run in progress); how many versions took effect. */
  async run(): Promise<number> {
    return (await this.task.trigger()) ?? 0;
  }
}
