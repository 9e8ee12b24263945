import { ActivityDatabase } from '../../apps/activity-service/src/storage/activity-database';
import { generateEvents, ingest } from '../support/activity-fixtures';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';

const DAY = 86_400_000;

describe('Banking Activity search errors and hostile input (e2e)', () => {
  let p: ActivityPlatform;
  let read: string;
  let queries: jest.SpyInstance;
  const now = Date.now();
  const range = {
    startTime: new Date(now - 2 * DAY).toISOString(),
    endTime: new Date(now).toISOString(),
  };

  beforeAll(async () => {
    p = await startActivityPlatform('activity_errors');
    read = await p.token('fi-a', FI_READ_SCOPES);
    await ingest(
      p,
      await p.internalToken(),
      generateEvents('fi-a', 50, now - DAY, now - 60_000, 3),
    );
    queries = jest.spyOn(p.activity.app.get(ActivityDatabase), 'query');
  });

  afterAll(async () => {
    queries?.mockRestore();
    await p?.close();
  });

  beforeEach(() => queries.mockClear());

  /** A 400 problem with Candescent's code, and not one query sent to the database. */
  async function refused(
    body: unknown,
    code: string,
    status = 400,
    headers?: Record<string, string>,
  ) {
    const res = await p.post<Record<string, unknown>>(ACTIVITIES, read, body, headers);
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, errorCode: code, errorMessage: res.body.detail });
    expect(res.body.transactionId).toEqual(expect.any(String));
    expect(res.text).not.toMatch(/select|from activity|postgres|stack/i);
    expect(queries).not.toHaveBeenCalled();
    return res.body;
  }

  it('lists at most 100 field errors, and counts them all, however many a body holds', async () => {
    const body: Record<string, unknown> = { ...range };
    for (let i = 0; i < 5_000; i++) body[`unknown${i}`] = i;
    const problem = await refused(body, 'BAS_10005');
    expect(problem.errors).toHaveLength(100);
    expect(problem.detail).toBe('5000 invalid arguments; the first 100 are listed.');
  });

  describe('every BAS code', () => {
    it('BAS_10001: startTime not before endTime', async () => {
      await refused({ startTime: range.endTime, endTime: range.endTime }, 'BAS_10001');
      await refused({ startTime: range.endTime, endTime: range.startTime }, 'BAS_10001');
    });

    it('BAS_10002: startTime beyond the 93-day look-back window', async () => {
      const body = await refused(
        { startTime: new Date(now - 94 * DAY).toISOString(), endTime: range.endTime },
        'BAS_10002',
      );
      expect(body.errors).toEqual([
        { pointer: '/startTime', detail: expect.stringContaining('93') },
      ]);
    });

    it.each([
      ['no startTime', { endTime: range.endTime }, '/startTime'],
      ['a date without zone', { ...range, startTime: '2026-11-20T10:00:00' }, '/startTime'],
      ['30 February', { ...range, startTime: '2026-02-30T10:00:00Z' }, '/startTime'],
      ['pageSize 0', { ...range, pageSize: 0 }, '/pageSize'],
      ['pageSize 1001', { ...range, pageSize: 1001 }, '/pageSize'],
      ['pageSize as text', { ...range, pageSize: '10' }, '/pageSize'],
      [
        'an unknown event type',
        { ...range, eventIds: ['loginSuccess', 'launchRocket'] },
        '/eventIds/1',
      ],
      ['eventIds not a list', { ...range, eventIds: 'loginSuccess' }, '/eventIds'],
      ['an unknown field', { ...range, institutionId: 'fi-b' }, '/institutionId'],
      ['userId and userIds', { ...range, userId: 'a', userIds: ['b'] }, '/userIds'],
      [
        '101 users',
        { ...range, userIds: Array.from({ length: 101 }, (_, i) => `u${i}`) },
        '/userIds',
      ],
      ['an empty user id', { ...range, userIds: [''] }, '/userIds/0'],
      [
        'companies of retail users',
        { ...range, userType: 'retail', companyIds: ['co1'] },
        '/companyIds',
      ],
      [
        'an unknown requested attribute',
        { ...range, requestedAttributes: ['ssn'] },
        '/requestedAttributes/0',
      ],
      ['a bad sortOrder', { ...range, sortOrder: 'RANDOM' }, '/sortOrder'],
      ['a page token of the wrong type', { ...range, nextPageToken: 42 }, '/nextPageToken'],
    ])('BAS_10005: %s', async (_name, body, pointer) => {
      const problem = await refused(body, 'BAS_10005');
      expect(problem.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ pointer })]),
      );
    });

    it('BAS_10005 lists every invalid field at once', async () => {
      const problem = await refused(
        { startTime: 'x', endTime: 'y', pageSize: -1, eventIds: ['nope'] },
        'BAS_10005',
      );
      expect((problem.errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([
        '/startTime',
        '/endTime',
        '/pageSize',
        '/eventIds/0',
      ]);
    });

    it('BAS_10006: a body that cannot be read', async () => {
      await refused('{"startTime": ', 'BAS_10006');
      await refused('[1, 2]', 'BAS_10006');
      await refused('"text"', 'BAS_10006');
      await refused(JSON.stringify(range), 'BAS_10006', 400, { 'content-type': 'text/plain' });
      await refused(JSON.stringify(range), 'BAS_10006', 400, {
        'content-type': 'application/xml',
      });
      await refused('', 'BAS_10005');
      const empty = await p.post<Record<string, unknown>>(ACTIVITIES, read, undefined);
      expect(empty.body.code).toBe('BAS_10006');
    });

    it('answers an oversized body with 413, never 5xx', async () => {
      const res = await p.post<Record<string, unknown>>(ACTIVITIES, read, {
        ...range,
        userIds: ['x'.repeat(1_100_000)],
      });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', errorCode: 'BAS_10006' });
    });

    it('BAS_10008: a sub-filter repeating its parent condition', async () => {
      const leaf = { attributeId: 'channel', criteria: 'equals', value: 'mobile' };
      await refused(
        {
          ...range,
          additionalFilters: {
            condition: 'and',
            filters: [leaf],
            subFilters: [{ condition: 'and', filters: [leaf] }],
          },
        },
        'BAS_10008',
      );
      await refused(
        {
          ...range,
          additionalFilters: {
            condition: 'or',
            filters: [leaf],
            subFilter: { condition: 'OR', filters: [leaf] },
          },
        },
        'BAS_10008',
      );
      // Negated, the same condition is meaningful and allowed.
      const ok = await p.post(ACTIVITIES, read, {
        ...range,
        additionalFilters: {
          condition: 'and',
          filters: [leaf],
          subFilters: [{ condition: 'and', negate: true, filters: [leaf] }],
        },
      });
      expect([200, 204]).toContain(ok.status);
    });

    it('BAS_10009: an invalid userType', async () => {
      await refused({ ...range, userType: 'corporate' }, 'BAS_10009');
      await refused({ ...range, userType: 7 }, 'BAS_10009');
    });

    it('BAS_10010: an invalid userIdType', async () => {
      await refused({ ...range, userIdType: 'email', userId: 'x' }, 'BAS_10010');
    });
  });

  describe('hostile filters: 400, nothing run', () => {
    const leaf = (attributeId: unknown, criteria: unknown, value?: unknown) => ({
      attributeId,
      criteria,
      value,
    });
    const filter = (...filters: unknown[]) => ({
      ...range,
      additionalFilters: { condition: 'and', filters },
    });

    it.each([
      ['SQL in attributeId', filter(leaf("amount'; DROP TABLE activity.events; --", 'equals', 1))],
      ['a JSON path as attributeId', filter(leaf("attributes->>'x'", 'equals', 'y'))],
      ['a column name as attributeId', filter(leaf('institution_id', 'equals', 'fi-b'))],
      ['__proto__ as attributeId', filter(leaf('__proto__', 'equals', 'x'))],
      ['SQL as criteria', filter(leaf('amount', '= ANY', [1]))],
      [
        'an unknown key in a condition',
        filter({ attributeId: 'amount', criteria: 'equals', value: 1, sql: '1=1' }),
      ],
      [
        'an unknown key in a group',
        {
          ...range,
          additionalFilters: {
            condition: 'and',
            filters: [leaf('amount', 'exists')],
            where: 'true',
          },
        },
      ],
      [
        'condition xor',
        { ...range, additionalFilters: { condition: 'xor', filters: [leaf('amount', 'exists')] } },
      ],
      [
        'negate as text',
        {
          ...range,
          additionalFilters: {
            condition: 'and',
            negate: 'true',
            filters: [leaf('amount', 'exists')],
          },
        },
      ],
      [
        'filters not a list',
        { ...range, additionalFilters: { condition: 'and', filters: leaf('amount', 'exists') } },
      ],
      ['an empty group', { ...range, additionalFilters: { condition: 'and' } }],
      ['a number compared with text', filter(leaf('amount', 'greaterThan', '100 OR 1=1'))],
      ['text compared with a number', filter(leaf('loginId', 'equals', 5))],
      ['an object as value', filter(leaf('loginId', 'equals', { $ne: null }))],
      ['in without a list', filter(leaf('loginId', 'in', 'a,b'))],
      ['in with an empty list', filter(leaf('loginId', 'in', []))],
      [
        'in with 101 values',
        filter(
          leaf(
            'loginId',
            'in',
            Array.from({ length: 101 }, (_, i) => `u${i}`),
          ),
        ),
      ],
      ['a 257-character value', filter(leaf('loginId', 'equals', 'x'.repeat(257)))],
      ['exists with yes', filter(leaf('amount', 'exists', 'yes'))],
      ['a boolean as text', filter(leaf('enrolled', 'equals', 'true'))],
      ['startsWith on a number', filter(leaf('amount', 'startsWith', '1'))],
      ['contains an empty string', filter(leaf('loginId', 'contains', ''))],
      ['an instant that is not one', filter(leaf('timeStamp', 'greaterThan', 'yesterday'))],
      ['greaterThan on a boolean', filter(leaf('enrolled', 'greaterThan', false))],
      ['Infinity-like numbers', filter(leaf('amount', 'lessThan', '1e999'))],
      [
        'both subFilter and subFilters',
        {
          ...range,
          additionalFilters: {
            condition: 'and',
            filters: [leaf('amount', 'exists')],
            subFilter: { condition: 'or', filters: [leaf('amount', 'exists')] },
            subFilters: [],
          },
        },
      ],
    ])('%s', async (_name, body) => {
      await refused(body, 'BAS_10005');
    });

    it('bounds the size of a tree (65 conditions, 5,000 conditions)', async () => {
      for (const n of [65, 5000]) {
        const problem = await refused(
          filter(...Array.from({ length: n }, () => leaf('amount', 'exists'))),
          'BAS_10005',
        );
        expect(JSON.stringify(problem.errors)).toMatch(/more than 64/);
        expect((problem.errors as unknown[]).length).toBeLessThan(5);
      }
    });

    it('bounds the depth of a tree (6 levels, and 25,000 levels in one body)', async () => {
      const nest = (depth: number) => {
        let g: Record<string, unknown> = { condition: 'and', filters: [leaf('amount', 'exists')] };
        for (let i = 1; i < depth; i++) g = { condition: i % 2 ? 'or' : 'and', subFilters: [g] };
        return g;
      };
      const six = await refused({ ...range, additionalFilters: nest(6) }, 'BAS_10005');
      expect(JSON.stringify(six.errors)).toMatch(/deeper than 5/);
      // Built as text: JSON.stringify itself would not nest this deep comfortably.
      const deep = `{"startTime":"${range.startTime}","endTime":"${range.endTime}","additionalFilters":${'{"condition":"and","subFilters":[{"condition":"or","subFilters":['.repeat(12_500)}${']}'.repeat(25_000)}}`;
      // Past MAX_JSON_DEPTH (32) the body is refused as unreadable before it is even parsed.
      const unread = await refused(deep, 'BAS_10006');
      expect(unread.detail).toMatch(/deeper than 32/);
    });

    it('runs values that look like SQL as plain values', async () => {
      const res = await p.post(
        ACTIVITIES,
        read,
        filter(
          leaf('loginId', 'equals', "x' OR '1'='1"),
          leaf('reason', 'in', ["'); DROP TABLE activity.events; --"]),
        ),
      );
      expect(res.status).toBe(204);
      const count = await p.sql.query('SELECT count(*)::int AS n FROM activity.events');
      expect(count.rows[0].n).toBe(50);
    });
  });
});
