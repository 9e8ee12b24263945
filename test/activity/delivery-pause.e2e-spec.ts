import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateEvents, ingest } from '../support/activity-fixtures';
import {
  ACTIVITIES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';
import {
  expectRepeatsExplained,
  firstCopies,
  type LoggedDelivery,
  receiptOf,
} from '../support/webhook-repeats';

const SUBS = `${ACTIVITIES}/subscriptions`;
const SCOPES = 'banking-activities:read account:read banking-activities:deliveries';
const HOUR = 3_600_000;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; sequence: number; bankingActivities: { guid: string }[] };
  status: number;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
async function until<T>(check: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * "5 days of failure" shrunk: DELIVERY_PAUSE_AFTER_SECONDS=2 and the retry schedule scaled by
 * DELIVERY_BACKOFF_SCALE, a receiver answering 500 to everything until told otherwise.
 */
describe('Banking Activity delivery: pause after failing too long (e2e)', () => {
  let p: ActivityPlatform;
  let server: Server;
  let url: string;
  let answer = 500;
  const requests: Received[] = [];
  const now = Date.now();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        requests.push({
          headers: req.headers,
          body,
          json: JSON.parse(body) as Received['json'],
          status: answer,
        });
        res.writeHead(answer);
        res.end('x');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/always-failing`;
    p = await startActivityPlatform('activity_delivery_pause', {
      DELIVERY_SECRET_KEY: randomBytes(32).toString('base64url'),
      DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
      DELIVERY_POLL_INTERVAL_MS: '100',
      // Far above a local answer's time: an attempt timed out while this process (the receiver
      // too) stalled would reach the receiver late, after the paused count below is taken.
      DELIVERY_TIMEOUT_MS: '3000',
      // 5 s, 5 min, 30 min, ... become 1 ms, 60 ms, 360 ms, ...: a few attempts inside 2 s.
      DELIVERY_BACKOFF_SCALE: '0.0002',
      DELIVERY_PAUSE_AFTER_SECONDS: '2',
    });
  });

  afterAll(async () => {
    await p?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('pauses a subscription failing longer than the pause setting, writes deliverySubscriptionPaused, sends nothing while paused, and resume delivers the pending delivery with its webhook-id', async () => {
    const token = await p.token('fi-pause', SCOPES);
    const internal = await p.internalToken();
    const created = await p.post<{ subscriptionId: string }>(SUBS, token, {
      name: 'always failing',
      cadence: 'realtime',
      destination: { type: 'webhook', url },
    });
    expect(created.status).toBe(201);
    const id = created.body.subscriptionId;

    const first = generateEvents('fi-pause', 3, now - HOUR, now, 700);
    await ingest(p, internal, first);

    const paused = await until(async () => {
      const res = await p.get<{ status: string; pausedReason: string | null }>(
        `${SUBS}/${id}`,
        token,
      );
      return res.body.status === 'paused' ? res.body : undefined;
    });
    expect(paused.pausedReason).toMatch(/fail/i);
    // Several attempts, all answered 500, all the same delivery (webhook-id, sequence 1).
    const failed = [...requests];
    expect(failed.length).toBeGreaterThan(1);
    expect(failed.every((r) => r.status === 500)).toBe(true);
    expect(new Set(failed.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(failed.every((r) => r.json.sequence === 1)).toBe(true);

    // The pause is in the FI's own activity.
    const event = await until(async () => {
      const search = await p.post<{
        bankingActivities: {
          subscriptionId?: string;
          pauseReason?: string;
          lastStatusCode?: number;
          attributes?: Record<string, unknown>;
        }[];
      }>(ACTIVITIES, token, {
        startTime: new Date(now - HOUR).toISOString(),
        endTime: new Date(Date.now() + 60_000).toISOString(),
        eventIds: ['deliverySubscriptionPaused'],
      });
      expect(search.status).toBe(200);
      return search.body.bankingActivities.find(
        (e) => (e.subscriptionId ?? e.attributes?.subscriptionId) === id,
      );
    });
    expect(JSON.stringify(event)).toMatch(/failing/);

    // While paused: more events arrive and the receiver would now answer 200, yet nothing is
    // sent (ten poll intervals pass; a paused subscription is not claimed).
    answer = 200;
    const later = generateEvents('fi-pause', 4, now - HOUR, now, 701);
    await ingest(p, internal, later);
    await new Promise((r) => setTimeout(r, 1000));
    expect(requests.length).toBe(failed.length);
    const still = await p.get<{ status: string }>(`${SUBS}/${id}`, token);
    expect(still.body.status).toBe('paused');

    const resumed = await fetch(`${p.activity.url}${SUBS}/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'active' }),
    });
    expect(resumed.status).toBe(200);
    const mine = [...first, ...later].map((e) => e.guid);
    const answered = () => requests.filter((r) => r.status === 200);
    await until(() => {
      const got = firstCopies(answered(), receiptOf);
      const guids = got.flatMap((r) => r.json.bankingActivities.map((e) => e.guid));
      return mine.every((g) => guids.includes(g)) ? true : undefined;
    });
    // A delivery answered 200 arrives again only after an attempt the log shows timed out
    // (DELIVERY_TIMEOUT_MS is 3 s, and this process is the receiver too): the first copy counts.
    const log = await until(async () => {
      const res = await p.get<{ deliveries: LoggedDelivery[] }>(`${SUBS}/${id}/deliveries`, token);
      const all = res.body.deliveries;
      return all.length > 0 && all.every((d) => d.status === 'delivered') ? all : undefined;
    });
    const ok = expectRepeatsExplained(answered(), receiptOf, log);
    // The pending delivery goes first, with the webhook-id of its failed attempts.
    expect(ok[0]!.headers['webhook-id']).toBe(failed[0]!.headers['webhook-id']);
    expect(ok[0]!.json.sequence).toBe(1);
    expect(ok[0]!.json.bankingActivities.map((e) => e.guid)).toEqual(first.map((e) => e.guid));
    ok.forEach((r, i) => expect(r.json.sequence).toBe(i + 1));
  });
});
