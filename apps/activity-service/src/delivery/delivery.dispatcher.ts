import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PeriodicTask } from '@app/common';
import { ActivityEnv } from '../config/activity.env';
import { FeedNotifier } from '../feed/feed.notifier';
import { EventRepository } from '../ingest/event.repository';
import { BatchBuilder } from './batch.builder';
import { FILE_DELIVERY, type FileDelivery, type Subscription } from './delivery.ports';
import {
  DeliveryRepository,
  type DeliveryRecord,
  type SubscriptionRecord,
} from './delivery.repository';
import { DeliverySecrets } from './delivery-secrets';
import { parseRetryAfter, retryDelayMs } from './retry-policy';
import { webhookHeaders } from './webhook-signature';
import { WebhookClient, type WebhookOutcome } from './webhook.client';

/** Deliveries one replica sends at once per tick. */
const CLAIM_BATCH = 20;
/**
 * A claimed delivery is leased for the attempt's timeout plus this: long enough that a slow
 * database after the send (the attempt and its outcome are written then) never lets another
 * replica claim and send it again, short enough that a replica dying mid-send delays it little.
 */
const LEASE_MARGIN_MS = 30_000;
/** Subscriptions whose realtime batches one tick builds at most. */
const BUILD_BATCH = 100;

/**
 * Runs on every replica, every DELIVERY_POLL_INTERVAL_MS: builds realtime batches for
 * subscriptions whose feed moved (BatchBuilder; a per-subscription advisory lock lets one
 * replica build each), queues hourly and daily windows that have ended, then claims due
 * deliveries (FOR UPDATE SKIP LOCKED: each goes to one replica) and sends them.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly builder: BatchBuilder,
    private readonly secrets: DeliverySecrets,
    private readonly webhooks: WebhookClient,
    private readonly events: EventRepository,
    private readonly notifier: FeedNotifier,
    private readonly env: ActivityEnv,
    @Optional() @Inject(FILE_DELIVERY) private readonly files?: FileDelivery,
  ) {
    this.task = new PeriodicTask({
      name: 'activity delivery',
      intervalMs: env.DELIVERY_POLL_INTERVAL_MS,
      runAtStart: true,
      logger: this.logger,
      run: (stopping) => this.tick(stopping),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Runs a tick now (or joins the one in progress). */
  trigger(): Promise<number | undefined> {
    return this.task.trigger();
  }

  /** One pass; the number of attempts made. */
  async tick(stopping: () => boolean = () => false): Promise<number> {
    for (const id of await this.repo.realtimeWithNewEvents(BUILD_BATCH)) {
      if (stopping()) return 0;
      await this.builder.buildRealtime(id);
    }
    await this.scheduleWindows();
    let attempts = 0;
    for (;;) {
      if (stopping()) break;
      const due = await this.repo.claimDue(
        CLAIM_BATCH,
        this.env.DELIVERY_TIMEOUT_MS + LEASE_MARGIN_MS,
      );
      if (due.length === 0) break;
      await Promise.all(due.map((d) => this.attempt(d)));
      attempts += due.length;
    }
    return attempts;
  }

  /** Queues each hourly/daily subscription's next window once it has ended and settled. */
  private async scheduleWindows(): Promise<void> {
    const files = this.files;
    if (!files?.nextWindow) return; // the file side (delivery/files) is not wired in
    const now = Date.now();
    for (const sub of await this.repo.activeFileSubscriptions(BUILD_BATCH)) {
      const last = sub.lastWindowEnd;
      const window = files.nextWindow(
        this.unsealed(sub),
        last ? { start: new Date(last.getTime() - 1), end: last } : null,
      );
      // Queued once ended and settled (batches sequenced before its end have committed).
      if (window.end.getTime() + this.env.ACTIVITY_DELIVERY_SETTLE_MS > now) continue;
      await this.repo.withSubscriptionLock(sub.id, async (tx, fresh) => {
        if (fresh.lastWindowEnd?.getTime() !== last?.getTime()) return;
        await tx.enqueue(fresh, {
          id: randomUUID(),
          type: 'file',
          replay: false,
          count: 0,
          payload: () => null,
          window,
        });
        await tx.setLastWindowEnd(fresh.id, window.end);
      });
    }
  }

  /** One attempt of a claimed delivery, and what follows from its outcome. */
  async attempt(d: DeliveryRecord): Promise<void> {
    const sub = await this.repo.findById(d.subscriptionId);
    if (!sub) return;
    const at = new Date();
    let outcome: WebhookOutcome;
    try {
      outcome = await this.send(sub, d);
    } catch (err) {
      outcome = { statusCode: null, durationMs: Date.now() - at.getTime(), error: String(err) };
    }
    await this.repo.recordAttempt(d.id, { at, ...outcome });
    const code = outcome.statusCode;
    if (code !== null && code >= 200 && code < 300) {
      await this.repo.markDelivered(d.id);
      if (sub.failingSince) await this.repo.clearFailing(sub.id);
      return;
    }
    if (code === 410) {
      // Paused first: due again before that, another replica could send it once more.
      await this.pause(sub, 'gone', outcome);
      // Stays pending: resuming delivers it first.
      await this.repo.scheduleRetry(d.id, new Date());
      return;
    }
    const failingSince = await this.repo.markFailing(sub.id, at);
    const retryAfter =
      code === 429 || code === 503 ? parseRetryAfter(outcome.retryAfter, Date.now()) : null;
    const delay = retryDelayMs(
      d.attemptCount,
      this.env.DELIVERY_BACKOFF_SCALE,
      Math.random,
      retryAfter,
    );
    await this.repo.scheduleRetry(d.id, new Date(Date.now() + delay));
    if (Date.now() - failingSince.getTime() >= this.env.DELIVERY_PAUSE_AFTER_SECONDS * 1000) {
      await this.pause(sub, 'failing', outcome);
    }
  }

  private async send(sub: SubscriptionRecord, d: DeliveryRecord): Promise<WebhookOutcome> {
    let body = d.payload;
    if (d.type === 'file') {
      const started = Date.now();
      if (!this.files) {
        return { statusCode: null, durationMs: 0, error: 'file delivery is not available' };
      }
      const full = this.unsealed(sub);
      const file = await this.files.build(
        full,
        { start: d.windowStart!, end: d.windowEnd! },
        { replay: d.replay, sequence: d.sequence, previousSequence: d.previousSequence },
      );
      if (full.destination.type === 'sftp') {
        await this.files.deliverSftp(full, file);
        return { ...OK, durationMs: Date.now() - started };
      }
      if (full.destination.type === 'pull') return { ...OK, durationMs: Date.now() - started };
      if (!body) {
        const link = this.files.signedFileUrl?.(full, file);
        body = JSON.stringify({
          type: 'banking-activities.file',
          subscriptionId: sub.id,
          sequence: d.sequence,
          previousSequence: d.previousSequence,
          replay: d.replay,
          window: { start: d.windowStart, end: d.windowEnd },
          file: {
            fileId: file.fileId,
            url: link?.url ?? null,
            expiresAt: link?.expiresAt ?? null,
            sha256: file.sha256,
            bytes: file.bytes,
            count: file.count,
            format: file.format,
          },
        });
        await this.repo.setPayload(d.id, body, file.count);
      }
    }
    if (sub.destination.type !== 'webhook' || body === null) {
      return { statusCode: null, durationMs: 0, error: 'nothing to send' };
    }
    return this.postSigned(sub, d.id, body);
  }

  /** POSTs a body to the subscription's webhook, signed with every live secret. */
  async postSigned(sub: SubscriptionRecord, id: string, body: string): Promise<WebhookOutcome> {
    if (sub.destination.type !== 'webhook') throw new Error('not a webhook subscription');
    const headers = webhookHeaders(id, Math.floor(Date.now() / 1000), body, this.liveSecrets(sub));
    return this.webhooks.post(sub.destination.url, headers, body);
  }

  /** The current secret, and the previous one while its overlap lasts. */
  liveSecrets(sub: SubscriptionRecord): string[] {
    const out: string[] = [];
    if (sub.secretSealed) out.push(this.secrets.open(sub.id, 'webhook', sub.secretSealed));
    if (
      sub.previousSecretSealed &&
      sub.previousSecretExpiresAt &&
      sub.previousSecretExpiresAt.getTime() > Date.now()
    ) {
      out.push(this.secrets.open(sub.id, 'webhook', sub.previousSecretSealed));
    }
    return out;
  }

  /** The port's Subscription, SFTP credentials unsealed (for the file side). */
  unsealed(sub: SubscriptionRecord): Subscription {
    const { id, institutionId, name, cadence, timeZone, filter, requestedAttributes, format } = sub;
    let destination = sub.destination;
    if (destination.type === 'sftp' && sub.destinationSealed) {
      const creds = JSON.parse(this.secrets.open(sub.id, 'sftp', sub.destinationSealed)) as {
        password?: string;
        privateKey?: string;
      };
      destination = { ...destination, ...creds };
    }
    return {
      id,
      institutionId,
      name,
      cadence,
      timeZone,
      filter,
      requestedAttributes,
      format,
      destination,
      status: sub.status,
      createdAt: sub.createdAt,
    };
  }

  /**
   * Pauses the subscription and, if this call paused it, writes a deliverySubscriptionPaused
   * event into the FI's own activity through the ingest path (so it is in the feed, in commit
   * order, like any event).
   */
  private async pause(
    sub: SubscriptionRecord,
    reason: 'gone' | 'failing',
    last: WebhookOutcome,
  ): Promise<void> {
    if (
      !(await this.repo.pause(
        sub.id,
        reason === 'gone' ? 'webhook answered 410 Gone' : 'failing for too long',
      ))
    )
      return;
    this.logger.warn({ subscriptionId: sub.id, reason }, 'delivery subscription paused');
    const result = await this.events.writeBatch([
      {
        guid: randomUUID(),
        eventId: 'deliverySubscriptionPaused',
        occurredAt: Date.now(),
        institutionId: sub.institutionId,
        userType: null,
        loginId: 'platform',
        customerId: null,
        institutionCustomerId: null,
        accountType: null,
        channel: 'system',
        ipAddress: null,
        attributes: {
          subscriptionId: sub.id,
          subscriptionName: sub.name,
          pauseReason: reason,
          ...(last.statusCode !== null ? { lastStatusCode: last.statusCode } : {}),
          ...(last.error ? { lastError: last.error.slice(0, 1024) } : {}),
        },
      },
    ]);
    if (result.institutions.length) this.notifier.emitLocal(result.institutions);
  }
}

const OK = { statusCode: 200, error: null } as const;
