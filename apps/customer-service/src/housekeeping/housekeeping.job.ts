import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CustomerEnv } from '../config/customer.env';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { OutboxDispatcher } from '../outbox/outbox.dispatcher';
import { RateLimiterService } from '../throttling/rate-limiter.service';

/** Purges what has served its time: expired idempotency records and windows, old delivered events. */
@Injectable()
export class HousekeepingJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HousekeepingJob.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly env: CustomerEnv,
    private readonly idempotency: IdempotencyService,
    private readonly limiter: RateLimiterService,
    private readonly outbox: OutboxDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), this.env.HOUSEKEEPING_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  run(): Promise<void> {
    this.running ??= Promise.all([
      this.idempotency.purgeExpired(),
      this.limiter.purgeExpired(),
      this.outbox.purgeDelivered(),
    ])
      .then(([idempotencyRecords, rateLimitWindows, deliveredEvents]) => {
        this.logger.log({ idempotencyRecords, rateLimitWindows, deliveredEvents }, 'purged');
      })
      .catch((err: unknown) => this.logger.error({ err }, 'housekeeping failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
