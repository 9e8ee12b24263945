import { Injectable, Logger, Optional } from '@nestjs/common';
import { Metrics, metricsOrOwn } from '@app/common';
import { OutboxRepository } from './outbox.repository';

/**
 * Outbox figures for /metrics, read when scraped: events waiting for the activity-service and
 * the age of the oldest (how far behind delivery is). A failed read leaves them out of that
 * scrape rather than failing it.
 */
@Injectable()
export class OutboxMetrics {
  private readonly logger = new Logger(OutboxMetrics.name);

  constructor(outbox: OutboxRepository, @Optional() metrics?: Metrics) {
    const m = metricsOrOwn(metrics);
    let reading: Promise<{ pending: number; oldestSeconds: number } | undefined> | undefined;
    // Both gauges come from one query per scrape.
    const read = () =>
      (reading ??= outbox
        .backlog()
        .catch((err: unknown) => {
          this.logger.warn({ err: (err as Error).message }, 'outbox backlog unreadable');
          return undefined;
        })
        .finally(() => setImmediate(() => (reading = undefined))));
    m.gauge({
      name: 'outbox_backlog_events',
      help: 'Outbox events not yet delivered to the activity-service (nor given up)',
      async collect() {
        this.reset();
        const backlog = await read();
        if (backlog) this.set(backlog.pending);
      },
    });
    m.gauge({
      name: 'outbox_oldest_event_age_seconds',
      help: 'Age of the oldest undelivered outbox event (0 when none)',
      async collect() {
        this.reset();
        const backlog = await read();
        if (backlog) this.set(backlog.oldestSeconds);
      },
    });
  }
}
