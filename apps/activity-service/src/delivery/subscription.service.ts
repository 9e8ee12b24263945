import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DAY_MS, isObject, UUID_PATTERN } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { parseInstant } from '../common/instant';
import { ActivityEnv } from '../config/activity.env';
import { BatchBuilder } from './batch.builder';
import { DeliveryDispatcher } from './delivery.dispatcher';
import { DeliveryRepository, type SubscriptionRecord } from './delivery.repository';
import { DeliverySecrets } from './delivery-secrets';
import type { Destination } from './delivery.ports';
import { parseCreate, parsePatch } from './subscription.request';
import { newWebhookSecret } from './webhook-signature';

const LOG_PAGE = { default: 50, max: 200 };

/** A subscription as the API shows it: never a secret, password or private key. */
export function subscriptionView(s: SubscriptionRecord): Record<string, unknown> {
  let destination: Record<string, unknown> = { ...s.destination };
  if (s.destination.type === 'sftp') {
    const { password: _p, privateKey: _k, ...rest } = s.destination;
    destination = { ...rest, authentication: s.destinationSealed ? 'sealed' : 'none' };
  }
  return {
    subscriptionId: s.id,
    name: s.name,
    cadence: s.cadence,
    timeZone: s.timeZone,
    filter: s.filter,
    requestedAttributes: s.requestedAttributes,
    format: s.format,
    destination,
    status: s.status,
    pausedReason: s.pausedReason,
    lastSequence: s.lastSequence,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** Delivery subscriptions of one FI: the API's operations, on plain inputs. */
@Injectable()
export class SubscriptionService {
  constructor(
    private readonly repo: DeliveryRepository,
    private readonly secrets: DeliverySecrets,
    private readonly builder: BatchBuilder,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly env: ActivityEnv,
  ) {}

  async create(institutionId: string, body: unknown): Promise<Record<string, unknown>> {
    const input = parseCreate(body, this.env.DELIVERY_ALLOW_PRIVATE_TARGETS);
    const id = randomUUID();
    const secret = input.destination.type === 'webhook' ? newWebhookSecret() : null;
    const { destination, sealed } = this.sealDestination(id, input.destination);
    const stored = await this.repo.insert({
      id,
      institutionId,
      ...input,
      destination,
      destinationSealed: sealed,
      secretSealed: secret ? this.secrets.seal(id, 'webhook', secret) : null,
    });
    return { ...subscriptionView(stored), ...(secret ? { secret } : {}) };
  }

  async list(institutionId: string): Promise<Record<string, unknown>> {
    const subs = await this.repo.list(institutionId);
    return { count: subs.length, subscriptions: subs.map(subscriptionView) };
  }

  async read(institutionId: string, id: string): Promise<Record<string, unknown>> {
    return subscriptionView(await this.find(institutionId, id));
  }

  async update(institutionId: string, id: string, body: unknown): Promise<Record<string, unknown>> {
    const current = await this.find(institutionId, id);
    const patch = parsePatch(body, current.cadence, this.env.DELIVERY_ALLOW_PRIVATE_TARGETS);
    let extra: Record<string, unknown> = {};
    const changes: Parameters<DeliveryRepository['update']>[2] = {
      name: patch.name,
      filter: patch.filter,
      status: patch.status,
    };
    if (patch.destination) {
      const { destination, sealed } = this.sealDestination(id, patch.destination);
      changes.destination = destination;
      changes.destinationSealed = sealed;
      // A subscription that becomes a webhook gets its first secret, shown once.
      if (destination.type === 'webhook' && !current.secretSealed) {
        const secret = newWebhookSecret();
        changes.secretSealed = this.secrets.seal(id, 'webhook', secret);
        extra = { secret };
      }
    }
    const updated = await this.repo.update(institutionId, id, changes);
    if (!updated) throw ActivityErrors.subscriptionNotFound();
    if (patch.status === 'active') void this.dispatcher.trigger();
    return { ...subscriptionView(updated), ...extra };
  }

  async remove(institutionId: string, id: string): Promise<void> {
    // Not an id this service makes: nothing to delete (and nothing to ask PostgreSQL).
    if (!UUID_PATTERN.test(id) || !(await this.repo.delete(institutionId, id)))
      throw ActivityErrors.subscriptionNotFound();
  }

  /** A new secret; the current one keeps signing beside it for previousSecretExpiresIn seconds. */
  async rotateSecret(
    institutionId: string,
    id: string,
    body: unknown,
  ): Promise<Record<string, unknown>> {
    const sub = await this.find(institutionId, id);
    if (sub.destination.type !== 'webhook' || !sub.secretSealed) throw ActivityErrors.notAWebhook();
    const raw = isObject(body) ? body.previousSecretExpiresIn : undefined;
    const seconds = raw === undefined || raw === null ? 86_400 : raw;
    if (!Number.isInteger(seconds) || (seconds as number) < 0 || (seconds as number) > 7 * 86_400) {
      throw ActivityErrors.invalidArguments([
        { pointer: '/previousSecretExpiresIn', detail: 'must be an integer from 0 to 604800' },
      ]);
    }
    const secret = newWebhookSecret();
    const expiresAt = new Date(Date.now() + (seconds as number) * 1000);
    await this.repo.rotateSecret(
      institutionId,
      id,
      this.secrets.seal(id, 'webhook', secret),
      (seconds as number) > 0 ? sub.secretSealed : null,
      (seconds as number) > 0 ? expiresAt : null,
    );
    return {
      subscriptionId: id,
      secret,
      previousSecretExpiresAt: (seconds as number) > 0 ? expiresAt.toISOString() : null,
    };
  }

  /** Sends a `subscription.test` now and answers with the attempt's outcome. */
  async test(institutionId: string, id: string): Promise<Record<string, unknown>> {
    const sub = await this.find(institutionId, id);
    if (sub.destination.type !== 'webhook') throw ActivityErrors.notAWebhook();
    const deliveryId = randomUUID();
    const at = new Date();
    const body = JSON.stringify({
      type: 'subscription.test',
      subscriptionId: sub.id,
      sentAt: at.toISOString(),
    });
    await this.repo.insertTest(sub, deliveryId, body);
    const outcome = await this.dispatcher.postSigned(sub, deliveryId, body);
    await this.repo.recordAttempt(deliveryId, { at, ...outcome });
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    if (ok) await this.repo.markDelivered(deliveryId);
    else await this.repo.markFailed(deliveryId);
    return {
      deliveryId,
      status: ok ? 'delivered' : 'failed',
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      error: outcome.error,
    };
  }

  /** Delivers a range again (commit time, within the look-back window), marked replay: true. */
  async replay(institutionId: string, id: string, body: unknown): Promise<Record<string, unknown>> {
    const sub = await this.find(institutionId, id);
    if (!isObject(body)) throw ActivityErrors.unreadableBody();
    const start = parseInstant(body.startTime);
    const end = parseInstant(body.endTime);
    const errors = [];
    if (start === null) errors.push({ pointer: '/startTime', detail: 'is required: ISO 8601' });
    if (end === null) errors.push({ pointer: '/endTime', detail: 'is required: ISO 8601' });
    for (const key of Object.keys(body))
      if (key !== 'startTime' && key !== 'endTime')
        errors.push({ pointer: `/${key}`, detail: 'is not a known field' });
    if (errors.length) throw ActivityErrors.invalidArguments(errors);
    if (start! >= end!) throw ActivityErrors.startNotBeforeEnd();
    const days = this.env.ACTIVITY_MAX_LOOKBACK_DAYS;
    if (start! < Date.now() - days * DAY_MS) throw ActivityErrors.startBeyondLookback(days);
    if (sub.cadence !== 'realtime') {
      const sequence = await this.repo.withSubscriptionLock(id, (tx, fresh) =>
        tx.enqueue(fresh, {
          id: randomUUID(),
          type: 'file',
          replay: true,
          count: 0,
          payload: () => null,
          window: { start: new Date(start!), end: new Date(end!) },
        }),
      );
      if (sequence === undefined)
        throw ActivityErrors.unavailable('The subscription is busy; try again.');
      void this.dispatcher.trigger();
      return { subscriptionId: id, type: 'file', deliveries: 1, sequence };
    }
    const built = await this.builder.buildReplay(
      id,
      new Date(start!),
      new Date(end!),
      this.env.DELIVERY_REPLAY_MAX_EVENTS,
    );
    if (!built) throw ActivityErrors.unavailable('The subscription is busy; try again.');
    void this.dispatcher.trigger();
    return { subscriptionId: id, type: 'batch', deliveries: built.batches, count: built.count };
  }

  /** The delivery log, newest first; `pageToken` continues it. */
  async deliveries(
    institutionId: string,
    id: string,
    query: { pageSize?: string; pageToken?: string },
  ): Promise<Record<string, unknown>> {
    await this.find(institutionId, id);
    const size = query.pageSize === undefined ? LOG_PAGE.default : Number(query.pageSize);
    if (!Number.isInteger(size) || size < 1 || size > LOG_PAGE.max)
      throw ActivityErrors.invalidArguments([
        { pointer: '/pageSize', detail: `must be an integer from 1 to ${LOG_PAGE.max}` },
      ]);
    let before: { createdAt: string; id: string } | null = null;
    if (query.pageToken) {
      try {
        const t = JSON.parse(Buffer.from(query.pageToken, 'base64url').toString()) as unknown;
        if (!isObject(t) || typeof t.c !== 'string' || typeof t.i !== 'string') throw new Error();
        if (!/^[0-9a-f-]{36}$/.test(t.i) || parseInstant(t.c) === null) throw new Error();
        before = { createdAt: t.c, id: t.i };
      } catch {
        throw ActivityErrors.invalidArguments([
          { pointer: '/pageToken', detail: 'is not a token of this log' },
        ]);
      }
    }
    const rows = await this.repo.log(id, before, size + 1);
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return {
      count: page.length,
      nextPageToken:
        rows.length > size && last
          ? Buffer.from(JSON.stringify({ c: last.createdKey, i: last.id })).toString('base64url')
          : null,
      deliveries: page.map((d) => ({
        deliveryId: d.id,
        sequence: d.sequence,
        previousSequence: d.previousSequence,
        type: d.type,
        replay: d.replay,
        count: d.count,
        ...(d.windowStart ? { window: { start: d.windowStart, end: d.windowEnd } } : {}),
        status: d.status,
        nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
        createdAt: d.createdAt,
        attempts: d.attempts,
      })),
    };
  }

  private async find(institutionId: string, id: string): Promise<SubscriptionRecord> {
    if (!UUID_PATTERN.test(id)) throw ActivityErrors.subscriptionNotFound();
    const sub = await this.repo.find(institutionId, id);
    if (!sub) throw ActivityErrors.subscriptionNotFound();
    return sub;
  }

  /** The destination without its credentials, and the credentials sealed. */
  private sealDestination(
    id: string,
    d: Destination,
  ): { destination: Destination; sealed: string | null } {
    if (d.type !== 'sftp') return { destination: d, sealed: null };
    const { password, privateKey, ...rest } = d;
    return {
      destination: rest,
      sealed: this.secrets.seal(id, 'sftp', JSON.stringify({ password, privateKey })),
    };
  }
}
