import { Injectable } from '@nestjs/common';
import { escapePointer, isObject, type FieldError } from '@app/common';
import { EVENT_TYPE_BY_ID } from '../catalogue/event-catalogue';
import { ActivityErrors } from '../common/activity.errors';
import { acceptedKeys } from '../common/body-schema';
import { TokenSigner } from '../common/token-signer';
import { FEED_BODY, FEED_LIMITS } from './feed.schema';
import { FeedRepository } from './feed.repository';

/**
 * A place in an institution's feed: everything up to position `p` has been delivered, and of
 * batch `p` itself everything up to `s` (or all of it when `s` is null).
 */
export interface FeedPosition {
  p: string;
  s: string | null;
}

export interface FeedEvent {
  position: FeedPosition;
  /** The event's JSON text (the same shape as a search result). */
  item: string;
}

export interface FeedPage {
  events: FeedEvent[];
  /** Where the next read resumes. */
  position: FeedPosition;
  /** True when more events are already waiting. */
  hasMore: boolean;
}

const PURPOSE = 'activity-feed';
/** Batches looked at per read; bounds a read over many batches of other event types. */
const BATCHES_PER_READ = 500;
// The fields a feed request accepts are those its schema documents.
const FEED_KEYS = acceptedKeys(FEED_BODY);

/**
 * Reads an institution's feed from a signed cursor: feed_log positions follow commit order
 * (ingest/event.repository.ts), so resuming after the last position seen never skips a batch.
 */
@Injectable()
export class FeedService {
  constructor(
    private readonly feed: FeedRepository,
    private readonly signer: TokenSigner,
  ) {}

  /** Checks a feed request (body of POST .../feed, or the stream's query and Last-Event-ID). */
  async parse(
    institutionId: string,
    body: unknown,
    defaultFrom: 'earliest' | 'latest',
  ): Promise<{ position: FeedPosition; limit: number; eventIds: string[] }> {
    if (!isObject(body)) throw ActivityErrors.unreadableBody();
    const req = body;
    const errors: FieldError[] = [];
    for (const key of Object.keys(req)) {
      if (!FEED_KEYS.has(key)) {
        errors.push({ pointer: `/${escapePointer(key)}`, detail: 'is not a known field' });
      }
    }
    let limit = FEED_LIMITS.defaultLimit;
    if (req.limit !== undefined) {
      const n = typeof req.limit === 'string' ? Number(req.limit) : req.limit;
      if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > FEED_LIMITS.maxLimit) {
        errors.push({
          pointer: '/limit',
          detail: `must be an integer from 1 to ${FEED_LIMITS.maxLimit}`,
        });
      } else limit = n as number;
    }
    let eventIds: string[] = [];
    if (req.eventIds !== undefined) {
      const list = typeof req.eventIds === 'string' ? req.eventIds.split(',') : req.eventIds;
      if (
        !Array.isArray(list) ||
        list.length > FEED_LIMITS.maxEventIds ||
        !list.every((id) => typeof id === 'string' && EVENT_TYPE_BY_ID.has(id))
      ) {
        errors.push({ pointer: '/eventIds', detail: 'must be event types of the catalogue' });
      } else eventIds = [...new Set(list as string[])];
    }
    const from = req.from ?? defaultFrom;
    if (from !== 'earliest' && from !== 'latest') {
      errors.push({ pointer: '/from', detail: 'must be earliest or latest' });
    }
    if (errors.length) throw ActivityErrors.invalidArguments(errors);

    let position: FeedPosition;
    if (req.cursor !== undefined && req.cursor !== null && req.cursor !== '') {
      position = this.readCursor(institutionId, req.cursor);
    } else if (from === 'latest') {
      position = { p: await this.feed.latestPosition(institutionId), s: null };
    } else {
      position = { p: '0', s: null };
    }
    return { position, limit, eventIds };
  }

  cursor(institutionId: string, position: FeedPosition): string {
    return this.signer.sign(PURPOSE, { v: 1, i: institutionId, p: position.p, s: position.s });
  }

  readCursor(institutionId: string, cursor: unknown): FeedPosition {
    const c = this.signer.verify(PURPOSE, cursor) as {
      v?: unknown;
      i?: unknown;
      p?: unknown;
      s?: unknown;
    } | null;
    const digits = (v: unknown) => typeof v === 'string' && /^\d{1,19}$/.test(v);
    if (
      !c ||
      c.v !== 1 ||
      c.i !== institutionId ||
      !digits(c.p) ||
      !(c.s === null || digits(c.s))
    ) {
      throw ActivityErrors.invalidCursor();
    }
    return { p: c.p as string, s: c.s as string | null };
  }

  /** POST .../feed: the page after the request's cursor, as JSON text. */
  async page(institutionId: string, body: unknown): Promise<string> {
    const { position, limit, eventIds } = await this.parse(institutionId, body, 'earliest');
    const page = await this.read(institutionId, position, limit, eventIds);
    const cursor = JSON.stringify(this.cursor(institutionId, page.position));
    // Items are JSON text from PostgreSQL; joined without a parse.
    return `{"cursor":${cursor},"hasMore":${page.hasMore},"count":${page.events.length},"bankingActivities":[${page.events.map((e) => e.item).join(',')}]}`;
  }

  /** Up to `limit` events after `from`, in feed order. */
  async read(
    institutionId: string,
    from: FeedPosition,
    limit: number,
    eventIds: string[],
  ): Promise<FeedPage> {
    // Batch `from.p` itself is read again when it was only partly delivered.
    const batches = await this.feed.batches(
      institutionId,
      from.p,
      from.s !== null,
      BATCHES_PER_READ,
    );
    if (batches.length === 0) return { events: [], position: from, hasMore: false };
    const rows = await this.feed.events(institutionId, batches, from, limit + 1, eventIds);
    const events = rows
      .slice(0, limit)
      .map((r) => ({ position: { p: r.position, s: r.seq }, item: r.item }));
    if (rows.length > limit) {
      return { events, position: events[events.length - 1]!.position, hasMore: true };
    }
    // Every batch read was delivered whole, including those with nothing of eventIds.
    return {
      events,
      position: { p: batches[batches.length - 1]!.position, s: null },
      hasMore: batches.length === BATCHES_PER_READ,
    };
  }
}
