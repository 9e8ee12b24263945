import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ActivityEvent } from './activity-event';
import { OutboxEventEntity } from './outbox-event.entity';

/** Writes events in the caller's transaction, so an event exists exactly when its change does. */
@Injectable()
export class OutboxService {
  async append(em: EntityManager, events: ActivityEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = new Date();
    await em.insert(
      OutboxEventEntity,
      events.map((event) => ({
        id: event.guid,
        institutionId: event.institutionId,
        eventId: event.eventId,
        payload: event,
        createdAt: now,
        attempts: 0,
        nextAttemptAt: now,
        lastError: null,
        dispatchedAt: null,
        deadAt: null,
      })),
    );
  }
}
