import type { AccessPrincipal } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { TokenSigner } from '../common/token-signer';
import type { ActivityEnv } from '../config/activity.env';
import type { ActivityRepository, PageRow } from './activity.repository';
import { SearchService } from './search.service';

const env = {
  ACTIVITY_MAX_LOOKBACK_DAYS: 93,
  ACTIVITY_PAGE_TOKEN_KEY: 'k'.repeat(32),
} as ActivityEnv;
const app: AccessPrincipal = {
  subject: 'app',
  clientId: 'app',
  institutionId: 'fi-a',
  scopes: new Set<string>(),
  jti: 'j',
  expiresAt: new Date(Date.now() + 60_000),
};
/** A password-grant token of customer c-1 (loginId jdoe). */
const customer = { ...app, subject: 'c-1', loginId: 'jdoe', userType: 'retail' } as AccessPrincipal;
const range = {
  startTime: new Date(Date.now() - 3_600_000).toISOString(),
  endTime: new Date().toISOString(),
};
/** PostgreSQL's answer when `n` events (at most pageSize + 1) matched from event `from` on. */
const rows = (n: number, pageSize: number, from = 0): PageRow => {
  const shown = Array.from({ length: Math.min(n, pageSize) }, (_, i) => `{"n":${from + i}}`);
  const more = n > pageSize;
  return {
    rows: n,
    items: n === 0 ? null : shown.join(','),
    last_ts: more ? '2026-11-21T09:00:00.000Z' : null,
    last_seq: more ? String(8192 + from + pageSize - 1) : null,
  };
};
type Page = { nextPageToken: string | null; count: number; bankingActivities: unknown[] };

describe('SearchService', () => {
  let searchPage: jest.Mock<Promise<PageRow>, [unknown]>;
  let service: SearchService;
  beforeEach(() => {
    searchPage = jest.fn<Promise<PageRow>, [unknown]>();
    service = new SearchService(
      { searchPage } as unknown as ActivityRepository,
      new TokenSigner(env),
      env,
    );
  });
  const search = async (principal: AccessPrincipal, body: unknown) => {
    const text = await service.search(principal, body);
    return text === null ? null : (JSON.parse(text) as Page);
  };

  it('joins the rows of a page, and issues a token only when a further row came', async () => {
    searchPage.mockResolvedValueOnce(rows(3, 2));
    const first = await search(app, { ...range, pageSize: 2 });
    expect(first).toMatchObject({ count: 2, bankingActivities: [{ n: 0 }, { n: 1 }] });
    expect(first!.nextPageToken).toEqual(expect.any(String));

    searchPage.mockResolvedValueOnce(rows(1, 2, 2));
    const last = await search(app, { ...range, pageSize: 2, nextPageToken: first!.nextPageToken });
    expect(last).toMatchObject({ count: 1, nextPageToken: null, bankingActivities: [{ n: 2 }] });
  });

  it('takes a page token with the same filters only (pageSize may change)', async () => {
    searchPage.mockResolvedValue(rows(3, 2));
    const token = (await search(app, { ...range, pageSize: 2, eventIds: ['logout'] }))!
      .nextPageToken;
    await expect(
      search(app, { ...range, pageSize: 5, eventIds: ['logout'], nextPageToken: token }),
    ).resolves.not.toBeNull();
    for (const other of [
      { ...range, eventIds: ['loginSuccess'] },
      { ...range, eventIds: ['logout'], sortOrder: 'DESC' },
      { ...range, eventIds: ['logout'], userId: 'someone' },
    ]) {
      await expect(search(app, { ...other, nextPageToken: token })).rejects.toMatchObject({
        code: 'BAS_10005',
      });
    }
    // Nor from another FI.
    await expect(
      search(
        { ...app, institutionId: 'fi-b' },
        { ...range, eventIds: ['logout'], nextPageToken: token },
      ),
    ).rejects.toMatchObject({ code: 'BAS_10005' });
    await expect(search(app, { ...range, nextPageToken: 'forged' })).rejects.toMatchObject({
      code: 'BAS_10005',
    });
  });

  it('answers null (204) when nothing matches', async () => {
    searchPage.mockResolvedValue(rows(0, 500));
    expect(await search(app, range)).toBeNull();
  });

  describe('with a customer token', () => {
    it('reads the customer named by loginId or customerId', async () => {
      searchPage.mockResolvedValue(rows(1, 500));
      await expect(search(customer, { ...range, userId: 'jdoe' })).resolves.not.toBeNull();
      await expect(
        search(customer, { ...range, userIdType: 'customerId', userIds: ['c-1'] }),
      ).resolves.not.toBeNull();
      expect(searchPage).toHaveBeenCalledTimes(2);
    });

    it.each([
      ['the whole FI', range],
      ['another user', { ...range, userId: 'someone' }],
      ['itself and another', { ...range, userIds: ['jdoe', 'someone'] }],
      ['its login id as a customer id', { ...range, userIdType: 'customerId', userId: 'jdoe' }],
    ])('refuses %s (403) without a query', async (_name, body) => {
      await expect(search(customer, body)).rejects.toMatchObject({
        code: 'ACTIVITY_CUSTOMER_FORBIDDEN',
      });
      expect(searchPage).not.toHaveBeenCalled();
    });
  });

  it('sends no query for a refused request', async () => {
    await expect(search(app, { ...range, userType: 'x' })).rejects.toMatchObject({
      code: 'BAS_10009',
    });
    expect(searchPage).not.toHaveBeenCalled();
  });

  it("passes the repository's refusals on", async () => {
    searchPage.mockRejectedValue(ActivityErrors.unavailable('slow'));
    await expect(search(app, range)).rejects.toMatchObject({ code: 'ACTIVITY_UNAVAILABLE' });
  });
});
