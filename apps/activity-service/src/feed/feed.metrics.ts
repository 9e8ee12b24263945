import { Injectable, Logger, Optional } from '@nestjs/common';
import { Metrics, metricsOrOwn } from '@app/common';
import { FeedRepository } from './feed.repository';

/** The help text of feed_lag_seconds: what it measures and when to alert on it. */
export const FEED_LAG_HELP =
  'Seconds the feed readers trail the feed: the age of the oldest feed batch an active realtime ' +
  'delivery subscription has not read yet, the largest over subscriptions (0 when all are at ' +
  'the head). Grows while delivery stops following the feed; alert when it stays above a few ' +
  'poll intervals. What was read but not yet delivered is delivery_lag_seconds.';

/**
 * Feed figures for /metrics, read when scraped. An event is in its institution's feed as soon as
 * its ingest commits (the feed_log row is written in the same transaction), so the lag worth
 * watching is that of the feed's readers: realtime subscriptions whose cursor trails the head.
 * A failed read leaves the gauge out of that scrape rather than failing it.
 */
@Injectable()
export class FeedMetrics {
  private readonly logger = new Logger(FeedMetrics.name);

  constructor(feed: FeedRepository, @Optional() metrics?: Metrics) {
    const logger = this.logger;
    metricsOrOwn(metrics).gauge({
      name: 'feed_lag_seconds',
      help: FEED_LAG_HELP,
      async collect() {
        this.reset();
        try {
          this.set(await feed.readerLagSeconds());
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'feed lag unreadable');
        }
      },
    });
  }
}
