import { Injectable } from '@nestjs/common';
import type { GatedStatement, SqlStatement } from '../persistence/unit-of-work';
import type { ActivityEvent } from './activity-event';
import { OutboxRepository } from './outbox.repository';

/** Writes events in the caller's unit of work, so an event exists exactly when its change does. */
@Injectable()
export class OutboxService {
  constructor(private readonly outbox: OutboxRepository) {}

  append(events: ActivityEvent[], at: Date = new Date()): Promise<void> {
    return this.outbox.append(events, at);
  }

  /** `append` as a part of a caller's single statement (UnitOfWork.together). */
  appendStatement(events: ActivityEvent[], at: Date): GatedStatement {
    return this.outbox.appendStatement(events, at);
  }

  /**
   * `change` (built by another repository) and the events in one statement: the events are
   * written only if the change applied, which is returned. Needs no unit of work around it.
   */
  appendIf(
    change: SqlStatement,
    events: ActivityEvent[],
    at: Date,
    also: GatedStatement[] = [],
  ): Promise<boolean> {
    if (events.length === 0) throw new Error('appendIf needs at least one event');
    return this.outbox.appendIf(change, events, at, also);
  }
}
