import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { REVOCATION_CHECK, type AccessPrincipal, type RevocationCheck } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { ActivityEnv } from '../config/activity.env';
import { FeedNotifier } from './feed.notifier';
import { FeedService, type FeedPosition } from './feed.service';

/** Events read at a time while catching up. */
const STREAM_READ = 500;
/** Idle streams re-read this often too, in case a notification was lost. */
const POLL_MS = 2000;

/**
 * The feed as Server-Sent Events text: each event's `id` is the cursor right after it, so a
 * client that reconnects with Last-Event-ID resumes exactly there. One chunk per read; the
 * consumer (sse.presenter.ts) asks for the next only once the previous one is written, so a
 * slow client holds no more than one read in memory. The stream ends when the access token
 * expires or is revoked (the client then reconnects with a new token), or when `signal`
 * aborts. A client holds at most ACTIVITY_STREAMS_PER_CLIENT streams on an instance at once.
 */
@Injectable()
export class FeedStream {
  private readonly revocations: RevocationCheck;
  /** Open streams per client id, on this instance. */
  private readonly open = new Map<string, number>();

  constructor(
    private readonly feed: FeedService,
    private readonly notifier: FeedNotifier,
    private readonly env: ActivityEnv,
    moduleRef: ModuleRef,
  ) {
    // BearerAuthModule keeps its revocation list to itself; a stream outlives the guard's check.
    this.revocations = moduleRef.get<RevocationCheck>(REVOCATION_CHECK, { strict: false });
  }

  /**
   * The stream's chunks. Its first chunk comes at once (or 429 ACTIVITY_TOO_MANY_STREAMS), so a
   * consumer that waits for it before writing headers can still answer a refusal as a problem.
   */
  async *follow(
    principal: AccessPrincipal,
    start: FeedPosition,
    eventIds: string[],
    signal: AbortSignal,
  ): AsyncGenerator<string> {
    const release = this.acquire(principal.clientId);
    const fi = principal.institutionId;
    // Set when the feed moves while a read is running, so the loop reads again at once.
    let moved: boolean;
    let wake = (): void => undefined;
    const unsubscribe = this.notifier.subscribe(fi, () => {
      moved = true;
      wake();
    });
    const onAbort = () => wake();
    signal.addEventListener('abort', onAbort);
    try {
      let lastChunk = Date.now();
      yield 'retry: 2000\n\n';
      let position = start;
      while (!signal.aborted) {
        if (
          principal.expiresAt.getTime() <= Date.now() ||
          (await this.revocations.isRevoked(principal.jti, principal))
        ) {
          yield 'event: end\ndata: {"reason":"token-expired-or-revoked"}\n\n';
          return;
        }
        moved = false;
        const page = await this.feed.read(fi, position, STREAM_READ, eventIds);
        if (page.events.length > 0) {
          lastChunk = Date.now();
          yield page.events
            .map(
              (e) =>
                `id: ${this.feed.cursor(fi, e.position)}\nevent: bankingActivity\ndata: ${e.item}\n\n`,
            )
            .join('');
        }
        if (signal.aborted) return;
        position = page.position;
        if (page.hasMore || moved) continue;

        const untilExpiry = principal.expiresAt.getTime() - Date.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, Math.min(POLL_MS, untilExpiry)));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          if (signal.aborted) wake();
        });
        wake = () => undefined;
        if (!signal.aborted && Date.now() - lastChunk >= this.env.ACTIVITY_STREAM_HEARTBEAT_MS) {
          lastChunk = Date.now();
          yield ': keep-alive\n\n';
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      unsubscribe();
      release();
    }
  }

  /** Takes one of the client's stream slots; the release. */
  private acquire(client: string): () => void {
    const held = this.open.get(client) ?? 0;
    if (held >= this.env.ACTIVITY_STREAMS_PER_CLIENT)
      throw ActivityErrors.tooManyStreams(this.env.ACTIVITY_STREAMS_PER_CLIENT);
    this.open.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(client) ?? 1) - 1;
      if (left > 0) this.open.set(client, left);
      else this.open.delete(client);
    };
  }
}
