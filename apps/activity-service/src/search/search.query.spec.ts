import { parseSearchRequest, type SearchContext } from './search.query';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 21, 12);
const ctx: SearchContext = { institutionId: 'fi-a', now, maxLookbackDays: 93, mode: 'search' };
const range = {
  startTime: new Date(now - DAY).toISOString(),
  endTime: new Date(now).toISOString(),
};
const codeOf = (body: unknown, context = ctx) => {
  try {
    parseSearchRequest(body, context);
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('parseSearchRequest', () => {
  it('applies the defaults and keeps the FI from the token', () => {
    expect(parseSearchRequest(range, ctx)).toEqual({
      institutionId: 'fi-a',
      startTime: new Date(range.startTime),
      endTime: new Date(range.endTime),
      eventIds: [],
      userType: null,
      userIdType: 'loginId',
      userIds: [],
      companyIds: [],
      requestedAttributes: null,
      filter: null,
      sortOrder: 'ASC',
      pageSize: 500,
      nextPageToken: null,
    });
  });

  it('normalises case and drops duplicates', () => {
    const q = parseSearchRequest(
      {
        ...range,
        userType: 'Business',
        userIdType: 'CUSTOMERID',
        userIds: ['a', 'a', 'b'],
        eventIds: ['logout', 'logout'],
        sortOrder: 'desc',
      },
      ctx,
    );
    expect(q).toMatchObject({
      userType: 'business',
      userIdType: 'customerId',
      userIds: ['a', 'b'],
      eventIds: ['logout'],
      sortOrder: 'DESC',
    });
  });

  it.each([
    [[1], 'BAS_10006'],
    [null, 'BAS_10006'],
    [{ ...range, userType: 'x', pageSize: 0 }, 'BAS_10009'],
    [{ ...range, userIdType: 'x', pageSize: 0 }, 'BAS_10010'],
    [{ ...range, pageSize: 0 }, 'BAS_10005'],
    [{ startTime: range.endTime, endTime: range.startTime }, 'BAS_10001'],
    [{ startTime: new Date(now - 94 * DAY).toISOString(), endTime: range.endTime }, 'BAS_10002'],
    [{ startTime: new Date(now - 93 * DAY).toISOString(), endTime: range.endTime }, 'ok'],
    [
      {
        ...range,
        additionalFilters: {
          condition: 'and',
          filters: [{ attributeId: 'amount', criteria: 'exists' }],
          subFilters: [
            { condition: 'and', filters: [{ attributeId: 'amount', criteria: 'exists' }] },
          ],
        },
      },
      'BAS_10008',
    ],
  ])('answers %j with %s', (body, code) => {
    expect(codeOf(body)).toBe(code);
  });

  it('has no look-back limit and no paging fields for exports', () => {
    const exportCtx: SearchContext = { ...ctx, mode: 'export' };
    expect(
      codeOf(
        { startTime: new Date(now - 300 * DAY).toISOString(), endTime: range.endTime },
        exportCtx,
      ),
    ).toBe('ok');
    expect(codeOf({ ...range, pageSize: 10 }, exportCtx)).toBe('BAS_10005');
    expect(codeOf({ ...range, nextPageToken: 'x' }, exportCtx)).toBe('BAS_10005');
  });
});
