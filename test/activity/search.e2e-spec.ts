import {
  allPages,
  asReturned,
  expectedResults,
  generateEvents,
  ingest,
  testUsers,
  type SearchAnswer,
  type SearchBody,
  type WireEvent,
} from '../support/activity-fixtures';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('Banking Activity search (e2e)', () => {
  let p: ActivityPlatform;
  let internal: string;
  let readA: string;
  let readB: string;
  const events: WireEvent[] = [];
  const now = Date.now();
  const range = {
    startTime: new Date(now - 11 * DAY).toISOString(),
    endTime: new Date(now).toISOString(),
  };

  beforeAll(async () => {
    p = await startActivityPlatform('activity_search');
    internal = await p.internalToken();
    readA = await p.token('fi-a', FI_READ_SCOPES);
    readB = await p.token('fi-b', FI_READ_SCOPES);
    // Two FIs with the same login ids and company ids, ingested interleaved.
    const a = generateEvents('fi-a', 420, now - 10 * DAY, now - HOUR, 1, testUsers('a-'));
    const b = generateEvents('fi-b', 180, now - 10 * DAY, now - HOUR, 2, testUsers('b-'));
    for (let i = 0; i < 6; i++) {
      events.push(...a.slice(i * 70, (i + 1) * 70), ...b.slice(i * 30, (i + 1) * 30));
    }
    await ingest(p, internal, events, 100);
  });

  afterAll(async () => {
    await p?.close();
  });

  /** Every page of the search equals the oracle's answer, in order. */
  async function check(
    body: SearchBody,
    token = readA,
    fi = 'fi-a',
  ): Promise<Record<string, unknown>[]> {
    const expected = expectedResults(events, fi, body);
    const { items } = await allPages(p, token, body);
    expect(items.map((i) => i.guid)).toEqual(expected.map((e) => e.guid));
    return items;
  }

  describe('the six query shapes', () => {
    it('1. all events of one user over a range', async () => {
      const items = await check({ ...range, userId: 'retail1', pageSize: 9 });
      expect(items.length).toBeGreaterThan(9);
      expect(new Set(items.map((i) => i.loginId))).toEqual(new Set(['retail1']));
    });

    it('2. several event types of one user', async () => {
      const items = await check({
        ...range,
        userId: 'biz2',
        eventIds: ['loginSuccess', 'transferCreated', 'profileChange'],
        pageSize: 4,
      });
      expect(items.length).toBeGreaterThan(4);
    });

    it('3. one event type of one user', async () => {
      const items = await check({ ...range, userId: 'retail3', eventIds: ['loginFailure'] });
      expect(items.length).toBeGreaterThan(0);
    });

    it('4. all events of the FI over a range, with every field and attribute', async () => {
      const body = { ...range, pageSize: 50 };
      const items = await check(body);
      expect(items).toEqual(expectedResults(events, 'fi-a', body).map(asReturned));
    });

    it('5. several event types of the FI (merged per-type branches)', async () => {
      const items = await check({
        ...range,
        eventIds: ['userLocked', 'transferCreated', 'eStatementEnrollment'],
        pageSize: 11,
      });
      expect(new Set(items.map((i) => i.eventId)).size).toBe(3);
    });

    it('6. one event type of the FI', async () => {
      await check({ ...range, eventIds: ['profileChange'], pageSize: 5 });
    });

    it.each(['ASC', 'DESC', 'desc'])('sorts %s', async (sortOrder) => {
      await check({ ...range, sortOrder, pageSize: 37 });
      await check({ ...range, sortOrder, eventIds: ['loginSuccess', 'logout'], pageSize: 13 });
      await check({ ...range, sortOrder, userId: 'biz1', pageSize: 3 });
    });

    it('keeps startTime inclusive and endTime exclusive', async () => {
      const fiA = events
        .filter((e) => e.institutionId === 'fi-a')
        .map((e) => e.timeStamp)
        .sort();
      const startTime = fiA[40]!;
      const endTime = fiA[200]!;
      const items = await check({ startTime, endTime, pageSize: 1000 });
      expect(items.some((i) => i.timeStamp === startTime)).toBe(true);
      expect(items.some((i) => i.timeStamp === endTime)).toBe(false);
    });
  });

  describe('combinations', () => {
    it('a list of users, with several event types', async () => {
      await check({
        ...range,
        userIds: ['retail1', 'biz3', 'retail5'],
        eventIds: ['loginSuccess', 'logout', 'mfaChallengeIssued'],
        pageSize: 6,
      });
    });

    it('users by customerId', async () => {
      await check({ ...range, userIdType: 'customerId', userIds: ['a-c-r2', 'a-c-b4'] });
      await check({
        ...range,
        userIdType: 'customerId',
        userId: 'a-c-b4',
        eventIds: ['transferCreated'],
      });
    });

    it.each(['retail', 'business', 'BUSINESS'])('userType %s', async (userType) => {
      await check({ ...range, userType, pageSize: 60 });
      await check({ ...range, userType, eventIds: ['loginFailure', 'logout'] });
    });

    it('one or more companies (business users)', async () => {
      await check({ ...range, companyIds: ['co1'] });
      await check({ ...range, userType: 'business', companyIds: ['co1', 'co3'], pageSize: 10 });
      await check({ ...range, companyIds: ['co2'], eventIds: ['loginSuccess', 'transferCreated'] });
      await check({ ...range, companyIds: ['co2'], userId: 'biz3' });
    });

    const filters: [string, SearchBody['additionalFilters']][] = [
      [
        'and over number and string attributes',
        {
          condition: 'and',
          filters: [
            { attributeId: 'amount', criteria: 'greaterThan', value: 100 },
            { attributeId: 'currency', criteria: 'equals', value: 'USD' },
          ],
        },
      ],
      [
        'or with a negated sub-filter',
        {
          condition: 'or',
          filters: [{ attributeId: 'channel', criteria: 'equals', value: 'mobile' }],
          subFilters: [
            {
              condition: 'or',
              negate: true,
              filters: [
                { attributeId: 'accountType', criteria: 'exists', value: true },
                { attributeId: 'ipAddress', criteria: 'startsWith', value: '203.0.113.1' },
              ],
            },
          ],
        },
      ],
      [
        'array contains',
        {
          condition: 'and',
          filters: [{ attributeId: 'changedFields', criteria: 'contains', value: 'postalAddress' }],
        },
      ],
      [
        'array in',
        {
          condition: 'and',
          filters: [{ attributeId: 'changedFields', criteria: 'in', value: ['phoneNumber'] }],
        },
      ],
      [
        'array equals',
        {
          condition: 'and',
          filters: [{ attributeId: 'changedFields', criteria: 'equals', value: ['emailAddress'] }],
        },
      ],
      [
        'array notIn',
        {
          condition: 'and',
          filters: [
            { attributeId: 'changedFields', criteria: 'notIn', value: ['emailAddress'] },
            { attributeId: 'eventId', criteria: 'equals', value: 'profileChange' },
          ],
        },
      ],
      [
        'integers, notEquals and a missing optional attribute',
        {
          condition: 'and',
          filters: [
            { attributeId: 'failedLoginCount', criteria: 'lessThan', value: 3 },
            { attributeId: 'failedLoginCount', criteria: 'notEquals', value: 1 },
            { attributeId: 'reason', criteria: 'exists', value: false },
          ],
        },
      ],
      [
        'notEquals counts absent values',
        {
          condition: 'and',
          filters: [{ attributeId: 'customerId', criteria: 'notEquals', value: 'a-c-r1' }],
        },
      ],
      [
        'notIn counts absent values',
        {
          condition: 'and',
          filters: [{ attributeId: 'accountType', criteria: 'notIn', value: ['checking'] }],
        },
      ],
      [
        'timeStamp bounds inside a filter',
        {
          condition: 'and',
          filters: [
            {
              attributeId: 'timeStamp',
              criteria: 'greaterThan',
              value: new Date(now - 7 * DAY).toISOString(),
            },
            {
              attributeId: 'timeStamp',
              criteria: 'lessThan',
              value: new Date(now - 3 * DAY).toISOString(),
            },
          ],
        },
      ],
      [
        'boolean equals',
        {
          condition: 'and',
          filters: [{ attributeId: 'enrolled', criteria: 'equals', value: true }],
        },
      ],
      [
        'strings: startsWith, contains, in, lexical greaterThan',
        {
          condition: 'or',
          filters: [
            { attributeId: 'loginId', criteria: 'startsWith', value: 'biz' },
            { attributeId: 'clientId', criteria: 'contains', value: 'partner' },
            { attributeId: 'eventId', criteria: 'in', value: ['userLocked', 'logout'] },
            { attributeId: 'statementPeriod', criteria: 'greaterThan', value: '2026-09' },
          ],
        },
      ],
      [
        "Candescent's single subFilter",
        {
          condition: 'and',
          filters: [{ attributeId: 'channel', criteria: 'exists' }],
          subFilter: {
            condition: 'or',
            filters: [
              { attributeId: 'amount', criteria: 'in', value: [100, 1000] },
              { attributeId: 'userType', criteria: 'equals', value: 'business' },
            ],
          },
        },
      ],
      [
        'five levels, alternating',
        {
          condition: 'or',
          filters: [{ attributeId: 'eventId', criteria: 'equals', value: 'userLocked' }],
          subFilters: [
            {
              condition: 'and',
              filters: [{ attributeId: 'userType', criteria: 'equals', value: 'retail' }],
              subFilters: [
                {
                  condition: 'or',
                  filters: [{ attributeId: 'channel', criteria: 'equals', value: 'online' }],
                  subFilters: [
                    {
                      condition: 'and',
                      negate: true,
                      filters: [{ attributeId: 'ipAddress', criteria: 'exists' }],
                      subFilters: [
                        {
                          condition: 'or',
                          filters: [
                            {
                              attributeId: 'sessionDurationSeconds',
                              criteria: 'greaterThan',
                              value: 100,
                            },
                            { attributeId: 'amount', criteria: 'exists' },
                          ],
                        },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
      [
        'notEquals on a fixed column that is never absent',
        {
          condition: 'and',
          filters: [{ attributeId: 'eventId', criteria: 'notEquals', value: 'loginSuccess' }],
        },
      ],
    ];

    it.each(filters)('additionalFilters: %s', async (_name, additionalFilters) => {
      const items = await check({ ...range, additionalFilters, pageSize: 25 });
      expect(items.length).toBeGreaterThan(0);
      // With the other dimensions too.
      await check({
        ...range,
        additionalFilters,
        userType: 'retail',
        eventIds: ['loginFailure', 'transferCreated', 'logout', 'profileChange'],
      });
      await check({ ...range, additionalFilters, companyIds: ['co1', 'co2'], sortOrder: 'DESC' });
    });

    it('selects fields with requestedAttributes', async () => {
      const body = {
        ...range,
        eventIds: ['transferCreated', 'loginSuccess'],
        requestedAttributes: ['amount', 'loginId', 'institutionCustomerId'],
      };
      const items = await check(body);
      const expected = expectedResults(events, 'fi-a', body);
      expect(items).toEqual(
        expected.map((e) => ({
          guid: e.guid,
          eventId: e.eventId,
          timeStamp: e.timeStamp,
          amount: e.attributes.amount ?? null,
          loginId: e.loginId,
          institutionCustomerId: e.institutionCustomerId ?? null,
        })),
      );
    });

    it('answers 204 without a body when nothing matches', async () => {
      const res = await p.post(ACTIVITIES, readA, { ...range, userId: 'nobody' });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    });
  });

  describe('paging', () => {
    it('walks every match exactly once, at any page size', async () => {
      for (const pageSize of [1, 7, 100, 1000]) {
        const body = { ...range, pageSize, eventIds: ['loginSuccess', 'loginFailure', 'logout'] };
        const { items, pages } = await allPages(p, readA, body);
        const expected = expectedResults(events, 'fi-a', body);
        expect(items.map((i) => i.guid)).toEqual(expected.map((e) => e.guid));
        expect(new Set(items.map((i) => i.guid)).size).toBe(items.length);
        expect(pages).toBe(Math.max(1, Math.ceil(expected.length / pageSize)));
      }
    });

    it('returns each match exactly once while new events arrive between pages', async () => {
      const body = { ...range, pageSize: 20 };
      const before = expectedResults(events, 'fi-a', body);
      const added: WireEvent[] = [];
      const { items } = await allPages(p, readA, body, async (page) => {
        // New events before, at and after the cursor's time, on the same 10-minute grid.
        const fresh = generateEvents(
          'fi-a',
          15,
          now - 10 * DAY,
          now - HOUR,
          100 + page,
          testUsers('a-'),
        );
        await ingest(p, internal, fresh);
        added.push(...fresh);
      });
      events.push(...added);
      const returned = items.map((i) => i.guid as string);
      expect(new Set(returned).size).toBe(returned.length);
      const returnedSet = new Set(returned);
      for (const e of before) expect(returnedSet.has(e.guid)).toBe(true);
      const known = new Set([...before, ...added].map((e) => e.guid));
      for (const guid of returned) expect(known.has(guid)).toBe(true);
      // Still in order.
      const times = items.map((i) => Date.parse(i.timeStamp as string));
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });

    it('lets pageSize and requestedAttributes change between pages', async () => {
      const first = await p.post<SearchAnswer>(ACTIVITIES, readA, { ...range, pageSize: 5 });
      const second = await p.post<SearchAnswer>(ACTIVITIES, readA, {
        ...range,
        pageSize: 50,
        requestedAttributes: ['loginId'],
        nextPageToken: first.body.nextPageToken,
      });
      expect(second.status).toBe(200);
      expect(second.body.count).toBe(50);
      expect(Object.keys(second.body.bankingActivities[0]!)).toEqual([
        'guid',
        'eventId',
        'timeStamp',
        'loginId',
      ]);
    });

    it('refuses a page token with other filters, from another FI, or tampered (BAS_10005)', async () => {
      const first = await p.post<SearchAnswer>(ACTIVITIES, readA, {
        ...range,
        pageSize: 5,
        userType: 'retail',
      });
      const token = first.body.nextPageToken!;
      const tries: [string, Record<string, unknown>][] = [
        [readA, { ...range, pageSize: 5, userType: 'business', nextPageToken: token }],
        [readA, { ...range, pageSize: 5, nextPageToken: token }],
        [
          readA,
          { ...range, pageSize: 5, userType: 'retail', sortOrder: 'DESC', nextPageToken: token },
        ],
        [
          readA,
          {
            ...range,
            endTime: new Date(now - 1000).toISOString(),
            pageSize: 5,
            userType: 'retail',
            nextPageToken: token,
          },
        ],
        [readB, { ...range, pageSize: 5, userType: 'retail', nextPageToken: token }],
        [
          readA,
          { ...range, pageSize: 5, userType: 'retail', nextPageToken: `${token.slice(0, -2)}AA` },
        ],
        [readA, { ...range, pageSize: 5, userType: 'retail', nextPageToken: 'not-a-token' }],
      ];
      for (const [token_, body] of tries) {
        const res = await p.post<Record<string, unknown>>(ACTIVITIES, token_, body);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'BAS_10005', errorCode: 'BAS_10005' });
      }
    });
  });

  describe('tenancy', () => {
    it("never answers another FI's events, even for the same users and companies", async () => {
      const bGuids = new Set(events.filter((e) => e.institutionId === 'fi-b').map((e) => e.guid));
      const aGuids = new Set(events.filter((e) => e.institutionId === 'fi-a').map((e) => e.guid));
      const fromA = await allPages(p, readA, { ...range, pageSize: 1000 });
      expect(fromA.items.some((i) => bGuids.has(i.guid as string))).toBe(false);
      const fromB = await check(
        { ...range, userIds: ['retail1', 'biz1'], companyIds: ['co1'] },
        readB,
        'fi-b',
      );
      expect(fromB.some((i) => aGuids.has(i.guid as string))).toBe(false);
      await check({ ...range, pageSize: 1000 }, readB, 'fi-b');
    });

    it('refuses an institutionId header naming another FI (403)', async () => {
      const res = await p.post(ACTIVITIES, readA, range, { institutionId: 'fi-b' });
      expect(res.status).toBe(403);
      const own = await p.post(ACTIVITIES, readA, range, { institutionId: 'fi-a' });
      expect(own.status).toBe(200);
    });
  });
});
