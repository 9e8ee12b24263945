import { Injectable } from '@nestjs/common';
import { CustomerEnv } from '../config/customer.env';
import { HousekeepingRepository } from './housekeeping.repository';

export interface Purged {
  idempotencyRecords: number;
  rateLimits: number;
  deliveredEvents: number;
}

/** Purges expired idempotency records and rate-limit counters, and old delivered events. */
@Injectable()
export class HousekeepingService {
  constructor(
    private readonly repository: HousekeepingRepository,
    private readonly env: CustomerEnv,
  ) {}

  async purge(): Promise<Purged> {
    const [idempotencyRecords, rateLimits, deliveredEvents] = await Promise.all([
      this.repository.purgeExpiredIdempotencyRecords(),
      this.repository.purgeExpiredRateLimits(),
      this.repository.purgeDeliveredEvents(this.env.OUTBOX_RETENTION_DAYS),
    ]);
    return { idempotencyRecords, rateLimits, deliveredEvents };
  }
}
