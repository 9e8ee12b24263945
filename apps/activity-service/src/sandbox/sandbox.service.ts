import { Injectable, Logger } from '@nestjs/common';
import { DAY_MS, SANDBOX_SAMPLE_USERS, isSandboxInstitution, sandboxCustomerId } from '@app/common';
import { EVENT_TYPES } from '../catalogue/event-catalogue';
import { ActivityErrors } from '../common/activity.errors';
import { FeedNotifier } from '../feed/feed.notifier';
import { EventRepository } from '../ingest/event.repository';
import { MAX_BATCH_EVENTS } from '../storage/schema';
import { ActivityGenerator, type SeedUserSpec } from './activity-generator';
import { parseSeedRequest } from './sandbox.request';
import { SandboxRepository, type SeedRecord } from './sandbox.repository';

/** How long a seed or wipe waits for another one of the same FI before answering 409. */
export const SANDBOX_LOCK_WAIT_MS = 30_000;

/** Recorded on each delivery a wipe drops (its delivery log shows it). */
export const WIPE_DROP_REASON =
  'not sent: the sandbox was reset and the events of this delivery were deleted';

export interface SandboxUser {
  loginId: string;
  customerId: string;
  userType: 'retail' | 'business';
  institutionCustomerId?: string;
}

/** What a seed answers, the first time and every time after (docs/internal-apis.md). */
export interface ActivitySeedSummary {
  institutionId: string;
  /** Events the seed wrote. */
  events: number;
  /** The events' time range (timeStamp), for a search that finds them all. */
  startTime: string;
  endTime: string;
  users: SandboxUser[];
}

export interface ActivitySeedResult {
  summary: ActivitySeedSummary;
  /** Whether this call seeded (201) or found the FI seeded already (200). */
  created: boolean;
}

/** The roster as the generator's users of one FI (customer ids as the customer-service's). */
export function sandboxUsers(institutionId: string): SeedUserSpec[] {
  return SANDBOX_SAMPLE_USERS.map((u) => ({
    loginId: u.loginId,
    customerId: sandboxCustomerId(institutionId, u.loginId),
    userType: u.userType === 'BUSINESS' ? 'business' : 'retail',
    company: u.institutionCustomerId ?? null,
    channel: u.channel,
  }));
}

/**
 * The developer portal's sandbox FIs: seeds one with realistic activity of the sample roster
 * (written by the ingest's own path, so the feed, streams and delivery subscriptions see it),
 * and wipes one (its events, guids and feed; its subscriptions stay, their undelivered backlog
 * dropped). One seed or wipe of an FI at a time, on every replica; a seed is recorded only
 * once every batch is written, so a half-done seed or wipe is cleaned up by the next seed.
 */
@Injectable()
export class SandboxService {
  private readonly logger = new Logger(SandboxService.name);

  constructor(
    private readonly sandbox: SandboxRepository,
    private readonly events: EventRepository,
    private readonly notifier: FeedNotifier,
  ) {}

  async seed(
    institutionId: string,
    body: unknown,
    now: () => number = Date.now,
  ): Promise<ActivitySeedResult> {
    requireSandbox(institutionId);
    const request = parseSeedRequest(body);
    return this.locked(institutionId, async () => {
      const seeded = await this.sandbox.findSeed(institutionId);
      if (seeded?.completedAt) return { created: false, summary: summary(institutionId, seeded) };
      // A seed or wipe of this FI stopped half-way: start from nothing.
      if (seeded) await this.sandbox.deleteActivity(institutionId);

      const end = now();
      const record = {
        events: request.events,
        startTime: new Date(end - request.days * DAY_MS),
        endTime: new Date(end),
      };
      await this.sandbox.startSeed(institutionId, record);
      const generator = new ActivityGenerator(
        sandboxUsers(institutionId),
        Math.floor(Math.random() * 2 ** 31),
      );
      for (let done = 0; done < request.events;) {
        const n = Math.min(MAX_BATCH_EVENTS, request.events - done);
        // The first events go through the whole catalogue once, so every type has examples.
        const batch = Array.from({ length: n }, (_, i) =>
          generator.event(institutionId, record.startTime.getTime(), end, EVENT_TYPES[done + i]),
        );
        const written = await this.events.writeBatch(batch);
        // Streams of this replica wake at once; the others hear the NOTIFY sent at commit.
        if (written.institutions.length) this.notifier.emitLocal(written.institutions);
        done += n;
      }
      await this.sandbox.completeSeed(institutionId);
      return { created: true, summary: summary(institutionId, record) };
    });
  }

  /**
   * Deletes the FI's activity. Its delivery subscriptions stay; what they had not delivered yet
   * is dropped first (see SandboxRepository.dropPendingDeliveries, and docs/internal-apis.md for
   * what a receiver sees).
   */
  async wipe(institutionId: string): Promise<void> {
    requireSandbox(institutionId);
    await this.locked(institutionId, async () => {
      await this.sandbox.markSeedIncomplete(institutionId);
      const dropped = await this.sandbox.dropPendingDeliveries(institutionId, WIPE_DROP_REASON);
      const deleted = await this.sandbox.deleteActivity(institutionId);
      await this.sandbox.deleteSeed(institutionId);
      this.logger.log({ institutionId, dropped, deleted }, 'sandbox institution wiped');
    });
  }

  private async locked<T>(institutionId: string, fn: () => Promise<T>): Promise<T> {
    const result = await this.sandbox.withInstitutionLock(institutionId, SANDBOX_LOCK_WAIT_MS, fn);
    if (!result) throw ActivityErrors.sandboxBusy();
    return result.value;
  }
}

function summary(
  institutionId: string,
  seed: Omit<SeedRecord, 'completedAt'>,
): ActivitySeedSummary {
  return {
    institutionId,
    events: seed.events,
    startTime: seed.startTime.toISOString(),
    endTime: seed.endTime.toISOString(),
    users: sandboxUsers(institutionId).map((u) => ({
      loginId: u.loginId,
      customerId: u.customerId,
      userType: u.userType,
      ...(u.company ? { institutionCustomerId: u.company } : {}),
    })),
  };
}

function requireSandbox(institutionId: string): void {
  if (!isSandboxInstitution(institutionId)) throw ActivityErrors.sandboxInstitutionRequired();
}
