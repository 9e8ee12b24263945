import { TokenSigner } from '../common/token-signer';
import type { ActivityEnv } from '../config/activity.env';
import { filterHash, issuePageToken, readPageToken } from './page-token';
import { parseSearchRequest } from './search.query';

const signer = new TokenSigner({ ACTIVITY_PAGE_TOKEN_KEY: 'k'.repeat(32) } as ActivityEnv);
const now = Date.UTC(2026, 10, 21);
const query = (body: Record<string, unknown>, institutionId = 'fi-a') =>
  parseSearchRequest(
    { startTime: '2026-11-20T00:00:00Z', endTime: '2026-11-21T00:00:00Z', ...body },
    { institutionId, now, maxLookbackDays: 93, mode: 'search' },
  );
const keyset = { ts: '2026-11-20T10:00:00.000Z', seq: '81920' };

describe('page tokens', () => {
  it('round-trip for the same filters, whatever the page size or projection', () => {
    const hash = filterHash(query({ userIds: ['b', 'a'], eventIds: ['logout', 'loginSuccess'] }));
    const token = issuePageToken(signer, hash, keyset);
    const same = filterHash(
      query({
        userIds: ['a', 'b'],
        eventIds: ['loginSuccess', 'logout'],
        pageSize: 7,
        requestedAttributes: ['loginId'],
      }),
    );
    expect(readPageToken(signer, token, same)).toEqual(keyset);
  });

  it.each([
    [{ userType: 'retail' }],
    [{ sortOrder: 'DESC' }],
    [{ endTime: '2026-11-20T23:00:00Z' }],
    [
      {
        additionalFilters: {
          condition: 'and',
          filters: [{ attributeId: 'amount', criteria: 'exists' }],
        },
      },
    ],
    [{ userIdType: 'customerId' }],
  ])('are refused with other filters: %j', (change) => {
    const token = issuePageToken(signer, filterHash(query({})), keyset);
    expect(readPageToken(signer, token, filterHash(query(change)))).toBeNull();
  });

  it('are refused for another FI, tampered, forged or of another purpose', () => {
    const hash = filterHash(query({}));
    const token = issuePageToken(signer, hash, keyset);
    expect(readPageToken(signer, token, filterHash(query({}, 'fi-b')))).toBeNull();
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, h: hash, t: keyset.ts, s: '1' })).toString(
      'base64url',
    );
    expect(readPageToken(signer, `${forged}.${mac}`, hash)).toBeNull();
    expect(readPageToken(signer, `${body}.${mac!.slice(1)}`, hash)).toBeNull();
    const other = new TokenSigner({ ACTIVITY_PAGE_TOKEN_KEY: 'o'.repeat(32) } as ActivityEnv);
    expect(readPageToken(other, token, hash)).toBeNull();
    expect(
      readPageToken(
        signer,
        signer.sign('activity-feed', { v: 1, h: hash, t: keyset.ts, s: keyset.seq }),
        hash,
      ),
    ).toBeNull();
    expect(readPageToken(signer, 'x', hash)).toBeNull();
  });
});
