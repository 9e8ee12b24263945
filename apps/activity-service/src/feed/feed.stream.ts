import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  REVOCATION_CHECK,
  transactionIdOf,
  type AccessPrincipal,
  type RevocationCheck,
} from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { ActivityEnv } from '../config/activity.env';
import { FeedNotifier } from './feed.notifier';
import { FeedService, type FeedPosition } from './feed.service';

/** Events written per read while catching up. */
const STREAM_READ = 500;
/** Idle streams re-read this often too, in case a notification was lost. */
const POLL_MS = 2000;

/**
 * Server-Sent Events over the feed: each event's `id` is the cursor right after it, so a client
 * that reconnects with Last-Event-ID resumes exactly there. Each read is written at once and
 * the next waits for the socket to drain (a slow client holds no more than one read in memory). The stream ends when the access
 * token expires or is revoked; the client then reconnects with a new token. A client holds at
 * most ACTIVITY_STREAMS_PER_CLIENT streams on an instance at once (429 past it).
 */
@Injectable()
export class FeedStream {
  private readonly logger = new Logger(FeedStream.name);
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

  async run(
    principal: AccessPrincipal,
    start: FeedPosition,
    eventIds: string[],
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const client = principal.clientId;
    const held = this.open.get(client) ?? 0;
    // Refused before anything is written, so the filter still answers in problem+json.
    if (held >= this.env.ACTIVITY_STREAMS_PER_CLIENT)
      throw ActivityErrors.tooManyStreams(this.env.ACTIVITY_STREAMS_PER_CLIENT);
    this.open.set(client, held + 1);
    const release = () => {
      const left = (this.open.get(client) ?? 1) - 1;
      if (left > 0) this.open.set(client, left);
      else this.open.delete(client);
    };
    try {
      await this.stream(principal, start, eventIds, req, reply);
    } finally {
      release();
    }
  }

  private async stream(
    principal: AccessPrincipal,
    start: FeedPosition,
    eventIds: string[],
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    // The stream is written to Node's response itself, so Fastify sends nothing after it.
    reply.hijack();
    const res = reply.raw;
    const fi = principal.institutionId;
    let closed = false;
    // Set when the feed moves while a read is running, so the loop reads again at once.
    const moved = { since: false };
    let wake = () => undefined as void;
    res.on('close', () => {
      closed = true;
      wake();
    });
    const unsubscribe = this.notifier.subscribe(fi, () => {
      moved.since = true;
      wake();
    });

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    let lastWrite = Date.now();
    const write = async (chunk: string): Promise<void> => {
      lastWrite = Date.now();
      if (!res.write(chunk) && !closed) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    };

    let position = start;
    try {
      await write('retry: 2000\n\n');
      while (!closed) {
        if (
          principal.expiresAt.getTime() <= Date.now() ||
          (await this.revocations.isRevoked(principal.jti, principal))
        ) {
          await write('event: end\ndata: {"reason":"token-expired-or-revoked"}\n\n');
          break;
        }
        moved.since = false;
        const page = await this.feed.read(fi, position, STREAM_READ, eventIds);
        // One write per read; each event's id is the cursor right after it.
        if (page.events.length > 0) {
          await write(
            page.events
              .map(
                (e) =>
                  `id: ${this.feed.cursor(fi, e.position)}\nevent: bankingActivity\ndata: ${e.item}\n\n`,
              )
              .join(''),
          );
        }
        if (closed) break;
        position = page.position;
        if (page.hasMore || moved.since) continue;

        const untilExpiry = principal.expiresAt.getTime() - Date.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, Math.min(POLL_MS, untilExpiry)));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = () => undefined;
        if (!closed && Date.now() - lastWrite >= this.env.ACTIVITY_STREAM_HEARTBEAT_MS) {
          await write(': keep-alive\n\n');
        }
      }
    } catch (err) {
      // Headers are gone; the client reconnects with Last-Event-ID and loses nothing.
      this.logger.warn(
        { err, transactionId: transactionIdOf(req) },
        'activity stream ended by an error',
      );
    } finally {
      unsubscribe();
      res.end();
    }
  }
}
