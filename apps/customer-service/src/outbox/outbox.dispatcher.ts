import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { UnitOfWork } from '../persistence/unit-of-work';
import { ActivityClient, type DeliveryOutcome } from './activity.client';
import { OutboxRepository, type DueEvent } from './outbox.repository';

/**
 * Delivers outbox events to the activity-service. Every instance may run it (no advisory
 * lock): due rows are claimed with FOR UPDATE SKIP LOCKED, so two instances never post the same
 * row at once, and a row is marked dispatched in the transaction that claimed it. If the
 * process dies after the POST but before the commit, the row is posted again with the same
 * `guid`, which the activity-service counts as a duplicate: at least once here, exactly once
 * there.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: OutboxRepository,
    private readonly env: CustomerEnv,
    private readonly activity: ActivityClient,
  ) {
    this.task = new PeriodicTask({
      name: 'outbox dispatch',
      intervalMs: env.OUTBOX_POLL_MS,
      run: (stopping) => this.drainAll(stopping),
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    const missing = this.activity.missingConfiguration;
    if (missing) {
      this.logger.warn(`outbox dispatcher idle: ${missing} is not set; events wait in the outbox`);
      return;
    }
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Delivers every due event (one run at a time per instance); returns how many were handled. */
  async drain(): Promise<number> {
    return (await this.task.trigger()) ?? 0;
  }

  private async drainAll(stopping: () => boolean): Promise<number> {
    let total = 0;
    while (!stopping()) {
      const handled = await this.dispatchBatch();
      total += handled;
      if (handled < this.env.OUTBOX_BATCH_SIZE) break;
    }
    return total;
  }

  private dispatchBatch(): Promise<number> {
    return this.uow.transaction(async () => {
      const rows = await this.outbox.claimDue(this.env.OUTBOX_BATCH_SIZE);
      if (rows.length === 0) return 0;
      const outcome = await this.activity.deliver(rows.map((r) => r.payload));
      if (outcome.kind === 'rejected' && rows.length > 1) {
        // One bad event must not hold back the others: send them one by one.
        for (const row of rows)
          await this.settle([row], await this.activity.deliver([row.payload]));
      } else {
        await this.settle(rows, outcome);
      }
      return rows.length;
    });
  }

  private async settle(rows: DueEvent[], outcome: DeliveryOutcome): Promise<void> {
    const ids = rows.map((r) => r.id);
    if (outcome.kind === 'delivered') {
      await this.outbox.markDelivered(ids);
      return;
    }
    if (outcome.kind === 'rejected') {
      this.logger.error(
        { ids, error: outcome.error },
        'activity-service refused an event; kept as dead',
      );
      await this.outbox.markDead(ids, outcome.error);
      return;
    }
    this.logger.warn(
      { count: ids.length, error: outcome.error },
      'event delivery failed; will retry',
    );
    await this.outbox.scheduleRetry(ids, outcome.error, {
      baseMs: this.env.OUTBOX_RETRY_BASE_MS,
      maxMs: this.env.OUTBOX_RETRY_MAX_MS,
    });
  }
}
