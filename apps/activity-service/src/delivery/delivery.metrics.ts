import { Injectable, Logger, Optional } from '@nestjs/common';
import { Metrics, metricsOrOwn } from '@app/common';
import { ActivityDatabase } from '../storage/activity-database';
import { DeliveryDatabase } from './delivery.database';
import { DeliveryRepository } from './delivery.repository';

/**
 * Delivery figures for /metrics, read when scraped: pending webhook deliveries and the age of the
 * oldest (the delivery lag); and the service's own pg pools beside TypeORM's ("main"). A failed
 * read leaves the backlog out of that scrape rather than failing it.
 */
@Injectable()
export class DeliveryMetrics {
  private readonly logger = new Logger(DeliveryMetrics.name);

  constructor(
    deliveries: DeliveryRepository,
    deliveryDb: DeliveryDatabase,
    activityDb: ActivityDatabase,
    @Optional() metrics?: Metrics,
  ) {
    const m = metricsOrOwn(metrics);
    m.observePool('activity', activityDb.pool);
    m.observePool('export', activityDb.exportPool);
    m.observePool('search', activityDb.searchPrimaryPool);
    if (activityDb.readPool !== activityDb.searchPrimaryPool)
      m.observePool('read', activityDb.readPool);
    if (activityDb.exportReadPool !== activityDb.exportPool)
      m.observePool('export_read', activityDb.exportReadPool);
    m.observePool('delivery', deliveryDb.pool);
    let reading: Promise<{ pending: number; oldestSeconds: number } | undefined> | undefined;
    // Both gauges come from one query per scrape.
    const read = () =>
      (reading ??= deliveries
        .backlog()
        .catch((err: unknown) => {
          this.logger.warn({ err: (err as Error).message }, 'delivery backlog unreadable');
          return undefined;
        })
        .finally(() => setImmediate(() => (reading = undefined))));
    m.gauge({
      name: 'delivery_backlog_deliveries',
      help: 'Webhook deliveries pending (due or waiting for a retry)',
      async collect() {
        this.reset();
        const backlog = await read();
        if (backlog) this.set(backlog.pending);
      },
    });
    m.gauge({
      name: 'delivery_lag_seconds',
      help: 'Age of the oldest pending webhook delivery (0 when none)',
      async collect() {
        this.reset();
        const backlog = await read();
        if (backlog) this.set(backlog.oldestSeconds);
      },
    });
  }
}
