import { randomUUID } from 'node:crypto';
import {
  ACTIVITIES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';
import { SEQ_PER_BATCH } from '../../apps/activity-service/src/storage/schema';

const DAY = 86_400_000;
const BATCH = `${ACTIVITIES}/batch`;

/** A valid loginSuccess of `fi`, with overrides. */
const event = (over: Record<string, unknown> = {}) => ({
  guid: randomUUID(),
  eventId: 'loginSuccess',
  timeStamp: new Date(Date.now() - 60_000).toISOString(),
  userType: 'retail',
  loginId: 'jdoe2026',
  customerId: randomUUID(),
  channel: 'mobile',
  ipAddress: '203.0.113.7',
  attributes: { clientId: 'sandbox-app' },
  ...over,
});

describe('Banking Activity ingest (e2e)', () => {
  let p: ActivityPlatform;
  let writeA: string;
  let internal: string;

  beforeAll(async () => {
    p = await startActivityPlatform('activity_ingest');
    writeA = await p.token('fi-a', 'banking-activities:write');
    internal = await p.internalToken();
  });

  afterAll(async () => {
    await p?.close();
  });

  const stored = async (guids: string[]) =>
    (
      await p.sql.query(
        'SELECT guid::text, institution_id, occurred_at FROM activity.events WHERE guid::text = ANY($1::text[]) ORDER BY seq',
        [guids],
      )
    ).rows as {
      guid: string;
      institution_id: string;
      occurred_at: Date;
    }[];

  it("stores an FI's batch and answers 202 {accepted, duplicates}", async () => {
    const events = [
      event(),
      event({ eventId: 'logout', attributes: {} }),
      event({ institutionId: 'fi-a' }),
    ];
    const res = await p.post(BATCH, writeA, { events });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 3, duplicates: 0 });
    const rows = await stored(events.map((e) => e.guid));
    expect(rows.map((r) => r.institution_id)).toEqual(['fi-a', 'fi-a', 'fi-a']);
  });

  it('stores awkward text exactly as sent (quotes, backslashes, NULL, spaces, unicode)', async () => {
    const odd = 'a b,"c"\\{d} \u00e9 \u{1F600}';
    const events = [
      event({ loginId: 'NULL', customerId: 'null', accountType: 'Checking Account' }),
      event({ loginId: odd, attributes: { clientId: `x "y" \\ z, {}\n${odd}` } }),
    ];
    expect((await p.post(BATCH, writeA, { events })).body).toEqual({ accepted: 2, duplicates: 0 });
    const rows = (
      await p.sql.query(
        'SELECT login_id, customer_id, account_type, attributes FROM activity.events WHERE guid = ANY($1::uuid[]) ORDER BY seq',
        [events.map((e) => e.guid)],
      )
    ).rows as Record<string, unknown>[];
    expect(rows).toEqual([
      {
        login_id: 'NULL',
        customer_id: 'null',
        account_type: 'Checking Account',
        attributes: { clientId: 'sandbox-app' },
      },
      {
        login_id: odd,
        customer_id: events[1]!.customerId,
        account_type: null,
        attributes: events[1]!.attributes,
      },
    ]);
  });

  it('is idempotent on guid: replays, in-batch repeats and a guid reused with another time', async () => {
    const events = [event(), event()];
    expect((await p.post(BATCH, writeA, { events })).body).toEqual({ accepted: 2, duplicates: 0 });
    expect((await p.post(BATCH, writeA, { events })).body).toEqual({ accepted: 0, duplicates: 2 });
    const again = event();
    const moved = { ...events[0]!, timeStamp: new Date(Date.now() - 3 * DAY).toISOString() };
    expect((await p.post(BATCH, writeA, { events: [again, again, moved] })).body).toEqual({
      accepted: 1,
      duplicates: 2,
    });
    const rows = await stored([events[0]!.guid]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.occurred_at.toISOString()).toBe(events[0]!.timeStamp);
  });

  it('stores only the new events of a batch holding stored guids, also when it is sent twice at once', async () => {
    const first = [event(), event()];
    expect((await p.post(BATCH, writeA, { events: first })).body).toEqual({
      accepted: 2,
      duplicates: 0,
    });
    // A stored guid last: rows before it are written before the key conflict shows.
    const fresh = [event(), event(), event()];
    const batch = [...fresh, first[1]!];
    const answers = await Promise.all([
      p.post<{ accepted: number; duplicates: number }>(BATCH, writeA, { events: batch }),
      p.post<{ accepted: number; duplicates: number }>(BATCH, writeA, { events: batch }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(answers.map((a) => a.body.accepted).sort()).toEqual([0, 3]);
    expect(answers.map((a) => a.body.duplicates).sort()).toEqual([1, 4]);
    const rows = await stored([...first, ...fresh].map((e) => e.guid));
    expect(rows.map((r) => r.guid).sort()).toEqual([...first, ...fresh].map((e) => e.guid).sort());
    // One feed entry per stored batch: the retried one's rows are in no other.
    const feed = await p.sql.query<{ n: number; events: number }>(
      `SELECT count(*)::int AS n, sum(event_count)::int AS events FROM activity.feed_log
        WHERE institution_id = 'fi-a' AND batch_id IN (
          SELECT seq / ${SEQ_PER_BATCH} FROM activity.events WHERE guid::text = ANY($1::text[]))`,
      [fresh.map((e) => e.guid)],
    );
    expect(feed.rows[0]).toEqual({ n: 1, events: 3 });
  });

  it("keeps idempotency per FI: another FI's guid is a new event, not a duplicate", async () => {
    const writeB = await p.token('fi-b', 'banking-activities:write');
    const first = event();
    expect((await p.post(BATCH, writeA, { events: [first] })).body).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    // FI B learns nothing about FI A's guids: the same guid is stored as FI B's event.
    const reused = { ...first, institutionId: 'fi-b' };
    expect((await p.post(BATCH, writeB, { events: [reused] })).body).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    expect((await p.post(BATCH, writeB, { events: [reused] })).body).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    // One platform batch holding the guid for both FIs, and a third FI: only fi-c's is new.
    const both = [{ ...first, institutionId: 'fi-a' }, reused, { ...first, institutionId: 'fi-c' }];
    expect((await p.post(BATCH, internal, { events: both })).body).toEqual({
      accepted: 1,
      duplicates: 2,
    });
    const rows = await stored([first.guid]);
    expect(rows.map((r) => r.institution_id).sort()).toEqual(['fi-a', 'fi-b', 'fi-c']);
  });

  it('accepts each customer event type of docs/internal-apis.md with exactly its attributes', async () => {
    const customerEvents = [
      { eventId: 'registrationUser', attributes: { userStatus: 'active' } },
      { eventId: 'disclosureAcceptance', attributes: { disclosureId: 'terms', version: '2' } },
      { eventId: 'profileChange', attributes: { changedFields: ['emailAddress', 'phoneNumber'] } },
      { eventId: 'loginSuccess', attributes: { clientId: 'mobile-app' } },
      { eventId: 'loginFailure', attributes: { clientId: 'mobile-app', failedLoginCount: 2 } },
      {
        eventId: 'loginFailure',
        attributes: { clientId: 'mobile-app', failedLoginCount: 3, reason: 'badPassword' },
      },
      { eventId: 'userLocked', attributes: { failedLoginCount: 5 } },
      { eventId: 'userUnlocked', attributes: { unlockedBy: 'support-console' } },
    ].map((e) =>
      event({
        ...e,
        institutionId: 'sandbox-fi',
        userType: 'business',
        institutionCustomerId: 'acme',
      }),
    );
    const res = await p.post(BATCH, internal, { events: customerEvents });
    expect(res.body).toEqual({ accepted: 8, duplicates: 0 });
  });

  it.each([
    ['an unknown event type', { eventId: 'launchRocket' }, '/events/1/eventId'],
    [
      'a missing required attribute',
      { eventId: 'loginFailure', attributes: { clientId: 'x' } },
      '/events/1/attributes/failedLoginCount',
    ],
    [
      'an attribute of another type',
      { attributes: { clientId: 'x', amount: 5 } },
      '/events/1/attributes/amount',
    ],
    [
      'a wrongly typed attribute',
      { eventId: 'userLocked', attributes: { failedLoginCount: '5' } },
      '/events/1/attributes/failedLoginCount',
    ],
    [
      'a fractional integer',
      { eventId: 'userLocked', attributes: { failedLoginCount: 5.5 } },
      '/events/1/attributes/failedLoginCount',
    ],
    [
      'a value outside the enum',
      { eventId: 'mfaChallengeIssued', attributes: { method: 'carrier-pigeon' } },
      '/events/1/attributes/method',
    ],
    [
      'strings in an array attribute',
      { eventId: 'profileChange', attributes: { changedFields: 'emailAddress' } },
      '/events/1/attributes/changedFields',
    ],
    ['attributes not an object', { attributes: ['clientId'] }, '/events/1/attributes'],
    ['a guid that is no UUID', { guid: 'abc' }, '/events/1/guid'],
    ['a time without zone', { timeStamp: '2026-11-20T10:00:00' }, '/events/1/timeStamp'],
    ['30 February', { timeStamp: '2026-02-30T10:00:00Z' }, '/events/1/timeStamp'],
    [
      'a time in the future',
      { timeStamp: new Date(Date.now() + DAY).toISOString() },
      '/events/1/timeStamp',
    ],
    [
      'a time past retention',
      { timeStamp: new Date(Date.now() - 401 * DAY).toISOString() },
      '/events/1/timeStamp',
    ],
    ['a bad userType', { userType: 'corporate' }, '/events/1/userType'],
    ['no loginId', { loginId: undefined }, '/events/1/loginId'],
    [
      'a business user without company',
      { userType: 'business' },
      '/events/1/institutionCustomerId',
    ],
    [
      'a retail user with a company',
      { institutionCustomerId: 'acme' },
      '/events/1/institutionCustomerId',
    ],
    ['a bad channel', { channel: 'fax' }, '/events/1/channel'],
    ['a bad IP address', { ipAddress: '300.1.1.1' }, '/events/1/ipAddress'],
    ['an unknown field', { ssn: '123-45-6789' }, '/events/1/ssn'],
  ])(
    'refuses the whole batch for %s (400 BAS_10005, nothing stored)',
    async (_name, over, pointer) => {
      const events = [event(), event(over)];
      const res = await p.post<Record<string, unknown>>(BATCH, writeA, { events });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'BAS_10005', errorCode: 'BAS_10005' });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ pointer })]),
      );
      expect(await stored(events.map((e) => e.guid))).toEqual([]);
    },
  );

  it('refuses empty, oversized and malformed batches', async () => {
    expect((await p.post<Record<string, unknown>>(BATCH, writeA, { events: [] })).body.code).toBe(
      'BAS_10005',
    );
    expect(
      (await p.post<Record<string, unknown>>(BATCH, writeA, { events: event() })).body.code,
    ).toBe('BAS_10005');
    expect(
      (await p.post<Record<string, unknown>>(BATCH, writeA, { events: [event()], extra: 1 })).body
        .code,
    ).toBe('BAS_10005');
    const tooMany = await p.post<Record<string, unknown>>(BATCH, writeA, {
      events: Array.from({ length: 5001 }, () => event()),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([
      { pointer: '/events', detail: 'must hold at most 5000 events' },
    ]);
    expect((await p.post<Record<string, unknown>>(BATCH, writeA, '{"events": [')).body.code).toBe(
      'BAS_10006',
    );
  });

  it('takes 5,000 events in one body, above the platform-wide 1 MiB limit', async () => {
    const events = Array.from({ length: 5000 }, (_, i) =>
      event({ loginId: `user-${i}-${'x'.repeat(100)}` }),
    );
    const body = JSON.stringify({ events });
    expect(body.length).toBeGreaterThan(1_048_576);
    const res = await p.post(BATCH, writeA, body);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 5000, duplicates: 0 });
  });

  it('lists at most 100 field errors but counts them all', async () => {
    const events = Array.from({ length: 300 }, () => event({ guid: 'bad' }));
    const res = await p.post<Record<string, unknown>>(BATCH, writeA, { events });
    expect((res.body.errors as unknown[]).length).toBe(100);
    expect(res.body.detail).toMatch(/300 invalid fields/);
  });

  describe('institutions', () => {
    it("refuses an FI token writing another FI's events (403), storing nothing", async () => {
      const events = [event(), event({ institutionId: 'fi-b' })];
      const res = await p.post<Record<string, unknown>>(BATCH, writeA, { events });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        code: 'ACTIVITY_INSTITUTION_FORBIDDEN',
        errors: [{ pointer: '/events/1/institutionId' }],
      });
      expect(await stored(events.map((e) => e.guid))).toEqual([]);
    });

    it('lets the internal token write any FI, each event naming its own', async () => {
      const events = [
        event({ institutionId: 'fi-a' }),
        event({ institutionId: 'fi-b' }),
        event({ institutionId: 'fi-c' }),
      ];
      expect((await p.post(BATCH, internal, { events })).body).toEqual({
        accepted: 3,
        duplicates: 0,
      });
      expect((await stored(events.map((e) => e.guid))).map((r) => r.institution_id)).toEqual([
        'fi-a',
        'fi-b',
        'fi-c',
      ]);
    });

    it('requires institutionId with the internal token (never "platform")', async () => {
      for (const institutionId of [undefined, 'platform', 'bad id!']) {
        const res = await p.post<Record<string, unknown>>(BATCH, internal, {
          events: [event({ institutionId })],
        });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([
          { pointer: '/events/0/institutionId', detail: expect.any(String) },
        ]);
      }
    });
  });

  describe('scopes', () => {
    it('needs banking-activities:write or internal:events:write', async () => {
      const read = await p.token('fi-a', 'banking-activities:read account:read');
      const res = await p.post<Record<string, unknown>>(BATCH, read, { events: [event()] });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
      const none = await p.post(BATCH, null, { events: [event()] });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/invalid_token/);
    });

    it('refuses an institutionId header that disagrees with the token', async () => {
      const res = await p.post(BATCH, writeA, { events: [event()] }, { institutionId: 'fi-b' });
      expect(res.status).toBe(403);
    });
  });

  describe('partitions', () => {
    it('creates the partition an older event needs, inside retention', async () => {
      const old = event({ timeStamp: new Date(Date.now() - 200 * DAY).toISOString() });
      expect((await p.post(BATCH, writeA, { events: [old] })).body).toEqual({
        accepted: 1,
        duplicates: 0,
      });
      const where = await p.sql.query(
        `SELECT tableoid::regclass::text AS part FROM activity.events WHERE guid = $1`,
        [old.guid],
      );
      // The week's sub-partition of the event's institution (migration EventsByInstitution).
      expect(where.rows[0].part).toMatch(/^activity\.events_p\d{8}_h[0-7]$/);
    });

    it('keeps event times to the millisecond', async () => {
      const ms = new Date(Date.now() - DAY);
      // Microseconds, and an offset instead of Z.
      const local = new Date(ms.getTime() + 3_600_000).toISOString().replace('Z', '789+01:00');
      const precise = event({ timeStamp: local });
      expect((await p.post(BATCH, writeA, { events: [precise] })).status).toBe(202);
      const rows = await stored([precise.guid]);
      expect(rows[0]!.occurred_at.toISOString()).toBe(ms.toISOString());
    });
  });
});
