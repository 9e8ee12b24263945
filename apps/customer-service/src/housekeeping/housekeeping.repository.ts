import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../persistence/unit-of-work';
import { RATE_LIMITS_TABLE } from '../throttling/registration-limits.repository';

/** Deletes what has served its time, one table each; each returns how many rows went. */
@Injectable()
export class HousekeepingRepository {
  constructor(private readonly uow: UnitOfWork) {}

  purgeExpiredIdempotencyRecords(): Promise<number> {
    return this.count('DELETE FROM idempotency_records WHERE expires_at <= now()');
  }

  /** The limiter's rows whose window ended (`expire` in epoch ms; null never expires). */
  purgeExpiredRateLimits(): Promise<number> {
    return this.count(`DELETE FROM ${RATE_LIMITS_TABLE} WHERE expire < $1`, [Date.now()]);
  }

  /** Delivered events past the retention period; refused (dead) ones are kept. */
  purgeDeliveredEvents(retentionDays: number): Promise<number> {
    return this.count(
      `DELETE FROM outbox_events
        WHERE dispatched_at IS NOT NULL AND dispatched_at < now() - make_interval(days => $1)`,
      [retentionDays],
    );
  }

  private async count(sql: string, parameters: unknown[] = []): Promise<number> {
    const [, count] = (await this.uow.manager.query(sql, parameters)) as [unknown, number];
    return count;
  }
}
