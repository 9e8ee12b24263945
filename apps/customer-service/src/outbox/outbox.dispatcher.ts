import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { CustomerEnv } from '../config/customer.env';
import type { ActivityEvent } from './activity-event';
import { ActivityClient, type DeliveryOutcome } from './activity.client';

interface DueRow {
  id: string;
  payload: ActivityEvent;
}

/**
 * Delivers outbox events to the activity-service. Every instance may run it: due rows are
 * claimed with FOR UPDATE SKIP LOCKED, so two instances never post the same row at once, and a
 * row is marked dispatched in the transaction that claimed it. If the process dies after the
 * POST but before the commit, the row is posted again with the same `guid`, which the
 * activity-service counts as a duplicate: at least once here, exactly once there.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: CustomerEnv,
    private readonly activity: ActivityClient,
  ) {}

  onApplicationBootstrap(): void {
    const missing = this.activity.missingConfiguration;
    if (missing) {
      this.logger.warn(`outbox dispatcher idle: ${missing} is not set; events wait in the outbox`);
      return;
    }
    this.timer = setInterval(() => void this.drain(), this.env.OUTBOX_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Delivers every due event (one run at a time per instance); returns how many were handled. */
  drain(): Promise<number> {
    this.running ??= this.drainOnce()
      .catch((err: unknown) => {
        this.logger.error({ err }, 'outbox dispatch failed');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async drainOnce(): Promise<number> {
    let total = 0;
    while (!this.stopping) {
      const handled = await this.dispatchBatch();
      total += handled;
      if (handled < this.env.OUTBOX_BATCH_SIZE) break;
    }
    return total;
  }

  private dispatchBatch(): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT id, payload FROM outbox_events
          WHERE dispatched_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()
          -- The partial index's order: a new event is due when it is created, so this is
          -- creation order, and a long backlog is read by index rather than sorted.
          ORDER BY next_attempt_at, id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [this.env.OUTBOX_BATCH_SIZE],
      )) as DueRow[];
      if (rows.length === 0) return 0;
      const outcome = await this.activity.deliver(rows.map((r) => r.payload));
      if (outcome.kind === 'rejected' && rows.length > 1) {
        // One bad event must not hold back the others: send them one by one.
        for (const row of rows)
          await this.settle(em, [row], await this.activity.deliver([row.payload]));
      } else {
        await this.settle(em, rows, outcome);
      }
      return rows.length;
    });
  }

  private async settle(em: EntityManager, rows: DueRow[], outcome: DeliveryOutcome): Promise<void> {
    const ids = rows.map((r) => r.id);
    if (outcome.kind === 'delivered') {
      await em.query(
        `UPDATE outbox_events SET dispatched_at = now(), attempts = attempts + 1, last_error = NULL
          WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      return;
    }
    if (outcome.kind === 'rejected') {
      this.logger.error(
        { ids, error: outcome.error },
        'activity-service refused an event; kept as dead',
      );
      await em.query(
        `UPDATE outbox_events SET dead_at = now(), attempts = attempts + 1, last_error = $2
          WHERE id = ANY($1::uuid[])`,
        [ids, outcome.error],
      );
      return;
    }
    this.logger.warn(
      { count: ids.length, error: outcome.error },
      'event delivery failed; will retry',
    );
    // Exponential backoff with jitter, capped: base * 2^attempts, between half and all of it.
    await em.query(
      `UPDATE outbox_events
          SET attempts = attempts + 1,
              last_error = $2,
              next_attempt_at = now() + make_interval(
                secs => LEAST($4::float8, $3::float8 * power(2, LEAST(attempts, 30)))
                        * (0.5 + random() * 0.5) / 1000.0)
        WHERE id = ANY($1::uuid[])`,
      [ids, outcome.error, this.env.OUTBOX_RETRY_BASE_MS, this.env.OUTBOX_RETRY_MAX_MS],
    );
  }

  /** Deletes delivered events past the retention period. */
  async purgeDelivered(): Promise<number> {
    const [, count] = (await this.dataSource.query(
      `DELETE FROM outbox_events
        WHERE dispatched_at IS NOT NULL AND dispatched_at < now() - make_interval(days => $1)`,
      [this.env.OUTBOX_RETENTION_DAYS],
    )) as [unknown, number];
    return count;
  }
}
