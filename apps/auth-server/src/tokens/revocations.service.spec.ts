import type { AuthEnv } from '../config/auth.env';
import type { RevocationsRepository } from './revocations.repository';
import { RevocationsService } from './revocations.service';

const env = { CLIENT_CACHE_TTL_MS: 30_000, ACCESS_TOKEN_MAX_LIFETIME_SECONDS: 3600 } as AuthEnv;

function build(revoked = false) {
  const repo = {
    insertTokens: jest.fn(async () => undefined),
    upsertClient: jest.fn(async () => undefined),
    isRevoked: jest.fn(async () => revoked),
    findSince: jest.fn(async () => ({
      tokens: [{ jti: 'j1', exp: 2_000_000_000 }],
      clients: [],
      asOf: new Date('2026-01-01T00:00:00Z'),
    })),
  };
  return {
    repo,
    service: new RevocationsService(
      repo as Partial<RevocationsRepository> as RevocationsRepository,
      env,
    ),
  };
}

describe('RevocationsService', () => {
  it('stores only tokens that have not expired yet', async () => {
    const { service, repo } = build();
    const live = {
      jti: 'a',
      institutionId: 'fi',
      clientId: 'c',
      expiresAt: new Date(Date.now() + 1000),
    };
    await service.revoke([live, { ...live, jti: 'b', expiresAt: new Date(Date.now() - 1000) }]);
    expect(repo.insertTokens).toHaveBeenCalledWith([live], undefined);
    await service.revoke([{ ...live, expiresAt: new Date(0) }]);
    expect(repo.insertTokens).toHaveBeenCalledTimes(1);
  });

  it('a disabled client: the cut-off lies CLIENT_CACHE_TTL_MS ahead, kept until its tokens expired', async () => {
    const { service, repo } = build();
    const now = Date.now();
    await service.revokeClient({ clientId: 'c', institutionId: 'fi' });
    const [row] = repo.upsertClient.mock.calls[0]! as unknown as [
      { issuedBefore: number; expiresAt: number },
    ];
    expect(row.issuedBefore).toBeGreaterThanOrEqual(Math.ceil((now + 30_000) / 1000) + 1);
    expect(row.expiresAt - row.issuedBefore).toBe(3600);
  });

  it('introspection of a token issued before its client was disabled reads inactive', async () => {
    const { service, repo } = build(true);
    await expect(
      service.screenIntrospection({ active: true, client_id: 'c', iat: 100 }),
    ).resolves.toEqual({
      active: false,
    });
    expect(repo.isRevoked).toHaveBeenCalledWith('', 'c', 100);
    await expect(service.screenIntrospection({ active: false })).resolves.toEqual({
      active: false,
    });
  });

  it('the feed says as of when it was read', async () => {
    const { service } = build();
    await expect(service.feed()).resolves.toEqual({
      revocations: [{ jti: 'j1', exp: 2_000_000_000 }],
      clientRevocations: [],
      asOf: '2026-01-01T00:00:00.000Z',
    });
  });
});
