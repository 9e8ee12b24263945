import type { AccessPrincipal } from '@app/common';
import { TokenSigner } from '../common/token-signer';
import type { ActivityEnv } from '../config/activity.env';
import type { ActivityDatabase } from '../storage/activity-database';
import { SearchService } from './search.service';

const env = {
  ACTIVITY_MAX_LOOKBACK_DAYS: 93,
  ACTIVITY_PAGE_TOKEN_KEY: 'k'.repeat(32),
} as ActivityEnv;
const principal: AccessPrincipal = {
  subject: 'app',
  clientId: 'app',
  institutionId: 'fi-a',
  scopes: new Set<string>(),
  jti: 'j',
  expiresAt: new Date(Date.now() + 60_000),
};
const body = {
  startTime: new Date(Date.now() - 3_600_000).toISOString(),
  endTime: new Date().toISOString(),
  pageSize: 2,
};

describe('SearchService', () => {
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      seq: String(8192 + i),
      ts: '2026-11-21T09:00:00.000Z',
      item: `{"n":${i}}`,
    }));
  const service = (query: jest.Mock) =>
    new SearchService({ query } as unknown as ActivityDatabase, new TokenSigner(env), env);

  it('asks for one row more than the page, and issues a token only when it came', async () => {
    const query = jest.fn().mockResolvedValueOnce(rows(3)).mockResolvedValueOnce(rows(2));
    const first = JSON.parse((await service(query).search(principal, body))!) as {
      nextPageToken: string;
      count: number;
      bankingActivities: unknown[];
    };
    expect(query.mock.calls[0][1]).toContain(3);
    expect(first).toMatchObject({ count: 2, bankingActivities: [{ n: 0 }, { n: 1 }] });
    expect(typeof first.nextPageToken).toBe('string');
    const last = JSON.parse((await service(query).search(principal, body))!) as {
      nextPageToken: null;
    };
    expect(last.nextPageToken).toBeNull();
  });

  it('answers null (204) when nothing matches', async () => {
    expect(await service(jest.fn().mockResolvedValue([])).search(principal, body)).toBeNull();
  });

  it('turns a query cut by statement_timeout into 503 ACTIVITY_UNAVAILABLE', async () => {
    const query = jest
      .fn()
      .mockRejectedValue(Object.assign(new Error('canceling statement'), { code: '57014' }));
    await expect(service(query).search(principal, body)).rejects.toMatchObject({
      code: 'ACTIVITY_UNAVAILABLE',
      status: 503,
    });
  });
});
