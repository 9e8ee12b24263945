import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CustomerEnv } from '../config/customer.env';
import { DisclosuresService } from './disclosures.service';

/** Takes scheduled disclosure versions into force when their `effectiveAt` comes. */
@Injectable()
export class DisclosureActivationJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DisclosureActivationJob.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly disclosures: DisclosuresService,
    private readonly env: CustomerEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), this.env.DISCLOSURE_ACTIVATION_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  run(): Promise<number> {
    this.running ??= this.disclosures
      .activateDue()
      .then((count) => {
        if (count > 0) this.logger.log({ count }, 'disclosure versions took effect');
        return count;
      })
      .catch((err: unknown) => {
        this.logger.error({ err }, 'disclosure activation failed');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
