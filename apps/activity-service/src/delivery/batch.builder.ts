import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ActivityErrors } from '../common/activity.errors';
import {
  DeliveryRepository,
  type DeliveryTx,
  type FeedPosition,
  type SubscriptionRecord,
} from './delivery.repository';

/** Events per realtime batch at most (the contract's 500). */
export const MAX_BATCH_EVENTS = 500;
/** Feed batches scanned per read (a read then moves the cursor past them, matched or not). */
const MAX_FEED_BATCHES = 200;

/** The `banking-activities.batch` body; items are the search result's JSON, spliced as is. */
export function batchBody(
  sub: { id: string },
  sequence: number,
  previousSequence: number | null,
  replay: boolean,
  items: string[],
): string {
  return (
    `{"type":"banking-activities.batch","subscriptionId":${JSON.stringify(sub.id)},` +
    `"sequence":${sequence},"previousSequence":${previousSequence === null ? 'null' : previousSequence},` +
    `"replay":${replay},"count":${items.length},"bankingActivities":[${items.join(',')}]}`
  );
}

/**
 * Builds realtime batches by following the commit-ordered feed from the subscription's cursor:
 * each read returns the filter's matches in commit order, and the cursor moves past every
 * scanned event in the same transaction as the batch is queued with the next sequence. So an
 * event that commits late is read when its position comes (never skipped), and no event is
 * queued twice. One replica at a time per subscription (an advisory lock).
 */
@Injectable()
export class BatchBuilder {
  constructor(private readonly repo: DeliveryRepository) {}

  /** Queues the subscription's pending events as batches; the number of batches, or undefined if locked elsewhere. */
  async buildRealtime(subscriptionId: string, maxBatches = 20): Promise<number | undefined> {
    return this.repo.withSubscriptionLock(subscriptionId, async (tx, sub) => {
      if (sub.status !== 'active' || sub.cadence !== 'realtime') return 0;
      let cursor = sub.cursor;
      let built = 0;
      for (let i = 0; i < maxBatches; i++) {
        const read = await tx.matching(sub, cursor, MAX_BATCH_EVENTS, MAX_FEED_BATCHES);
        if (read.items.length) {
          await this.enqueueBatch(tx, sub, read.items, false);
          built++;
        }
        cursor = read.next;
        if (!read.more) break;
      }
      if (cursor.p !== sub.cursor.p || cursor.s !== sub.cursor.s)
        await tx.moveCursor(sub.id, cursor);
      return built;
    });
  }

  /**
   * A replay of the events committed in [start, end): every match again, as batches marked
   * replay: true, in the subscription's sequence. The cursor is left alone.
   */
  async buildReplay(
    subscriptionId: string,
    start: Date,
    end: Date,
    maxEvents: number,
  ): Promise<{ batches: number; count: number } | undefined> {
    return this.repo.withSubscriptionLock(subscriptionId, async (tx, sub) => {
      const range = await tx.positionsBetween(sub.institutionId, start, end);
      if (!range) return { batches: 0, count: 0 };
      let cursor: FeedPosition = { p: String(BigInt(range.first) - 1n), s: null };
      const pending: string[][] = [];
      let count = 0;
      for (;;) {
        const read = await tx.matching(sub, cursor, MAX_BATCH_EVENTS, MAX_FEED_BATCHES, range.last);
        if (read.items.length) pending.push(read.items);
        count += read.items.length;
        if (count > maxEvents) throw ActivityErrors.replayTooLarge(maxEvents);
        cursor = read.next;
        if (!read.more) break;
      }
      for (const items of pending) await this.enqueueBatch(tx, sub, items, true);
      return { batches: pending.length, count };
    });
  }

  private enqueueBatch(
    tx: DeliveryTx,
    sub: SubscriptionRecord,
    items: string[],
    replay: boolean,
  ): Promise<number> {
    return tx.enqueue(sub, {
      id: randomUUID(),
      type: 'batch',
      replay,
      count: items.length,
      payload: (sequence, previous) => batchBody(sub, sequence, previous, replay, items),
    });
  }
}
