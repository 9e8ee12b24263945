import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ActivityServiceModule } from '../../apps/activity-service/src/app.module';
import { activityServiceOptions } from '../../apps/activity-service/src/main';
import { generateEvents, ingest, type WireEvent } from '../support/activity-fixtures';
import {
  ACTIVITIES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';
import { baseEnv, feedClientEnv, INTERNAL, startApp, type RunningApp } from '../support/platform';
import { expectRepeatsExplained, firstCopies, receiptOf } from '../support/webhook-repeats';

const SUBS = `${ACTIVITIES}/subscriptions`;
const SCOPES = 'banking-activities:read account:read banking-activities:deliveries';
const HOUR = 3_600_000;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: {
    type: string;
    subscriptionId: string;
    sequence: number;
    previousSequence: number | null;
    replay: boolean;
    count: number;
    bankingActivities: { guid: string; eventId: string; userType: string }[];
  };
  status: number;
}

type Reply = { status: number; delayMs?: number; headers?: Record<string, string> };

/** A webhook receiver on loopback: scripted answers per path, every request kept. */
class Receiver {
  readonly requests: Received[] = [];
  private readonly scripts = new Map<string, Reply[]>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        const script = this.scripts.get(path);
        const reply = (script && script.length > 1 ? script.shift() : script?.[0]) ?? {
          status: 200,
        };
        this.requests.push({
          path,
          headers: req.headers,
          body,
          json: JSON.parse(body) as Received['json'],
          // A reply held past the client's timeout never reaches it: recorded as 0.
          status: reply.delayMs ? 0 : reply.status,
        });
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, reply.headers ?? {});
          res.end('ok');
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
        else send();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(path: string, replies: Reply[]): void {
    this.scripts.set(path, [...replies]);
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
async function until<T>(check: () => Promise<T | undefined> | T | undefined, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Verifies a request with the standardwebhooks package; throws when no signature matches. */
function verify(secret: string, r: Received): void {
  new Webhook(secret).verify(r.body, {
    'webhook-id': r.headers['webhook-id'] as string,
    'webhook-timestamp': r.headers['webhook-timestamp'] as string,
    'webhook-signature': r.headers['webhook-signature'] as string,
  });
}

/** The batches received at `path` that the receiver answered with success, in arrival order. */
function delivered(rx: Receiver, path: string): Received[] {
  return rx
    .at(path)
    .filter((r) => r.status >= 200 && r.status < 300 && r.json.type !== 'subscription.test');
}

describe('Banking Activity delivery: realtime webhooks (e2e)', () => {
  let p: ActivityPlatform;
  let second: RunningApp;
  let rx: Receiver;
  let internal: string;
  let tokenA: string;
  let tokenB: string;
  const env = {
    DELIVERY_SECRET_KEY: randomBytes(32).toString('base64url'),
    DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
    DELIVERY_POLL_INTERVAL_MS: '100',
    // Long against normal latency (all of it in this process), so that an answer the receiver
    // sent at once is not taken for a timeout on a loaded machine; only /flaky's held reply
    // times out. A repeat is still tolerated where the log explains it (webhook-repeats.ts).
    DELIVERY_TIMEOUT_MS: '3000',
    DELIVERY_BACKOFF_SCALE: '0.0002',
    DELIVERY_PAUSE_AFTER_SECONDS: '3600',
  };
  const now = Date.now();

  beforeAll(async () => {
    rx = new Receiver();
    await rx.start();
    p = await startActivityPlatform('activity_delivery', env);
    // A second replica on the same database: every delivery must still go out once.
    second = await startApp(
      ActivityServiceModule,
      activityServiceOptions,
      baseEnv(p.db, {
        AUTH_ISSUER: p.auth.url,
        AUTH_INTERNAL_URL: p.auth.url,
        ...feedClientEnv(INTERNAL.activityService),
        ...env,
      }),
    );
    internal = await p.internalToken();
    tokenA = await p.token('fi-a', SCOPES);
    tokenB = await p.token('fi-b', SCOPES);
  });

  afterAll(async () => {
    await second?.close();
    await p?.close();
    await rx?.close();
  });

  async function subscribe(token: string, path: string, extra: Record<string, unknown> = {}) {
    const res = await p.post<{ subscriptionId: string; secret: string; status: string }>(
      SUBS,
      token,
      {
        name: path,
        cadence: 'realtime',
        destination: { type: 'webhook', url: rx.url + path },
        ...extra,
      },
    );
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('active');
    expect(res.body.secret).toMatch(/^whsec_/);
    return res.body;
  }

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${p.activity.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const deliveries = (token: string, id: string) =>
    p.get<{
      deliveries: {
        deliveryId: string;
        sequence: number;
        status: string;
        attempts: { statusCode: number | null; error: string | null }[];
      }[];
    }>(`${SUBS}/${id}/deliveries?pageSize=200`, token);

  /** The delivery log once every delivery in it is delivered: no attempt is still to come. */
  const settledLog = (token: string, id: string) =>
    until(async () => {
      const log = (await deliveries(token, id)).body.deliveries;
      return log.length > 0 && log.every((d) => d.status === 'delivered') ? log : undefined;
    });

  it('needs the deliveries scope, validates with the search codes, and never shows the secret again', async () => {
    const readOnly = await p.token('fi-a', 'banking-activities:read account:read');
    expect((await p.get(SUBS, readOnly)).status).toBe(403);
    const badFilter = await p.post<{ code: string; errors: { pointer: string }[] }>(SUBS, tokenA, {
      name: 'x',
      cadence: 'realtime',
      filter: { eventIds: ['nope'], userType: 'retail' },
      destination: { type: 'webhook', url: `${rx.url}/x` },
    });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.code).toBe('BAS_10005');
    expect(badFilter.body.errors[0]!.pointer).toBe('/filter/eventIds/0');
    const badZone = await p.post<{ code: string }>(SUBS, tokenA, {
      name: 'x',
      cadence: 'daily',
      timeZone: 'Mars/Olympus',
      destination: { type: 'pull' },
    });
    expect(badZone.status).toBe(400);
    const sub = await subscribe(tokenA, '/scope');
    const read = await p.get<Record<string, unknown>>(`${SUBS}/${sub.subscriptionId}`, tokenA);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain('whsec_');
    // Another FI sees no such subscription.
    expect((await p.get(`${SUBS}/${sub.subscriptionId}`, tokenB)).status).toBe(404);
    expect((await p.post(`${SUBS}/${sub.subscriptionId}/test`, tokenA, {})).status).toBe(200);
    await until(() => (rx.at('/scope').length === 1 ? true : undefined));
    verify(sub.secret, rx.at('/scope')[0]!);
    expect((await call('DELETE', `${SUBS}/${sub.subscriptionId}`, tokenB)).status).toBe(404);
    expect((await call('DELETE', `${SUBS}/${sub.subscriptionId}`, tokenA)).status).toBe(204);
    expect((await p.get(`${SUBS}/${sub.subscriptionId}`, tokenA)).status).toBe(404);
    // Ids this service never makes are simply not found, on every route.
    for (const id of ['null', 'not-a-uuid', '12345']) {
      expect((await call('DELETE', `${SUBS}/${id}`, tokenA)).status).toBe(404);
      expect((await p.get(`${SUBS}/${id}`, tokenA)).status).toBe(404);
      expect((await call('PATCH', `${SUBS}/${id}`, tokenA, { name: 'x' })).status).toBe(404);
    }
  });

  it('delivers ingested events of its FI matching its filter, in order, each once across two replicas', async () => {
    const sub = await subscribe(tokenA, '/rt', { filter: { userType: 'business' } });
    const events: WireEvent[] = [];
    for (let k = 0; k < 6; k++) {
      const a = generateEvents('fi-a', 150, now - 2 * HOUR, now - HOUR, 100 + k);
      const b = generateEvents('fi-b', 40, now - 2 * HOUR, now - HOUR, 200 + k);
      events.push(...a);
      await ingest(p, internal, [...a, ...b], 97);
    }
    const expected = events.filter((e) => e.userType === 'business').map((e) => e.guid);
    // A receiver dedupes by webhook-id (Standard Webhooks): a batch arrives a second time only
    // when its first send was not acknowledged within DELIVERY_TIMEOUT_MS (a loaded machine).
    const got = await until(() => {
      const all = firstCopies(delivered(rx, '/rt'), receiptOf).flatMap((r) =>
        r.json.bankingActivities.map((e) => e.guid),
      );
      return all.length >= expected.length ? all : undefined;
    });
    expect(got).toEqual(expected);
    // Every repeat is the same delivery (same id and body) after an attempt the delivery log
    // shows timed out: never a second delivery of the same events.
    const log = await settledLog(tokenA, sub.subscriptionId);
    const receipts = delivered(rx, '/rt');
    receipts.forEach((r) => verify(sub.secret, r));
    const batches = expectRepeatsExplained(receipts, receiptOf, log);
    // Each delivery of the log reached the receiver, in sequence, and nothing else did.
    expect(batches.map((r) => r.headers['webhook-id'])).toEqual(
      [...log].sort((a, b) => a.sequence - b.sequence).map((d) => d.deliveryId),
    );
    batches.forEach((r, i) => {
      expect(r.json).toMatchObject({
        type: 'banking-activities.batch',
        subscriptionId: sub.subscriptionId,
        sequence: i + 1,
        previousSequence: i === 0 ? null : i,
        replay: false,
      });
      expect(r.json.count).toBe(r.json.bankingActivities.length);
      expect(r.json.count).toBeLessThanOrEqual(500);
    });
  });

  it('retries a failing receiver (500, timeout, 429 with Retry-After) with the same webhook-id and sequence, and logs each attempt', async () => {
    // The held reply comes a second after DELIVERY_TIMEOUT_MS (3 s): that attempt times out,
    // and no other answer comes anywhere near it, so the attempts are exactly these four.
    rx.script('/flaky', [
      { status: 500 },
      { status: 200, delayMs: 4000 },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200 },
    ]);
    const sub = await subscribe(tokenA, '/flaky');
    await ingest(p, internal, generateEvents('fi-a', 5, now - HOUR, now, 300));
    await until(() => (delivered(rx, '/flaky').length === 1 ? true : undefined));
    const tries = rx.at('/flaky');
    expect(tries.map((r) => r.status)).toEqual([500, 0, 429, 200]);
    expect(new Set(tries.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(tries.map((r) => r.json.sequence))).toEqual(new Set([1]));
    tries.forEach((r) => verify(sub.secret, r));
    const log = await until(async () => {
      const res = await deliveries(tokenA, sub.subscriptionId);
      return res.body.deliveries[0]?.status === 'delivered' ? res.body : undefined;
    });
    const attempts = log.deliveries[0]!.attempts;
    expect(attempts.map((a) => a.statusCode)).toEqual([500, null, 429, 200]);
    expect(attempts[1]!.error).toMatch(/timed out/);
    expect(log.deliveries[0]!.deliveryId).toBe(tries[0]!.headers['webhook-id']);
    // Retry-After: 1 was honoured (the 4th try came at least a second after the 3rd).
    const at = (
      await p.sql.query<{ at: Date }>(
        `SELECT a.at FROM activity.delivery_attempts a WHERE a.delivery_id = $1 ORDER BY a.id`,
        [log.deliveries[0]!.deliveryId],
      )
    ).rows.map((r) => r.at.getTime());
    expect(at[3]! - at[2]!).toBeGreaterThanOrEqual(900);
  });

  it('pauses at once on 410 Gone, writes deliverySubscriptionPaused into the FI activity, and on resume delivers the backlog in order', async () => {
    rx.script('/gone', [{ status: 410 }, { status: 200 }]);
    const sub = await subscribe(tokenA, '/gone');
    const first = generateEvents('fi-a', 3, now - HOUR, now, 400);
    await ingest(p, internal, first);
    const paused = await until(async () => {
      const res = await p.get<{ status: string; pausedReason: string }>(
        `${SUBS}/${sub.subscriptionId}`,
        tokenA,
      );
      return res.body.status === 'paused' ? res.body : undefined;
    });
    expect(paused.pausedReason).toMatch(/410/);
    const search = await p.post<{
      bankingActivities: { attributes?: unknown; subscriptionId?: string }[];
    }>(ACTIVITIES, tokenA, {
      startTime: new Date(now - HOUR).toISOString(),
      endTime: new Date(Date.now() + 60_000).toISOString(),
      eventIds: ['deliverySubscriptionPaused'],
    });
    expect(search.status).toBe(200);
    expect(search.body.bankingActivities.map((e) => e.subscriptionId)).toContain(
      sub.subscriptionId,
    );
    // While paused, more events arrive; nothing is sent.
    const later = generateEvents('fi-a', 4, now - HOUR, now, 401);
    await ingest(p, internal, later);
    const sentWhilePaused = rx.at('/gone').length;
    expect(sentWhilePaused).toBe(1);
    const resumed = await call('PATCH', `${SUBS}/${sub.subscriptionId}`, tokenA, {
      status: 'active',
    });
    expect(resumed.status).toBe(200);
    const all = await until(() => {
      const got = firstCopies(delivered(rx, '/gone'), receiptOf).flatMap((r) =>
        r.json.bankingActivities.map((e) => e.guid),
      );
      return got.length >= 7 ? got : undefined;
    });
    const mine = [...first, ...later].map((e) => e.guid);
    expect(all.filter((g) => mine.includes(g))).toEqual(mine);
    const log = await settledLog(tokenA, sub.subscriptionId);
    const ok = expectRepeatsExplained(delivered(rx, '/gone'), receiptOf, log);
    expect(ok[0]!.headers['webhook-id']).toBe(rx.at('/gone')[0]!.headers['webhook-id']);
    ok.forEach((r, i) => expect(r.json.sequence).toBe(i + 1));
  });

  it('signs with both secrets while a rotated-out secret is still honoured', async () => {
    const sub = await subscribe(tokenA, '/rotate');
    const rotated = await p.post<{ secret: string; previousSecretExpiresAt: string }>(
      `${SUBS}/${sub.subscriptionId}/secret`,
      tokenA,
      { previousSecretExpiresIn: 3600 },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    const test = await p.post<{ status: string; statusCode: number }>(
      `${SUBS}/${sub.subscriptionId}/test`,
      tokenA,
      {},
    );
    expect(test.body).toMatchObject({ status: 'delivered', statusCode: 200 });
    const r = rx.at('/rotate').at(-1)!;
    expect((r.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    verify(sub.secret, r);
    verify(rotated.body.secret, r);
    expect(() => verify(`whsec_${randomBytes(32).toString('base64')}`, r)).toThrow();
  });

  it('replays a range as batches marked replay: true', async () => {
    const sub = await subscribe(tokenA, '/replay', { filter: { eventIds: ['loginSuccess'] } });
    const { rows } = await p.sql.query<{ t: Date }>('SELECT clock_timestamp() AS t');
    const startTime = rows[0]!.t.toISOString();
    const events = generateEvents('fi-a', 60, now - HOUR, now, 500);
    await ingest(p, internal, events);
    const expected = events.filter((e) => e.eventId === 'loginSuccess').map((e) => e.guid);
    expect(expected.length).toBeGreaterThan(0);
    await until(() =>
      firstCopies(delivered(rx, '/replay'), receiptOf).flatMap((r) => r.json.bankingActivities)
        .length >= expected.length
        ? true
        : undefined,
    );
    const res = await p.post<{ count: number }>(`${SUBS}/${sub.subscriptionId}/replay`, tokenA, {
      startTime,
      endTime: new Date(Date.now() + 1000).toISOString(),
    });
    expect(res.status).toBe(202);
    expect(res.body.count).toBe(expected.length);
    const replayed = await until(() => {
      const got = firstCopies(delivered(rx, '/replay'), receiptOf).filter((r) => r.json.replay);
      const guids = got.flatMap((r) => r.json.bankingActivities.map((e) => e.guid));
      return guids.length >= expected.length ? guids : undefined;
    });
    expect(replayed).toEqual(expected);
    const log = await settledLog(tokenA, sub.subscriptionId);
    const all = expectRepeatsExplained(delivered(rx, '/replay'), receiptOf, log);
    all.forEach((r, i) => expect(r.json.sequence).toBe(i + 1));
  });
});
