import { Injectable } from '@nestjs/common';
import { Scope, type AccessPrincipal } from '@app/common';
import { ActivityEnv } from '../config/activity.env';
import { FeedNotifier } from '../feed/feed.notifier';
import { validateBatch } from './batch.validator';
import { EventRepository } from './event.repository';

export interface BatchResult {
  accepted: number;
  duplicates: number;
}

/** Validates and stores a batch; it is in the feed as soon as it has committed. */
@Injectable()
export class IngestService {
  constructor(
    private readonly events: EventRepository,
    private readonly env: ActivityEnv,
    private readonly notifier: FeedNotifier,
  ) {}

  async ingest(principal: AccessPrincipal, body: unknown): Promise<BatchResult> {
    const events = validateBatch(body, {
      institutionId: principal.institutionId,
      // A platform service token writes for any FI, each event naming its own.
      internal: principal.scopes.has(Scope.InternalEventsWrite),
      now: Date.now(),
      retentionDays: this.env.ACTIVITY_RETENTION_DAYS,
      futureSkewSeconds: this.env.ACTIVITY_MAX_FUTURE_SKEW_SECONDS,
    });
    const result = await this.events.writeBatch(events);
    // Streams of this replica wake at once; the others hear the NOTIFY sent at commit.
    if (result.institutions.length) this.notifier.emitLocal(result.institutions);
    return { accepted: result.accepted, duplicates: result.duplicates };
  }
}
