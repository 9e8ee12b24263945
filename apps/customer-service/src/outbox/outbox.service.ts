import { Injectable } from '@nestjs/common';
import type { ActivityEvent } from './activity-event';
import { OutboxRepository } from './outbox.repository';

/** Writes events in the caller's unit of work, so an event exists exactly when its change does. */
@Injectable()
export class OutboxService {
  constructor(private readonly outbox: OutboxRepository) {}

  append(events: ActivityEvent[], at: Date = new Date()): Promise<void> {
    return this.outbox.append(events, at);
  }
}
